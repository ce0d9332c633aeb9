package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
)

// fixtureKey is the OpenAI key of every fixture's config
// (llmtest.OpenAIConfig); fixtureKeyPart is its middle.
const (
	fixtureKey     = "sk-test-000000000000"
	fixtureKeyPart = "test-00000000"
)

// TestSecretsNeverInResponses replays issue 12's attack 2 through /api and
// /v1: a provider error echoing the key, a memory search for it (the
// highlight marks fall inside it), a user pasting it, and a session file
// written before masking existed. No response body and no session file
// holds the key.
func TestSecretsNeverInResponses(t *testing.T) {
	f := newFixture(t, "")
	note := "# Keys\n\nThe test key is " + fixtureKey + ".\n"
	if err := os.WriteFile(filepath.Join(f.paths.Workspace, "keys.md"), []byte(note), 0o600); err != nil {
		t.Fatal(err)
	}
	echo := llmtest.HTTPError(401, "Incorrect API key provided: "+fixtureKey)
	search := llmtest.ToolCalls(llmtest.Call{ID: "1", Name: "memory_search", Args: `{"query":"sk test 000000000000"}`})
	// A session written by an older version, with the key in plain text.
	legacy := `{"type":"session","at":"2025-03-14T09:15:02Z","version":1,"id":"20250314-091502-abcd","model":"openai/m"}` + "\n" +
		`{"type":"message","at":"2025-03-14T09:16:00Z","message":{"role":"user","parts":[{"type":"text","text":"my key is ` + fixtureKey + `"}]}}` + "\n"
	os.MkdirAll(f.paths.Sessions, 0o700)
	if err := os.WriteFile(filepath.Join(f.paths.Sessions, "20250314-091502-abcd.jsonl"), []byte(legacy), 0o600); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name, method, path, body string
		replies                  []llmtest.Reply
		status                   int
		want                     string
	}{
		{"api chat, provider echo", "POST", "/api/chat", `{"message":"hi"}`, []llmtest.Reply{echo}, 401, "Incorrect API key provided: sk-…0000"},
		{"api stream, provider echo", "POST", "/api/chat/stream", `{"message":"hi"}`, []llmtest.Reply{echo}, 200, "event: error"},
		{"api stream, memory search", "POST", "/api/chat/stream", `{"message":"my key is ` + fixtureKey + `; find it"}`,
			[]llmtest.Reply{search, llmtest.Text("It is " + fixtureKey + ".")}, 200, `"preview":"1. keys.md`},
		{"v1, provider echo", "POST", "/v1/chat/completions", `{"model":"localgpt","messages":[{"role":"user","content":"hi"}]}`,
			[]llmtest.Reply{echo}, 401, "sk-…0000"},
		{"v1 stream, memory search", "POST", "/v1/chat/completions", `{"model":"localgpt","stream":true,"messages":[{"role":"user","content":"find the key"}]}`,
			[]llmtest.Reply{search, llmtest.Text("It is " + fixtureKey + ".")}, 200, `"content":"sk-…0000."`},
		{"older session file", "GET", "/api/sessions/20250314-091502-abcd", "", nil, 200, "my key is sk-…0000"},
		{"memory search api", "GET", "/api/memory/search?q=sk+test+000000000000", "", nil, 200, "keys.md"},
		{"memory file", "GET", "/api/memory/file?path=keys.md", "", nil, 200, "The test key is sk-…0000."},
		{"session title", "PATCH", "/api/sessions/20250314-091502-abcd", `{"title":"key ` + fixtureKey + `"}`, nil, 200, `"title":"key sk-…0000"`},
		{"session search", "GET", "/api/sessions/search?q=my+key", "", nil, 200, "my key is sk-…0000"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			f.llm.Enqueue(s.replies...)
			status, body := f.do(s.method, s.path, s.body)
			if status != s.status || !strings.Contains(string(body), s.want) {
				t.Fatalf("status %d, want %d with %q:\n%s", status, s.status, s.want, body)
			}
			if strings.Contains(string(body), fixtureKeyPart) {
				t.Fatalf("the response shows the key:\n%s", body)
			}
		})
	}
	filepath.WalkDir(f.paths.Sessions, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := os.ReadFile(path)
			if strings.HasSuffix(path, "abcd.jsonl") { // what the older version wrote stays as it was
				data = data[len(legacy):]
			}
			if strings.Contains(string(data), fixtureKeyPart) {
				t.Errorf("%s holds the key:\n%s", path, data)
			}
		}
		return nil
	})
}
