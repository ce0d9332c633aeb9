package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/localgpt-go/localgpt/internal/memory"
	"github.com/localgpt-go/localgpt/internal/secret"
)

// Limits of the memory tools.
const (
	// DefaultSearchLimit is how many hits memory_search returns by default.
	DefaultSearchLimit = 6
	// MaxSearchLimit bounds limit whatever the model asks for.
	MaxSearchLimit = 50
)

// Memory is what the memory tools need of the memory store;
// *memory.Store implements it.
type Memory interface {
	// Find searches the memory: by words and, with embeddings on, by
	// meaning (memory.Store.Find); Found.TextOnly says when meaning could
	// not be used.
	Find(ctx context.Context, query string, o memory.FindOptions) (memory.Found, error)
	// Read returns lines from..to (1-based, inclusive; to <= 0 means to the
	// end) of a memory file, confined to the workspace and external paths.
	Read(path string, from, to int) (string, error)
	// AppendDaily appends a timestamped entry to the daily log of now and
	// returns the workspace-relative path written. A path with an error
	// means the entry was written but not indexed.
	AppendDaily(ctx context.Context, text string, now time.Time) (string, error)
	// AppendLongTerm appends an entry to MEMORY.md and returns its path;
	// a path with an error means it was written but not indexed.
	AppendLongTerm(ctx context.Context, text string, now time.Time) (string, error)
}

// MemorySearch is the memory_search tool.
type MemorySearch struct{ Memory Memory }

type memorySearchArgs struct {
	Query string `json:"query"`
	Limit int    `json:"limit"`
}

// Name implements Tool.
func (*MemorySearch) Name() string { return "memory_search" }

// Description implements Tool.
func (*MemorySearch) Description() string {
	return "Search the user's memory (MEMORY.md, daily logs and other notes in the workspace) by keywords " +
		"(and by meaning, when semantic search is on). " +
		"Returns file, line range, heading and a snippet for each hit; use memory_get to read more around a hit."
}

// Parameters implements Tool.
func (*MemorySearch) Parameters() json.RawMessage {
	return json.RawMessage(`{"type":"object","properties":{` +
		`"query":{"type":"string","description":"Keywords to look for; \"quoted phrases\" match exactly."},` +
		`"limit":{"type":"integer","minimum":1,"maximum":50,"description":"Most results to return; default 6."}` +
		`},"required":["query"],"additionalProperties":false}`)
}

// Run implements Tool.
func (t *MemorySearch) Run(ctx context.Context, raw json.RawMessage) (Result, error) {
	a, err := decodeArgs[memorySearchArgs]("memory_search", raw, "query", "limit")
	if err != nil {
		return Result{}, err
	}
	if strings.TrimSpace(a.Query) == "" {
		return Result{}, &ArgError{"memory_search", "query is required and must contain words to search for"}
	}
	if a.Limit < 0 {
		return Result{}, &ArgError{"memory_search", fmt.Sprintf("limit must be positive, got %d", a.Limit)}
	}
	limit := a.Limit
	if limit == 0 {
		limit = DefaultSearchLimit
	}
	found, err := t.Memory.Find(ctx, a.Query, memory.FindOptions{Limit: min(limit, MaxSearchLimit)})
	if err != nil {
		return Result{}, fmt.Errorf("memory search failed: %w", err)
	}
	hits := found.Results
	var b strings.Builder
	if found.TextOnly != "" {
		// The model should know what the search could not do.
		b.WriteString(found.TextOnly + "\n\n")
	}
	if note := memory.QueryNote(a.Query); note != "" {
		// The model should know it was not all searched (and the query
		// is not echoed: it is long).
		b.WriteString(note + "\n\n")
	} else if len(hits) == 0 {
		fmt.Fprintf(&b, "No memory matches %q.", a.Query)
		return Result{Content: b.String()}, nil
	}
	if len(hits) == 0 {
		b.WriteString("No memory matches.")
	}
	for i, h := range hits {
		fmt.Fprintf(&b, "%d. %s:%d-%d", i+1, h.File, h.LineStart, h.LineEnd)
		if h.Heading != "" {
			fmt.Fprintf(&b, " (%s)", h.Heading)
		}
		fmt.Fprintf(&b, " score %.2f\n%s\n\n", h.Score, strings.TrimSpace(h.Snippet))
	}
	return Result{Content: strings.TrimRight(b.String(), "\n")}, nil
}

// MemoryGet is the memory_get tool.
type MemoryGet struct {
	Memory Memory
	// Paths and Gate apply the read policy (credentials, LocalGPT's own
	// files) to what memory_get reads, for a workspace that holds them
	// (memory.workspace = "~"); a zero Paths checks nothing.
	Paths PathPolicy
	Gate  *Gate
}

type memoryGetArgs struct {
	Path      string `json:"path"`
	StartLine int    `json:"start_line"`
	EndLine   int    `json:"end_line"`
}

// Name implements Tool.
func (*MemoryGet) Name() string { return "memory_get" }

// Description implements Tool.
func (*MemoryGet) Description() string {
	return "Read a memory file, or a range of its lines, by the path memory_search gave (relative to the workspace), " +
		"for example MEMORY.md or memory/2025-01-31.md."
}

// Parameters implements Tool.
func (*MemoryGet) Parameters() json.RawMessage {
	return json.RawMessage(`{"type":"object","properties":{` +
		`"path":{"type":"string","description":"Memory file, relative to the workspace."},` +
		`"start_line":{"type":"integer","minimum":1,"description":"First line (1-based); default 1."},` +
		`"end_line":{"type":"integer","minimum":1,"description":"Last line, inclusive; default the end of the file."}` +
		`},"required":["path"],"additionalProperties":false}`)
}

