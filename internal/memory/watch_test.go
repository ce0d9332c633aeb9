package memory

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// eventually polls cond until it holds or a generous deadline passes; it
// asserts an outcome, not a duration.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestWatchPicksUpChanges(t *testing.T) {
	s := newTestStore(t, map[string]string{"a.md": "# A\n\nalpha\n"}, nil)
	ws := s.Workspace()
	writeFiles(t, ws, map[string]string{"before.md": "# B\n\nwritten before watching: amber\n"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Watch(ctx, s, nil) }()
	found := func(q, file string) func() bool {
		return func() bool {
			rs, err := s.Search(context.Background(), q, 5)
			return err == nil && len(rs) == 1 && rs[0].File == file
		}
	}
	gone := func(q string) func() bool {
		return func() bool {
			rs, err := s.Search(context.Background(), q, 5)
			return err == nil && len(rs) == 0
		}
	}
	eventually(t, "initial reindex", found("amber", "before.md"))
	// The watches are in place before the initial reindex, and events
	// queue in the kernel until the watcher's loop reads them.
	touchLater(t, filepath.Join(ws, "a.md"), "# A\n\ncobalt\n")
	eventually(t, "edit indexed", found("cobalt", "a.md"))
	writeFiles(t, ws, map[string]string{"new/deeper/n.md": "# N\n\ncrimson\n"})
	eventually(t, "file in new nested folder indexed", found("crimson", "new/deeper/n.md"))
	writeFiles(t, ws, map[string]string{"new/deeper/m.md": "# M\n\nindigo\n"})
	eventually(t, "file in watched new folder indexed", found("indigo", "new/deeper/m.md"))
	os.Rename(filepath.Join(ws, "a.md"), filepath.Join(ws, "moved.md"))
	eventually(t, "rename indexed", found("cobalt", "moved.md"))
	os.RemoveAll(filepath.Join(ws, "new"))
	eventually(t, "removed folder dropped", gone("crimson"))
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Watch returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Watch did not return after cancel")
	}
}
