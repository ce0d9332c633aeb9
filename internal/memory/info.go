package memory

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Stats describes the index.
type Stats struct {
	Workspace     string   `json:"workspace"`
	Index         string   `json:"index"`
	ExternalPaths []string `json:"external_paths"`
	Files         int      `json:"files"`
	// Skipped files are known but not indexed (binary, oversized).
	Skipped int `json:"skipped"`
	Chunks  int `json:"chunks"`
	// IndexBytes is the size of the database with its WAL.
	IndexBytes    int64 `json:"index_bytes"`
	SchemaVersion int   `json:"schema_version"`
	// LastIndexed is when a reindex last changed the index; zero if never.
	LastIndexed time.Time `json:"last_indexed"`
	// Embeddings is the state of semantic search; nil when it is off.
	Embeddings *EmbedStatus `json:"embeddings,omitempty"`
}

// EmbedStatus says how far the vectors of semantic search are.
type EmbedStatus struct {
	// Model is the configured model (Options.EmbedModel); IndexModel is
	// the model of the vectors the index holds, when it is another one
	// (the next pass replaces them).
	Model      string `json:"model"`
	IndexModel string `json:"index_model,omitempty"`
	// Dims is the size of the vectors (0 before the first).
	Dims int `json:"dims"`
	// Embedded of Chunks have a vector of Model.
	Embedded int `json:"embedded"`
	Chunks   int `json:"chunks"`
	// Vectors is how many distinct texts have a vector, and VectorBytes
	// what they hold (scale, int8 dimensions and hash; SQLite's own
	// overhead adds about 10 bytes per vector and per link).
	Vectors     int   `json:"vectors"`
	VectorBytes int64 `json:"vector_bytes"`
	// LastPass is when an embedding pass last completed; zero (left out
	// of JSON) if never.
	LastPass time.Time `json:"last_pass,omitzero"`
	// LastError is why the last pass failed, at LastErrorAt; "" once a
	// pass succeeds.
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
}

// Stats reports what the index holds.
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	st := Stats{Workspace: s.opts.Workspace, Index: s.opts.IndexPath, ExternalPaths: s.opts.ExternalPaths}
	if st.ExternalPaths == nil {
		st.ExternalPaths = []string{}
	}
	err := s.withIndex(ctx, func(ix *index) error {
		var last sql.NullString
		err := ix.r.QueryRowContext(ctx, `SELECT
			(SELECT count(*) FROM files WHERE note = ''), (SELECT count(*) FROM files WHERE note != ''),
			(SELECT count(*) FROM chunks), (SELECT value FROM meta WHERE key = 'last_indexed')`).
			Scan(&st.Files, &st.Skipped, &st.Chunks, &last)
		if err != nil {
			return err
		}
		if last.Valid {
			st.LastIndexed, _ = time.Parse(time.RFC3339, last.String)
		}
		if err := ix.r.QueryRowContext(ctx, "PRAGMA user_version").Scan(&st.SchemaVersion); err != nil {
			return err
		}
		if s.opts.Embedder == nil {
			return nil
		}
		st.Embeddings, err = s.embedStatus(ctx, ix, st.Chunks)
		return err
	})
	if err != nil {
		return st, fmt.Errorf("memory: read index stats: %w", err)
	}
	db := databaseFile(s.opts.IndexPath) // the file the link leads to (rebuild.go)
	for _, p := range []string{db, db + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			st.IndexBytes += fi.Size()
		}
	}
	return st, nil
}

// embedStatus reads the state of the vectors.
func (s *Store) embedStatus(ctx context.Context, ix *index, chunks int) (*EmbedStatus, error) {
	es := &EmbedStatus{Model: s.opts.EmbedModel, Chunks: chunks}
	var model, dims, done, failed sql.NullString
	err := ix.r.QueryRowContext(ctx, `SELECT
		(SELECT value FROM vector_meta WHERE key = ?), (SELECT value FROM vector_meta WHERE key = ?),
		(SELECT value FROM vector_meta WHERE key = ?), (SELECT value FROM vector_meta WHERE key = ?),
		(SELECT count(*) FROM chunk_vectors), (SELECT count(*) FROM vectors)`, vmModel, vmDims, vmDone, vmError).
		Scan(&model, &dims, &done, &failed, &es.Embedded, &es.Vectors)
	if err != nil {
		return nil, err
	}
	if model.String != "" && model.String != es.Model {
		es.IndexModel, es.Embedded = model.String, 0
	}
	es.Dims, _ = strconv.Atoi(dims.String)
	es.VectorBytes = int64(es.Vectors) * int64(4+es.Dims+vecHashSize) // scale, int8s, hash
	es.LastPass, _ = time.Parse(time.RFC3339, done.String)
	if at, msg, ok := strings.Cut(failed.String, "\t"); ok {
		es.LastErrorAt, _ = time.Parse(time.RFC3339, at)
		es.LastError = msg
	}
	return es, nil
}

// Entry is one timestamped entry of a daily log.
type Entry struct {
	File string `json:"file"` // "memory/YYYY-MM-DD.md"
	Date string `json:"date"` // YYYY-MM-DD
	Time string `json:"time"` // the entry heading, usually HH:MM
	// Line is where the entry's heading is, 1-based.
	Line int    `json:"line"`
	Text string `json:"text"`
}

// Recent returns the latest n entries of the daily logs, newest first.
func (s *Store) Recent(n int) ([]Entry, error) {
	dir := filepath.Join(s.opts.Workspace, DailyDir)
	des, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("memory: list daily logs: %w", err)
	}
	var names []string
	for _, d := range des {
		if d.Type().IsRegular() && dailyDay(DailyDir+"/"+d.Name()) != 0 {
			names = append(names, d.Name())
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(names)))
	var out []Entry
	for _, name := range names {
		if len(out) >= n {
			break
		}
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return out, fmt.Errorf("memory: read daily log %s: %w", name, err)
		}
		es := parseEntries(DailyDir+"/"+name, strings.ToValidUTF8(string(data), "\uFFFD"))
		for i := len(es) - 1; i >= 0 && len(out) < n; i-- {
			out = append(out, es[i])
		}
	}
	return out, nil
}

// parseEntries splits a daily log at its "## " headings; text before the
// first heading (other than the title) is an entry without a time.
func parseEntries(file, text string) []Entry {
	date := strings.TrimSuffix(strings.TrimPrefix(file, DailyDir+"/"), ".md")
	var out []Entry
	var cur *Entry
	var body []string
	flush := func() {
		if cur != nil {
			cur.Text = strings.TrimSpace(strings.Join(body, "\n"))
			if cur.Text != "" || cur.Time != "" {
				out = append(out, *cur)
			}
		}
		body = nil
	}
	for i, line := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(line, "## "):
			flush()
			cur = &Entry{File: file, Date: date, Time: strings.TrimSpace(line[3:]), Line: i + 1}
		case strings.HasPrefix(line, "# ") && cur == nil:
		default:
			if cur == nil {
				cur = &Entry{File: file, Date: date, Line: i + 1}
			}
			body = append(body, line)
		}
	}
	flush()
	return out
}
