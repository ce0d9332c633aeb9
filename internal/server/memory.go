package server

import (
	"net/http"
	"strconv"

	"github.com/localgpt-go/localgpt/internal/memory"
)

// MaxSearchLimit is the most results GET /api/memory/search returns.
const MaxSearchLimit = 100

// searchResult is one hit of GET /api/memory/search.
type searchResult struct {
	File      string  `json:"file"`
	Content   string  `json:"content"`
	Score     float64 `json:"score"`
	LineStart int     `json:"line_start"`
	LineEnd   int     `json:"line_end"`
	Heading   string  `json:"heading,omitempty"`
	Snippet   string  `json:"snippet,omitempty"`
}

func (s *Server) handleMemorySearch(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	if q == "" {
		s.fail(w, r, invalid(`the "q" query parameter is required: the words to search for`))
		return
	}
	limit, err := limitParam(r, 10, MaxSearchLimit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	mode, err := memory.ParseMode(r.URL.Query().Get("mode"))
	if err != nil {
		s.fail(w, r, invalid(`"mode" must be text, vector or hybrid, got %q`, r.URL.Query().Get("mode")))
		return
	}
	mem, err := s.memory(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	found, err := mem.Find(r.Context(), q, memory.FindOptions{Limit: limit, Mode: mode})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]searchResult, len(found.Results))
	for i, h := range found.Results {
		out[i] = searchResult{File: h.File, Content: h.Content, Score: h.Score, LineStart: h.LineStart,
			LineEnd: h.LineEnd, Heading: h.Heading, Snippet: h.Snippet}
	}
	body := map[string]any{"query": q, "results": out, "total": len(out), "mode": found.Mode}
	if note := memory.QueryNote(q); note != "" {
		body["note"] = note
	}
	if found.TextOnly != "" {
		body["text_only"] = found.TextOnly
	}
	if mem.Embeddings() {
		body["embedded"], body["chunks"] = found.Embedded, found.Chunks
	}
	writeJSON(w, http.StatusOK, body)
}

// limitParam reads the "limit" query parameter: def when absent, else a
// whole number from 1 to most.
func limitParam(r *http.Request, def, most int) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > most {
		return 0, invalidParam("limit", `"limit" must be a whole number from 1 to %d, got %q`, most, v)
	}
	return n, nil
}

// memoryFile is the answer of GET /api/memory/file.
type memoryFile struct {
	Path    string `json:"path"`
	Content string `json:"content"`
}

// handleMemoryFile returns one file of the workspace (or of an external
// path), for the page to show a note at the lines a search found. The
// memory store's Read refuses anything outside them, however spelled.
func (s *Server) handleMemoryFile(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Query().Get("path")
	if p == "" {
		s.fail(w, r, invalidParam("path", `the "path" query parameter is required: a file of the workspace, as search results name it (MEMORY.md, memory/2025-03-14.md)`))
		return
	}
	mem, err := s.memory(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	text, err := mem.Read(p, 0, 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, memoryFile{Path: p, Content: text})
}

// handleMemoryToday names today's daily log, whether it exists yet or not.
func (s *Server) handleMemoryToday(w http.ResponseWriter, r *http.Request) {
	p := memory.DailyPath(s.o.Now())
	mem, err := s.memory(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	_, err = mem.Read(p, 0, 0)
	writeJSON(w, http.StatusOK, map[string]any{"path": p, "exists": err == nil})
}

func (s *Server) handleMemoryStats(w http.ResponseWriter, r *http.Request) {
	mem, err := s.memory(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	st, err := mem.Stats(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}
