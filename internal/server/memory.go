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
	limit := 10
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxSearchLimit {
			s.fail(w, r, invalid(`"limit" must be a whole number from 1 to %d, got %q`, MaxSearchLimit, v))
			return
		}
		limit = n
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
