package tools

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/internal/config"
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
	env := map[string]string{"HOME": root, "ANTHROPIC_API_KEY": envKey}
	reg, err := New(Options{
		Config: cfg, Paths: config.Paths{Home: home, ConfigFile: cfgFile, Workspace: ws},
		Getenv: func(k string) string { return env[k] },
		Now:    time.Now,
	})
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

func TestRedactor(t *testing.T) {
	tests := []struct {
		name    string
		secrets []string
		in      string
		want    string
	}{
		{"nothing configured", nil, "sk-abcdefghijkl", "sk-abcdefghijkl"},
		{"empty and short ignored", []string{"", "short"}, "a short line", "a short line"},
		{"every occurrence", []string{"sk-abcdefghijkl"}, "x sk-abcdefghijkl y sk-abcdefghijkl", "x sk-…ijkl y sk-…ijkl"},
		{"eight to eleven characters hidden whole", []string{"pass1234"}, "pw=pass1234", "pw=…(hidden)"},
		{"the longer of nested secrets wins", []string{"abcdefgh", "abcdefgh-ijklmnop"}, "k=abcdefgh-ijklmnop", "k=abc…mnop"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := newRedactor(tt.secrets).redact(tt.in); got != tt.want {
				t.Fatalf("redact(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
