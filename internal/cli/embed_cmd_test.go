package cli

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
	"github.com/localgpt-go/localgpt/internal/memory"
)

// embedHome is a LocalGPT home with semantic search on, against a fake
// Ollama, and a few notes.
func embedHome(t *testing.T, srv *llmtest.Server, extra string) string {
	t.Helper()
	home := t.TempDir()
	cfg := "[providers.ollama]\nendpoint = \"" + srv.URL + "\"\n[memory.embeddings]\nenabled = true\nmodel = \"nomic-embed-text\"\nbatch_size = 2\n" + extra
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ws := filepath.Join(home, "workspace")
	for name, text := range map[string]string{
		"notes/drinks.md": "# Drinks\n\nI prefer tea to coffee.\n",
		"notes/family.md": "# Family\n\nMarried Anna in 2019.\n",
		"notes/work.md":   "# Work\n\nThe deploy to Kubernetes runs on Friday.\n",
	} {
		os.MkdirAll(filepath.Dir(filepath.Join(ws, name)), 0o755)
		if err := os.WriteFile(filepath.Join(ws, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return home
}

func TestSemanticSearchCommands(t *testing.T) {
	srv := llmtest.NewOllama(t)
	home := embedHome(t, srv, "")
	env := map[string]string{"LOCALGPT_HOME": home, "NO_COLOR": "1"}
	steps := []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr []string
		not    []string // in neither
	}{
		// 6 chunks wait (the notes, MEMORY.md, HEARTBEAT.md, SOUL.md): more
		// than the search's catch-up takes (batch_size 2).
		{"search before any vector", []string{"memory", "search", "tea"}, 0, []string{"notes/drinks.md"},
			[]string{"localgpt: text only: no chunk has a vector yet; the daemon computes them, or run `localgpt memory reindex`"}, nil},
		{"reindex embeds", []string{"memory", "reindex"}, 0, []string{"indexed", "embedded", "with ollama/nomic-embed-text", "have a vector"}, nil, nil},
		{"hybrid by meaning", []string{"memory", "search", "what do I drink in the morning"}, 0, []string{"notes/drinks.md"}, nil, []string{"text only"}},
		{"vector mode", []string{"memory", "search", "--mode", "vector", "my partner's name"}, 0, []string{"notes/family.md"}, nil, []string{"drinks"}},
		{"text mode", []string{"memory", "search", "--mode", "text", "kubernetes"}, 0, []string{"notes/work.md"}, nil, nil},
		{"bad mode", []string{"memory", "search", "--mode", "fuzzy", "tea"}, 1, nil, []string{"unknown search mode"}, nil},
		{"stats", []string{"memory", "stats"}, 0, []string{"embeddings    ollama/nomic-embed-text, 32 dimensions", "embedded      6 of 6 chunks (100%)", "last pass"}, nil, []string{"last error"}},
		{"doctor", []string{"doctor"}, -1, []string{"embeddings", "answers vectors of 32 dimensions; 6 of 6 chunks have one"}, nil, nil},
		{"add then search: caught up", []string{"memory", "add", "Espresso", "at", "dawn"}, 0, []string{"Added to memory/"}, nil, nil},
		{"caught up by the search", []string{"memory", "search", "--mode", "vector", "breakfast drink"}, 0, []string{"memory/"}, nil, []string{"text only"}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			r := runEnv(t, env, "", s.args...)
			if s.code >= 0 && r.code != s.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, s.code, r.stdout, r.stderr)
			}
			for _, want := range s.stdout {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("stdout lacks %q:\n%s\nstderr: %s", want, r.stdout, r.stderr)
				}
			}
			for _, want := range s.stderr {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
				}
			}
			for _, not := range s.not {
				if strings.Contains(r.stdout+r.stderr, not) {
					t.Errorf("output has %q:\n%s\n%s", not, r.stdout, r.stderr)
				}
			}
		})
	}
	r := runEnv(t, env, "", "memory", "stats", "--json")
	var st memory.Stats
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil || st.Embeddings == nil || st.Embeddings.Embedded != 7 || st.Embeddings.Chunks != 7 {
		t.Fatalf("stats --json: %v %+v\n%s", err, st.Embeddings, r.stdout)
	}
	if strings.Contains(r.stdout, "last_error_at") || strings.Contains(r.stdout, "0001-01-01") {
		t.Errorf("stats --json prints a time that never was:\n%s", r.stdout)
	}

	// The model fails: reindex exits 3 with what to expect, searches say
	// "text only" and why, stats keep the error.
	srv.OnEmbed(func(llmtest.Recorded) *llmtest.Reply {
		return &llmtest.Reply{Status: http.StatusInternalServerError, Error: "runner out of memory"}
	})
	os.WriteFile(filepath.Join(home, "workspace", "notes", "pets.md"), []byte("# Pets\n\nThe cat sleeps.\n"), 0o644)
	r = runEnv(t, env, "", "memory", "reindex")
	if r.code != ExitProvider || !strings.Contains(r.stderr, "runner out of memory") || !strings.Contains(r.stderr, "text index is up to date") {
		t.Errorf("reindex with the model failing: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = runEnv(t, env, "", "memory", "search", "tea")
	if r.code != 0 || !strings.Contains(r.stderr, "localgpt: text only: the embedding model did not answer") || !strings.Contains(r.stdout, "notes/drinks.md") {
		t.Errorf("search with the model failing: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = runEnv(t, env, "", "memory", "search", "--mode", "vector", "tea")
	if r.code == 0 || !strings.Contains(r.stderr, "vector search is not possible") {
		t.Errorf("vector search with the model failing: exit %d\n%s", r.code, r.stderr)
	}
	r = runEnv(t, env, "", "memory", "stats")
	if !strings.Contains(r.stdout, "embedded      7 of 8 chunks (88%)") || !strings.Contains(r.stdout, "last error") || !strings.Contains(r.stdout, "runner out of memory") {
		t.Errorf("stats after a failure:\n%s", r.stdout)
	}
	r = runEnv(t, env, "", "doctor")
	if r.code != ExitProvider || !strings.Contains(r.stdout, "runner out of memory") {
		t.Errorf("doctor with the model failing: exit %d\n%s", r.code, r.stdout)
	}
	// It answers again: the rest is embedded, and the error forgotten.
	srv.OnEmbed(nil)
	r = runEnv(t, env, "", "memory", "reindex")
	if r.code != 0 || !strings.Contains(r.stdout, "embedded 1 chunk (0 reused) with ollama/nomic-embed-text in 1 request, ") || !strings.Contains(r.stdout, "8 of 8 chunks have a vector") {
		t.Errorf("reindex after recovery: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}

	// Another model: reindex says every chunk is embedded again.
	cfg, _ := os.ReadFile(filepath.Join(home, "config.toml"))
	os.WriteFile(filepath.Join(home, "config.toml"), []byte(strings.Replace(string(cfg), "nomic-embed-text", "all-minilm", 1)), 0o600)
	r = runEnv(t, env, "", "memory", "search", "tea")
	if !strings.Contains(r.stderr, "text only: the index's vectors are of ollama/nomic-embed-text, not of ollama/all-minilm") {
		t.Errorf("search after a model change:\n%s", r.stderr)
	}
	r = runEnv(t, env, "", "memory", "reindex")
	if r.code != 0 || !strings.Contains(r.stderr, "the embedding model changed from ollama/nomic-embed-text (32 dimensions) to ollama/all-minilm: every chunk is embedded again") ||
		!strings.Contains(r.stdout, "embedded 8 chunks") {
		t.Errorf("reindex after a model change: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// Dimensions a model cannot give are a configuration error (exit 2) in
// doctor and reindex; an unreachable server is exit 3 and "text only".
func TestSemanticSearchMisconfigured(t *testing.T) {
	srv := llmtest.NewOllama(t)
	srv.SetModels(llmtest.Model{Name: "nomic-embed-text"}) // 32 dimensions at most
	home := embedHome(t, srv, "dimensions = 100\n")
	env := map[string]string{"LOCALGPT_HOME": home, "NO_COLOR": "1"}
	r := runEnv(t, env, "", "doctor")
	if r.code != ExitConfig || !strings.Contains(r.stdout, "memory.embeddings.dimensions") || !strings.Contains(r.stdout, "answers vectors of 32 dimensions") {
		t.Errorf("doctor: exit %d\n%s", r.code, r.stdout)
	}
	r = runEnv(t, env, "", "memory", "reindex")
	if r.code != ExitConfig || !strings.Contains(r.stderr, "set it to 0") {
		t.Errorf("reindex: exit %d\n%s", r.code, r.stderr)
	}
	// Fixed, then the server goes away: searches rank by words and say why.
	cfg, _ := os.ReadFile(filepath.Join(home, "config.toml"))
	os.WriteFile(filepath.Join(home, "config.toml"), []byte(strings.Replace(string(cfg), "dimensions = 100", "dimensions = 0", 1)), 0o600)
	if r := runEnv(t, env, "", "memory", "reindex"); r.code != 0 {
		t.Fatalf("reindex: exit %d\n%s", r.code, r.stderr)
	}
	srv.Close()
	r = runEnv(t, env, "", "memory", "search", "tea")
	if r.code != 0 || !strings.Contains(r.stderr, "localgpt: text only: the embedding model did not answer:") || !strings.Contains(r.stderr, "Ollama is not running") ||
		!strings.Contains(r.stdout, "notes/drinks.md") {
		t.Errorf("search, server down: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// The memory_search tool ranks by meaning in a real turn (ask, with the
// OpenAI-compatible provider for both chat and embeddings), and tells the
// model "text only" and why when the embedding model fails.
func TestAskMemorySearchByMeaning(t *testing.T) {
	home, srv := fakeHome(t)
	cfg, _ := os.ReadFile(filepath.Join(home, "config.toml"))
	cfg = append(cfg, "[memory.embeddings]\nenabled = true\nprovider = \"openai\"\nmodel = \"text-embedding-3-small\"\ndimensions = 16\n"...)
	os.WriteFile(filepath.Join(home, "config.toml"), cfg, 0o600)
	os.MkdirAll(filepath.Join(home, "workspace", "notes"), 0o755)
	os.WriteFile(filepath.Join(home, "workspace", "notes", "drinks.md"), []byte("# Drinks\n\nI prefer tea to coffee.\n"), 0o644)
	if r := runIn(t, home, "", "memory", "reindex"); r.code != 0 || !strings.Contains(r.stdout, "with openai/text-embedding-3-small@16") {
		t.Fatalf("reindex: %+v", r)
	}
	search := llmtest.Call{ID: "s1", Name: "memory_search", Args: `{"query":"what do I drink in the morning"}`}
	srv.Enqueue(llmtest.ToolCalls(search), llmtest.Text("Tea."))
	if r := runIn(t, home, "", "ask", "what do I drink?"); r.code != 0 || r.stdout != "Tea.\n" {
		t.Fatalf("ask: %+v", r)
	}
	body := lastBody(t, srv)
	if !strings.Contains(body, "1. notes/drinks.md:1-3 (Drinks)") || strings.Contains(body, "text only") {
		t.Errorf("tool result by meaning: %s", body)
	}
	for _, r := range srv.Calls("/v1/embeddings") {
		if d := r.JSON(t)["dimensions"]; d != float64(16) {
			t.Errorf("embeddings asked with dimensions %v", d)
		}
	}
	srv.OnEmbed(func(llmtest.Recorded) *llmtest.Reply {
		return &llmtest.Reply{Status: http.StatusServiceUnavailable, Error: "embedding server overloaded"}
	})
	srv.Enqueue(llmtest.ToolCalls(search), llmtest.Text("Not sure."))
	if r := runIn(t, home, "", "ask", "what do I drink?"); r.code != 0 {
		t.Fatalf("ask, embeddings failing: %+v", r)
	}
	if body := lastBody(t, srv); !strings.Contains(body, "text only: the embedding model did not answer") || !strings.Contains(body, "embedding server overloaded") {
		t.Errorf("tool result with the embedding model failing: %s", body)
	}
}
