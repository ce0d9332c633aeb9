package tools

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/localgpt-go/localgpt/internal/config"
)

// TestConcurrentEditsAllLand: the tool calls of one reply run at once;
// edits of one file (some through a symbolic link to it), a write_file of
// another and memory_save with edit_file on MEMORY.md must all land.
func TestConcurrentEditsAllLand(t *testing.T) {
	e := newEnv(t, nil, nil)
	notes := filepath.Join(e.ws, "notes.md")
	if err := os.Symlink(notes, filepath.Join(e.ws, "link.md")); err != nil {
		t.Fatal(err)
	}
	const edits, rounds = 12, 20
	for round := range rounds {
		var lines []string
		for i := range edits {
			lines = append(lines, fmt.Sprintf("key%02d = old", i))
		}
		writeFile(t, notes, strings.Join(lines, "\n")+"\n")
		writeFile(t, filepath.Join(e.ws, "MEMORY.md"), "# Memory\n\nstatus: draft\n")
		type call struct {
			tool string
			args map[string]any
		}
		var calls []call
		for i := range edits {
			path := "notes.md"
			if i%2 == 1 {
				path = "link.md"
			}
			calls = append(calls, call{"edit_file", map[string]any{
				"path": path, "old_string": fmt.Sprintf("key%02d = old", i), "new_string": fmt.Sprintf("key%02d = new", i)}})
		}
		calls = append(calls,
			call{"memory_save", map[string]any{"content": fmt.Sprintf("round %d fact", round), "long_term": true}},
			call{"edit_file", map[string]any{"path": "MEMORY.md", "old_string": "status: draft", "new_string": "status: final"}})
		results := make([]Result, len(calls))
		var wg sync.WaitGroup
		for i, c := range calls {
			wg.Go(func() { results[i] = e.call(t, context.Background(), c.tool, c.args) })
		}
		wg.Wait()
		for _, r := range results {
			check(t, r, false)
		}
		got := readFile(t, notes)
		for i := range edits {
			if want := fmt.Sprintf("key%02d = new\n", i); !strings.Contains(got, want) {
				t.Fatalf("round %d: the edit of key%02d was lost (every call reported success):\n%s", round, i, got)
			}
		}
		mem := readFile(t, filepath.Join(e.ws, "MEMORY.md"))
		if !strings.Contains(mem, "status: final") || !strings.Contains(mem, fmt.Sprintf("round %d fact", round)) {
			t.Fatalf("round %d: MEMORY.md lost the save or the edit:\n%s", round, mem)
		}
		if fi, err := os.Lstat(filepath.Join(e.ws, "link.md")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Fatalf("link.md is no longer a symbolic link: %v %v", fi, err)
		}
	}
	if n := e.reg.tools["edit_file"].(*EditFile).Paths.Locks.Len(); n != 0 {
		t.Fatalf("%d lock entries left after every call returned", n)
	}
}

// TestRegistriesShareTheProcessLocks: two registries built without a lock
// table of their own (the daemon's server and heartbeat, say) still
// serialise their edits of one file.
func TestRegistriesShareTheProcessLocks(t *testing.T) {
	a, err := New(withConfig(config.Default(), Options{Paths: config.Paths{Workspace: t.TempDir()}}))
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(withConfig(config.Default(), Options{Paths: config.Paths{Workspace: t.TempDir()}}))
	if err != nil {
		t.Fatal(err)
	}
	wa, _ := a.Lookup("edit_file")
	wb, _ := b.Lookup("edit_file")
	if wa.(*EditFile).Paths.Locks != wb.(*EditFile).Paths.Locks || wa.(*EditFile).Paths.Locks != &processLocks {
		t.Fatal("registries built without Locks do not share the process-wide table")
	}
}
