package server

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
	"github.com/localgpt-go/localgpt/internal/memory"
)

// GET /api/memory/search ranks by meaning with embeddings on, takes a
// mode, and says "text only" (and why) in a field when it cannot.
func TestMemorySearchModes(t *testing.T) {
	f := newFixture(t, "[memory.embeddings]\nenabled = true\nprovider = \"openai\"\nmodel = \"text-embedding-3-small\"\n")
	os.WriteFile(filepath.Join(f.paths.Workspace, "drinks.md"), []byte("# Drinks\n\nI prefer tea to coffee.\n"), 0o644)
	mem, err := f.srv.o.Memory(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mem.Reindex(context.Background(), false, nil); err != nil {
		t.Fatal(err)
	}
	type answer struct {
		Results  []searchResult
		Mode     string
		TextOnly string `json:"text_only"`
		Embedded int
		Chunks   int
	}
	get := func(query string) (int, answer) {
		t.Helper()
		code, body := f.do("GET", "/api/memory/search?"+query, "")
		var a answer
		if code == 200 {
			if err := json.Unmarshal(body, &a); err != nil {
				t.Fatalf("%s: %v", body, err)
			}
		}
		return code, a
	}
	code, a := get("q=what+do+I+drink+in+the+morning")
	if code != 200 || a.Mode != "text" || !strings.HasPrefix(a.TextOnly, "text only: no chunk has a vector yet") || a.Embedded != 0 || a.Chunks == 0 {
		t.Fatalf("before any vector: %d %+v", code, a)
	}
	if code, body := f.do("GET", "/api/memory/search?q=tea&mode=vector", ""); code != 503 || !strings.Contains(string(body), `"code":"vectors_not_ready"`) ||
		!strings.Contains(string(body), "no chunk has a vector yet") {
		t.Errorf("vector mode before any vector: %d %s", code, body)
	}
	if _, err := mem.Embed(context.Background(), memory.EmbedOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		query, mode, first string
	}{
		{"q=what+do+I+drink+in+the+morning", "hybrid", "drinks.md"},
		{"q=what+do+I+drink+in+the+morning&mode=vector", "vector", "drinks.md"},
		{"q=tea&mode=text", "text", "drinks.md"},
	} {
		code, a := get(tc.query)
		if code != 200 || a.Mode != tc.mode || a.TextOnly != "" || len(a.Results) == 0 || a.Results[0].File != tc.first || a.Embedded != a.Chunks {
			t.Errorf("%s: %d %+v", tc.query, code, a)
		}
	}
	if code, body := f.do("GET", "/api/memory/search?q=tea&mode=fuzzy", ""); code != 400 || !strings.Contains(string(body), "text, vector or hybrid") {
		t.Errorf("bad mode: %d %s", code, body)
	}
	f.llm.OnEmbed(func(llmtest.Recorded) *llmtest.Reply {
		return &llmtest.Reply{Status: http.StatusBadGateway, Error: "embedder down"}
	})
	code, a = get("q=coffee+drink")
	if code != 200 || a.Mode != "text" || !strings.Contains(a.TextOnly, "text only: the embedding model did not answer") || !strings.Contains(a.TextOnly, "embedder down") {
		t.Errorf("embedder down: %d %+v", code, a)
	}
	if code, body := f.do("GET", "/api/memory/search?q=coffee+drink&mode=vector", ""); code != 503 || !strings.Contains(string(body), "embedder down") {
		t.Errorf("vector mode, embedder down: %d %s", code, body)
	}
	code, body := f.do("GET", "/api/memory/stats", "")
	if code != 200 || !strings.Contains(string(body), `"embeddings":{"model":"openai/text-embedding-3-small"`) {
		t.Errorf("stats: %d %s", code, body)
	}
}

// Without embeddings, hybrid and vector are refused with what to set,
// and the answer has no field of them.
func TestMemorySearchWithoutEmbeddings(t *testing.T) {
	f := newFixture(t, "")
	if code, body := f.do("GET", "/api/memory/search?q=tea&mode=vector", ""); code != 400 || !strings.Contains(string(body), "memory.embeddings.enabled") {
		t.Errorf("vector mode without embeddings: %d %s", code, body)
	}
	code, body := f.do("GET", "/api/memory/search?q=tea", "")
	if code != 200 || strings.Contains(string(body), "text_only") || strings.Contains(string(body), "embedded") || !strings.Contains(string(body), `"mode":"text"`) {
		t.Errorf("default: %d %s", code, body)
	}
}