// Run implements Tool.
func (t *MemoryGet) Run(ctx context.Context, raw json.RawMessage) (Result, error) {
	a, err := decodeArgs[memoryGetArgs]("memory_get", raw, "path", "start_line", "end_line")
	if err != nil {
		return Result{}, err
	}
	if err := required("memory_get", "path", a.Path); err != nil {
		return Result{}, err
	}
	switch {
	case a.StartLine < 0 || a.EndLine < 0:
		return Result{}, &ArgError{"memory_get", "start_line and end_line must be positive line numbers"}
	case a.EndLine > 0 && a.EndLine < max(a.StartLine, 1):
		return Result{}, &ArgError{"memory_get", fmt.Sprintf("end_line %d is before start_line %d", a.EndLine, a.StartLine)}
	}
	if t.Paths.Workspace != "" {
		// Resolved as the memory store resolves it: relative to the workspace.
		abs := a.Path
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(t.Paths.Workspace, filepath.FromSlash(abs))
		}
		abs = filepath.Clean(abs)
		real, err := filepath.EvalSymlinks(abs)
		if err != nil {
			real = ""
		}
		req := Request{Tool: "memory_get", Summary: "read " + a.Path, Path: abs, Args: raw}
		if err := t.Gate.approvePath(ctx, req, t.Paths.checkRead(abs, real)); err != nil {
			return Result{}, err
		}
	}
	from := max(a.StartLine, 1)
	text, err := t.Memory.Read(a.Path, from, a.EndLine)
	if err != nil {
		return Result{}, fmt.Errorf("cannot read memory file %s: %w", a.Path, err)
	}
	if text == "" {
		return Result{Content: fmt.Sprintf("[%s has no lines in that range]", a.Path)}, nil
	}
	var b strings.Builder
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		fmt.Fprintf(&b, "%6d\t%s\n", from+i, line)
	}
	return Result{Content: b.String()}, nil
}

// MemorySave is the memory_save tool.
type MemorySave struct {
	Memory Memory
	// Now is the clock for the entry's date and time.
	Now func() time.Time
	// Paths locks the file appended to against a concurrent edit_file or
	// write_file of it, which would otherwise rewrite it without the new
	// entry. Its Workspace must be the memory store's.
	Paths PathPolicy
	// Secrets are refused: a key saved to memory would be in plain text
	// in the workspace (often a git repository) and in every later prompt.
	Secrets *secret.Masker
}

type memorySaveArgs struct {
	Content  string `json:"content"`
	LongTerm bool   `json:"long_term"`
}

// Name implements Tool.
func (*MemorySave) Name() string { return "memory_save" }

// Description implements Tool.
func (*MemorySave) Description() string {
	return "Save something worth remembering. By default it is appended, timestamped, to today's daily log " +
		"(memory/YYYY-MM-DD.md); set long_term for durable facts and preferences, appended to MEMORY.md. " +
		"Write self-contained markdown."
}

// Parameters implements Tool.
func (*MemorySave) Parameters() json.RawMessage {
	return json.RawMessage(`{"type":"object","properties":{` +
		`"content":{"type":"string","description":"What to remember, as markdown."},` +
		`"long_term":{"type":"boolean","description":"Append to MEMORY.md instead of today's log; default false."}` +
		`},"required":["content"],"additionalProperties":false}`)
}

// Run implements Tool.
func (t *MemorySave) Run(ctx context.Context, raw json.RawMessage) (Result, error) {
	a, err := decodeArgs[memorySaveArgs]("memory_save", raw, "content", "long_term")
	if err != nil {
		return Result{}, err
	}
	if strings.TrimSpace(a.Content) == "" {
		return Result{}, &ArgError{"memory_save", "content is required and must not be blank"}
	}
	if t.Secrets.Holds(a.Content) {
		return Result{}, errors.New("memory_save refused: the content holds one of the user's API keys or tokens, and secrets are never saved to memory; " +
			"save it without the key (say which service it is for, not the key itself)")
	}
	now := time.Now
	if t.Now != nil {
		now = t.Now
	}
	at := now()
	unlock, err := t.lockTarget(ctx, a.LongTerm, at)
	if err != nil {
		return Result{}, err
	}
	defer unlock()
	if a.LongTerm {
		path, err := t.Memory.AppendLongTerm(ctx, a.Content, at)
		if path == "" {
			return Result{}, fmt.Errorf("could not save to MEMORY.md: %w", err)
		}
		return Result{Content: fmt.Sprintf("Saved to %s (long-term memory).", path) + indexNote(err)}, nil
	}
	path, err := t.Memory.AppendDaily(ctx, a.Content, at)
	if path == "" {
		return Result{}, fmt.Errorf("could not save to today's log: %w", err)
	}
	return Result{Content: fmt.Sprintf("Saved to today's log, %s.", path) + indexNote(err)}, nil
}

// indexNote explains a save that was written but not indexed. The Memory
// returns a path only once the entry is on disk, so an error with a path
// failed after the write: saving again would only duplicate the entry.
func indexNote(err error) string {
	if err == nil {
		return ""
	}
	return fmt.Sprintf(" The entry is saved; do not save it again. It is not searchable yet because indexing failed (%v); the index catches up on the next reindex.", err)
}

// lockTarget takes the path lock of the file this save appends to.
func (t *MemorySave) lockTarget(ctx context.Context, longTerm bool, at time.Time) (func(), error) {
	if t.Paths.Workspace == "" {
		return func() {}, nil
	}
	rel := memory.MemoryFile
	if !longTerm {
		rel = memory.DailyPath(at)
	}
	path := filepath.Join(t.Paths.Workspace, filepath.FromSlash(rel))
	if real, err := realPath(path); err == nil {
		path = real // the key edit_file and write_file use
	}
	return t.Paths.Locks.Lock(ctx, path)
}
