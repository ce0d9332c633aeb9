package memory

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/bench/corpus"
)

// TestSearchPinned pins what Search returns for the ten benchmark queries
// (benchQueries) on a generated corpus: files, lines, headings, snippets,
// scores and the content of every result, in order. The search path is
// tuned for speed (issue 18); this guards that no tuning changes a result,
// its rank or its highlights. Regenerate testdata/search_pinned.txt with
// -update only for a deliberate change of the results, and say why.
func TestSearchPinned(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "corpus")
	if err := corpus.Generate(dir, 300, 3_000_000, 1); err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), Options{
		Workspace: dir,
		IndexPath: filepath.Join(t.TempDir(), "memory.sqlite"),
		Clock:     func() time.Time { return time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	// Chunk ids decide the order of chunks that rank the same (and which
	// of them make the cut), and Reindex numbers them in the order its
	// parallel readers finish: the files are indexed one by one instead,
	// in a fixed order.
	var paths []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".md") {
			paths = append(paths, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		if st, err := s.Update(context.Background(), []string{p}); err != nil || st.Indexed != 1 {
			t.Fatalf("indexing %s: %+v %v", p, st, err)
		}
	}
	var b strings.Builder
	for _, q := range append(benchQueries, "deploy", "会議") {
		for _, limit := range []int{10, 3} {
			fmt.Fprintf(&b, "== %s (limit %d)\n", q, limit)
			for i, r := range mustSearch(t, s, q, limit) {
				fmt.Fprintf(&b, "%d. %s:%d-%d %q score=%.9f content=%x\n   %s\n", i+1, r.File, r.LineStart, r.LineEnd,
					r.Heading, r.Score, sha256.Sum256([]byte(r.Content)), r.Snippet)
			}
		}
	}
	golden := filepath.Join("testdata", "search_pinned.txt")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run the test with -update to write it)", err)
	}
	if got := b.String(); got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Fatalf("search results changed at line %d of %s:\ngot  %s\nwant %s", i+1, golden, gl[i], wl[i])
			}
		}
		t.Fatalf("search results changed: %d lines, want %d (%s)", len(gl), len(wl), golden)
	}
}
