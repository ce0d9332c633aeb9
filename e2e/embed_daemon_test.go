//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The daemon with semantic search on, against its own Ollama server: it
// embeds the workspace and each new note without being asked,
// /api/memory/search ranks by meaning, and once the server is gone the
// API says "text only" and why, mode=vector is the provider's error, and
// the stats keep the embedder's last error.
func TestSemanticSearchDaemon(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	peerDir := filepath.Join(t.TempDir(), "peer")
	peerURL, err := the.startPeer(ctx, peerDir)
	if err != nil {
		t.Fatal(err)
	}
	peerUp := true
	t.Cleanup(func() {
		if peerUp {
			the.stopPeer(peerDir)
		}
	})
	h := newHome(t, peerURL)
	port := deadAddr(t) // free now; the daemon takes it
	h.appendConfig(fmt.Sprintf("\n[server]\nport = %s\n\n[heartbeat]\nenabled = false\n\n[memory.embeddings]\nenabled = true\nprovider = \"ollama\"\nmodel = %q\nbatch_size = 2\n",
		port[strings.LastIndexByte(port, ':')+1:], the.embed))
	h.write("notes/drinks.md", "# Drinks\n\nI prefer tea to coffee.\n")
	h.write("notes/family.md", "# Family\n\nMarried Anna in 2019.\n")
	t.Cleanup(func() { h.run("daemon", "stop", "--timeout", "10s") })
	if r := h.run("daemon", "start"); r.code != 0 {
		failWithLog(t, "daemon start:\n%s", r)
	}
	r := h.run("daemon", "token")
	if r.code != 0 {
		t.Fatalf("daemon token:\n%s", r)
	}
	api := &daemonAPI{t: t, base: "http://" + port, token: strings.TrimSpace(r.stdout)}

	// The daemon embeds the workspace by itself.
	st := api.waitStats("every chunk embedded", func(s apiStats) bool {
		return s.Embeddings != nil && s.Chunks >= 2 && s.Embeddings.Embedded == s.Chunks
	})
	if st.Embeddings.Model != "ollama/"+the.embed || st.Embeddings.LastError != "" {
		t.Errorf("stats: %+v", st.Embeddings)
	}
	var found apiFound
	if code := api.search("what do I drink in the morning", "", &found); code != 200 || found.Mode != "hybrid" || found.TextOnly != "" ||
		len(found.Results) == 0 || found.Results[0].File != "notes/drinks.md" || found.Embedded != found.Chunks {
		t.Errorf("hybrid search: %d %+v", code, found)
	}

	// A new note: the watcher indexes it, the embedder gives it a vector.
	h.write("notes/pets.md", "# Pets\n\nThe kitten sleeps on the dog.\n")
	deadline := time.Now().Add(time.Minute)
	for {
		found = apiFound{}
		if code := api.search("my puppy", "vector", &found); code == 200 && len(found.Results) > 0 && found.Results[0].File == "notes/pets.md" && found.TextOnly == "" {
			break
		}
		if time.Now().After(deadline) {
			failWithLog(t, "the daemon did not embed a new note: %+v", found)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// The model's server is gone.
	if err := the.stopPeer(peerDir); err != nil {
		t.Fatal(err)
	}
	peerUp = false
	found = apiFound{}
	if code := api.search("tea", "", &found); code != 200 || found.Mode != "text" || !strings.Contains(found.TextOnly, "text only: the embedding model did not answer") ||
		len(found.Results) == 0 || found.Results[0].File != "notes/drinks.md" {
		t.Errorf("search with the server gone: %d %+v", code, found)
	}
	var apiErr struct {
		Error struct{ Code, Message string }
	}
	if code := api.search("coffee", "vector", &apiErr); code != http.StatusBadGateway || apiErr.Error.Code != "provider_unreachable" {
		t.Errorf("vector search with the server gone: %d %+v", code, apiErr)
	}
	// A note written now cannot be embedded: the stats say how many
	// chunks lack a vector and why, and so does `memory stats`.
	h.write("notes/work.md", "# Work\n\nThe deploy to Kubernetes runs on Friday.\n")
	st = api.waitStats("the embedder's error", func(s apiStats) bool {
		return s.Embeddings != nil && s.Embeddings.LastError != "" && s.Embeddings.Embedded < s.Chunks
	})
	if r := h.run("memory", "stats"); r.code != 0 || !strings.Contains(r.stdout, fmt.Sprintf("embedded      %d of %d chunks", st.Embeddings.Embedded, st.Chunks)) ||
		!strings.Contains(r.stdout, "last error") {
		t.Errorf("memory stats with the server gone:\n%s", r)
	}
	if r := h.run("daemon", "stop", "--timeout", "10s"); r.code != 0 {
		t.Errorf("daemon stop:\n%s", r)
	}
}

// daemonAPI calls a running daemon's HTTP API with its token.
type daemonAPI struct {
	t           *testing.T
	base, token string
}

// apiStats is what /api/memory/stats answers (the part these tests read).
type apiStats struct {
	Chunks     int `json:"chunks"`
	Embeddings *struct {
		Model     string `json:"model"`
		Embedded  int    `json:"embedded"`
		Chunks    int    `json:"chunks"`
		LastError string `json:"last_error"`
	} `json:"embeddings"`
}

// apiFound is what /api/memory/search answers.
type apiFound struct {
	Mode     string `json:"mode"`
	TextOnly string `json:"text_only"`
	Embedded int    `json:"embedded"`
	Chunks   int    `json:"chunks"`
	Results  []struct {
		File string `json:"file"`
	} `json:"results"`
}

// get decodes GET path into v and returns the status.
func (a *daemonAPI) get(path string, v any) int {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+path, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(body, v); err != nil {
		a.t.Fatalf("GET %s: %s: %v\n%s", path, resp.Status, err, body)
	}
	return resp.StatusCode
}

// search runs /api/memory/search for q in mode ("" for the default).
func (a *daemonAPI) search(q, mode string, v any) int {
	a.t.Helper()
	p := "/api/memory/search?limit=3&q=" + url.QueryEscape(q)
	if mode != "" {
		p += "&mode=" + mode
	}
	return a.get(p, v)
}

// waitStats polls /api/memory/stats until ok, for at most a minute.
func (a *daemonAPI) waitStats(what string, ok func(apiStats) bool) apiStats {
	a.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var st apiStats
		if code := a.get("/api/memory/stats", &st); code == 200 && ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			failWithLog(a.t, "waiting for %s: the last stats were %+v %+v", what, st, st.Embeddings)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
