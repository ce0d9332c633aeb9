//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
	"github.com/localgpt-go/localgpt/internal/memory"
)

// The generated BERT model, served by the real Ollama, computes the
// fakes' concept embedding: the unit tests' expectations hold on the wire.
func TestEmbeddingModelMatchesTheFake(t *testing.T) {
	texts := []string{"I prefer tea to coffee", "what do I drink in the morning", "married Anna in 2019", "A wedding, and breakfast!"}
	var ollamaAns struct{ Embeddings [][]float32 }
	postJSON(t, the.url+"/api/embed", map[string]any{"model": the.embed, "input": texts}, &ollamaAns)
	var openaiAns struct {
		Data []struct {
			Index     int
			Embedding []float32
		}
	}
	postJSON(t, the.url+"/v1/embeddings", map[string]any{"model": the.embed, "input": texts, "dimensions": 8, "encoding_format": "float"}, &openaiAns)
	if len(ollamaAns.Embeddings) != len(texts) || len(openaiAns.Data) != len(texts) {
		failWithLog(t, "embeddings: %d from /api/embed, %d from /v1/embeddings, want %d", len(ollamaAns.Embeddings), len(openaiAns.Data), len(texts))
	}
	for i, text := range texts {
		if c := llmtest.Cosine(ollamaAns.Embeddings[i], llmtest.Embedding(text, 0)); c < 0.9999 || len(ollamaAns.Embeddings[i]) != llmtest.ConceptDims() {
			t.Errorf("/api/embed of %q: %d dims, cosine %.5f with the fake's", text, len(ollamaAns.Embeddings[i]), c)
		}
		d := openaiAns.Data[i]
		if c := llmtest.Cosine(d.Embedding, llmtest.Embedding(texts[d.Index], 8)); c < 0.9999 || len(d.Embedding) != 8 {
			t.Errorf("/v1/embeddings of %q at 8 dimensions: %d dims, cosine %.5f", texts[d.Index], len(d.Embedding), c)
		}
	}
}

// Semantic search end to end: the built binary embeds the workspace with
// the real Ollama, through /api/embed and through the OpenAI protocol,
// finds notes by meaning, says so when the model is gone, and re-embeds
// when the model changes.
func TestSemanticSearch(t *testing.T) {
	h := newHome(t, the.url)
	h.appendConfig(fmt.Sprintf("\n[memory.embeddings]\nenabled = true\nprovider = \"ollama\"\nmodel = %q\nbatch_size = 2\n", the.embed))
	for name, text := range map[string]string{
		"notes/drinks.md": "# Drinks\n\nI prefer tea to coffee.\n",
		"notes/family.md": "# Family\n\nMarried Anna in 2019.\n",
		"notes/work.md":   "# Work\n\nThe deploy to Kubernetes runs on Friday.\n",
	} {
		h.write(name, text)
	}
	r := h.run("memory", "reindex")
	if r.code != 0 || !strings.Contains(r.stdout, "with ollama/"+the.embed) {
		failWithLog(t, "memory reindex:\n%s", r)
	}
	st := h.stats()
	if st.Embeddings == nil || st.Embeddings.Embedded != st.Chunks || st.Chunks < 3 || st.Embeddings.Dims != llmtest.ConceptDims() || st.Embeddings.LastError != "" {
		t.Fatalf("stats after reindex: %+v %+v", st, st.Embeddings)
	}
	for _, tc := range []struct{ mode, query, want string }{
		{"hybrid", "what do I drink in the morning", "notes/drinks.md"},
		{"vector", "my partner's name", "notes/family.md"},
		{"hybrid", "when do we ship to production", "notes/work.md"},
	} {
		if got := h.searchFirst(tc.mode, tc.query); got != tc.want {
			t.Errorf("search --mode %s %q: first %q, want %s", tc.mode, tc.query, got, tc.want)
		}
	}
	r = h.run("doctor")
	if !strings.Contains(r.stdout, fmt.Sprintf("ollama/%s answers vectors of %d dimensions; %d of %d chunks have one", the.embed, llmtest.ConceptDims(), st.Chunks, st.Chunks)) {
		failWithLog(t, "doctor's embeddings check:\n%s", r)
	}

	// The same model through the OpenAI protocol (/v1/embeddings), shortened
	// to 24 dimensions: another model for the index, embedded again.
	h.setConfig("provider = \"ollama\"", "provider = \"openai\"\ndimensions = 24")
	r = h.run("memory", "search", "tea")
	if !strings.Contains(r.stderr, "text only: the index's vectors are of ollama/"+the.embed) {
		t.Errorf("search before re-embedding:\n%s", r)
	}
	r = h.run("memory", "reindex")
	if r.code != 0 || !strings.Contains(r.stderr, fmt.Sprintf("the embedding model changed from ollama/%s (%d dimensions) to openai/%s@24", the.embed, llmtest.ConceptDims(), the.embed)) {
		failWithLog(t, "reindex after the model change:\n%s", r)
	}
	if st := h.stats(); st.Embeddings.Dims != 24 || st.Embeddings.Embedded != st.Chunks {
		t.Errorf("stats after re-embedding: %+v", st.Embeddings)
	}
	if got := h.searchFirst("", "what do I drink in the morning"); got != "notes/drinks.md" {
		t.Errorf("hybrid through /v1/embeddings: first %q", got)
	}

	// A note added without a daemon is embedded by the next search.
	h.write("notes/pets.md", "# Pets\n\nThe kitten sleeps on the dog.\n")
	r = h.run("memory", "search", "--mode", "vector", "--json", "my puppy")
	if r.code != 0 || !strings.Contains(r.stdout, "notes/pets.md") || strings.Contains(r.stderr, "text only") {
		t.Errorf("search after adding a note:\n%s", r)
	}

	// The model's server is gone: searches rank by words and say why.
	h.setConfig("base_url = \""+the.url+"/v1\"", "base_url = \"http://"+deadAddr(t)+"/v1\"")
	r = h.run("memory", "search", "tea")
	if r.code != 0 || !strings.Contains(r.stderr, "localgpt: text only: the embedding model did not answer") || !strings.Contains(r.stdout, "notes/drinks.md") {
		t.Errorf("search with the server gone:\n%s", r)
	}
	if r := h.run("memory", "search", "--mode", "vector", "tea"); r.code == 0 {
		t.Errorf("vector search with the server gone succeeded:\n%s", r)
	}
}

