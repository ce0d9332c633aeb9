package memory

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// segments counts the FTS5 segments of the index s has open.
func segments(t *testing.T, s *Store) int {
	t.Helper()
	var n int
	err := s.withIndex(context.Background(), func(ix *index) error {
		return ix.r.QueryRow(`SELECT count(DISTINCT segid) FROM chunks_fts_idx`).Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// manySegments makes full rebuilds commit one file at a time, so that
// they leave several segments, as a large workspace does.
func manySegments(t *testing.T) {
	old := rebuildBatch
	rebuildBatch = batchLimit{files: 1, bytes: 1 << 30}
	t.Cleanup(func() { rebuildBatch = old })
}

// The watcher merges the segments of the index it starts with and of an
// index rebuilt by another process (seen at the next search), and the
// merged index answers the same.
func TestWatchMergesRebuiltSegments(t *testing.T) {
	manySegments(t)
	notes := map[string]string{}
	for i := range 8 {
		// Each note scores differently, so that the order is the ranking's.
		notes[fmt.Sprintf("n%d.md", i)] = fmt.Sprintf("# Note %d\n\ndeployment %s for the garden, deploys and budgets\n", i, strings.Repeat("budget ", i+1))
	}
	s := newTestStore(t, notes, nil)
	mustReindex(t, s, true)
	if n := segments(t, s); n <= mergeAbove {
		t.Fatalf("the rebuild left %d segments; the test needs more than %d", n, mergeAbove)
	}
	before := mustSearch(t, s, "deploy budget", 10)
	if len(before) != len(notes) {
		t.Fatalf("found %d notes before the merge, want %d", len(before), len(notes))
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Watch(ctx, s, nil) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Watch returned %v", err)
		}
	}()
	eventually(t, "segments merged at start", func() bool { return segments(t, s) == 1 })
	if after := mustSearch(t, s, "deploy budget", 10); !reflect.DeepEqual(after, before) {
		t.Errorf("the merged index answers differently:\n%v\nwant\n%v", after, before)
	}

	// Another process rebuilds the index: a second Store on the same files.
	other, err := Open(context.Background(), s.opts)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	mustReindex(t, other, true)
	if n := segments(t, other); n <= mergeAbove {
		t.Fatalf("the second rebuild left %d segments", n)
	}
	mustSearch(t, s, "garden", 1) // s notices the new index here
	eventually(t, "segments of the other process's rebuild merged", func() bool { return segments(t, s) == 1 })
	if after := mustSearch(t, s, "deploy budget", 10); !reflect.DeepEqual(after, before) {
		t.Errorf("the merged rebuilt index answers differently:\n%v\nwant\n%v", after, before)
	}
}

// A merge under way is abandoned when the watcher stops, leaving the
// index whole.
func TestMergeCancelledLeavesIndex(t *testing.T) {
	manySegments(t)
	notes := map[string]string{}
	for i := range 8 {
		notes[fmt.Sprintf("n%d.md", i)] = fmt.Sprintf("# Note %d\n\nlantern %d\n", i, i)
	}
	s := newTestStore(t, notes, nil)
	mustReindex(t, s, true)
	n := segments(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s.mergeSegments(ctx, s.log)
	if got := segments(t, s); got != n {
		t.Errorf("a cancelled merge changed the segments: %d, was %d", got, n)
	}
	if rs := mustSearch(t, s, "lantern", 10); len(rs) != len(notes) {
		t.Errorf("found %d notes after a cancelled merge, want %d", len(rs), len(notes))
	}
}
