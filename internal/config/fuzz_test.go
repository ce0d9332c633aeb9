package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that no config text makes Parse panic, and that every
// failure is an *Error (so the CLI exits 2 with a located message).
func FuzzParse(f *testing.F) {
	f.Add(string(Template()))
	f.Add("[agent]\ncontext_window = \"big\"\n")
	f.Add("[heartbeat]\nactive_hours = { start = \"09:00\", end = 5 }\n")
	f.Add("[providers.openai]\napi_key = \"${KEY:-x}\"\n")
	f.Add("[[agent]]\n")
	f.Add("a.b.c = 1\n[agent]\n")
	f.Fuzz(func(t *testing.T, text string) {
		_, _, err := Parse([]byte(text), "fuzz.toml", env("KEY", "v"))
		var ce *Error
		if err != nil && !errors.As(err, &ce) {
			t.Fatalf("error is not *Error: %T %v", err, err)
		}
	})
}

// FuzzSet checks that Set either refuses with an *Error and leaves the file
// alone, or writes a file that loads.
func FuzzSet(f *testing.F) {
	f.Add("agent.default_model", "qwen3")
	f.Add("heartbeat.active_hours", `{ start = "1", end = "2" }`)
	f.Add("tools.require_approval", `["a", 1]`)
	f.Add("providers.openai.api_key", "\"\n[x]")
	f.Fuzz(func(t *testing.T, key, value string) {
		path := filepath.Join(t.TempDir(), "config.toml")
		before := Template()
		os.WriteFile(path, before, 0o600)
		err := Set(path, key, value, env())
		after, _ := os.ReadFile(path)
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error is not *Error: %T %v", err, err)
			}
			if string(after) != string(before) {
				t.Fatal("file changed although Set failed")
			}
			return
		}
		if _, _, err := LoadFile(path, env()); err != nil {
			t.Fatalf("Set(%q, %q) wrote a file that does not load: %v", key, value, err)
		}
	})
}
