package memory

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// testNow is the clock of the store tests: 2026-03-10 12:00 UTC.
var testNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// newTestStore writes files (workspace-relative path → content) into a
// fresh workspace and opens an index for it, not yet indexed.
func newTestStore(t testing.TB, files map[string]string, mod func(*Options)) *Store {
	t.Helper()
	dir := t.TempDir()
	ws := filepath.Join(dir, "workspace")
	writeFiles(t, ws, files)
	o := Options{
		Workspace: ws,
		IndexPath: filepath.Join(dir, "index", "memory.sqlite"),
		Clock:     func() time.Time { return testNow },
	}
	if mod != nil {
		mod(&o)
	}
	s, err := Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func writeFiles(t testing.TB, root string, files map[string]string) {
	t.Helper()
	for rel, content := range files {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func mustReindex(t testing.TB, s *Store, force bool) IndexStats {
	t.Helper()
	st, err := s.Reindex(context.Background(), force, nil)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func mustSearch(t testing.TB, s *Store, q string, limit int) []Result {
	t.Helper()
	rs, err := s.Search(context.Background(), q, limit)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func files(rs []Result) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.File
	}
	return out
}

// touchLater rewrites a file with a modification time a second later, so
// that the (mtime, size) check sees the change even on coarse clocks.
func touchLater(t testing.TB, path, content string) {
	t.Helper()
	old, err := os.Stat(path)
	var mt time.Time
	if err == nil {
		mt = old.ModTime().Add(time.Second)
	} else {
		mt = time.Now()
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, mt, mt); err != nil {
		t.Fatal(err)
	}
}
