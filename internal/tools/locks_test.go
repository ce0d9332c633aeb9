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
	"github.com/localgpt-go/localgpt/internal/keylock"
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

// TestRegistriesSharingATableSerialiseEdits: the daemon's server and
// heartbeat build separate registries over the composition root's one
// lock table; edits of one file made through both at once all land. A
// registry given no table gets one of its own.
func TestRegistriesSharingATableSerialiseEdits(t *testing.T) {
	ws := t.TempDir()
	var locks keylock.Table
	open := func(l *keylock.Table) *Registry {
		reg, err := New(withConfig(config.Default(), Options{Paths: config.Paths{Home: ws, Workspace: ws}, Locks: l}))
		if err != nil {
			t.Fatal(err)
		}
		return reg
	}
	regs := []*Registry{open(&locks), open(&locks)}
	notes := filepath.Join(ws, "notes.md")
	const edits, rounds = 12, 20
	for round := range rounds {
		var lines []string
		for i := range edits {
			lines = append(lines, fmt.Sprintf("key%02d = old", i))
		}
		writeFile(t, notes, strings.Join(lines, "\n")+"\n")
		results := make([]Result, edits)
		var wg sync.WaitGroup
		for i := range edits {
			args := fmt.Sprintf(`{"path":"notes.md","old_string":"key%02d = old","new_string":"key%02d = new"}`, i, i)
			wg.Go(func() { results[i] = regs[i%2].Call(context.Background(), "edit_file", []byte(args)) })
		}
		wg.Wait()
		for _, r := range results {
			check(t, r, false)
		}
		got := readFile(t, notes)
		for i := range edits {
			if !strings.Contains(got, fmt.Sprintf("key%02d = new\n", i)) {
				t.Fatalf("round %d: the edit of key%02d was lost (every call reported success):\n%s", round, i, got)
			}
		}
	}
	if n := locks.Len(); n != 0 {
		t.Fatalf("%d lock entries left", n)
	}
	own, _ := open(nil).Lookup("edit_file")
	if l := own.(*EditFile).Paths.Locks; l == nil || l == &locks {
		t.Fatalf("a registry built without Locks has table %p", l)
	}
}