// deadAddr is a loopback address nothing listens on.
func deadAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// appendConfig adds text to the home's config.toml.
func (h *home) appendConfig(text string) {
	h.t.Helper()
	f, err := os.OpenFile(filepath.Join(h.dir, "config.toml"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		h.t.Fatal(err)
	}
}

// setConfig replaces old with new in the home's config.toml.
func (h *home) setConfig(old, new string) {
	h.t.Helper()
	p := filepath.Join(h.dir, "config.toml")
	b, err := os.ReadFile(p)
	if err != nil || !strings.Contains(string(b), old) {
		h.t.Fatalf("config.toml lacks %q: %v", old, err)
	}
	if err := os.WriteFile(p, []byte(strings.Replace(string(b), old, new, 1)), 0o600); err != nil {
		h.t.Fatal(err)
	}
}

// write writes a file of the home's workspace.
func (h *home) write(name, text string) {
	h.t.Helper()
	p := h.workspace(name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		h.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		h.t.Fatal(err)
	}
}

// stats runs `memory stats --json`.
func (h *home) stats() memory.Stats {
	h.t.Helper()
	r := h.run("memory", "stats", "--json")
	var st memory.Stats
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil || r.code != 0 {
		h.t.Fatalf("memory stats --json: %v\n%s", err, r)
	}
	return st
}

// searchFirst returns the file of the first result of `memory search`.
func (h *home) searchFirst(mode, query string) string {
	h.t.Helper()
	args := []string{"memory", "search", "--json", "-n", "3"}
	if mode != "" {
		args = append(args, "--mode", mode)
	}
	r := h.run(append(args, query)...)
	var rs []memory.Result
	if err := json.Unmarshal([]byte(r.stdout), &rs); err != nil || r.code != 0 {
		failWithLog(h.t, "memory search: %v\n%s", err, r)
	}
	if strings.Contains(r.stderr, "text only") {
		h.t.Errorf("memory search %q said %s", query, r.stderr)
	}
	if len(rs) == 0 {
		return ""
	}
	return rs[0].File
}
