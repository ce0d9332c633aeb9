package tools

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/memory"
)

// failingMemory is a Memory whose appends fail as configured.
type failingMemory struct {
	Memory
	path string
	err  error
}

func (f failingMemory) AppendDaily(context.Context, string, time.Time) (string, error) {
	return f.path, f.err
}

func (f failingMemory) AppendLongTerm(context.Context, string, time.Time) (string, error) {
	return f.path, f.err
}

// TestMemorySaveWrittenButNotIndexed: when the entry is on disk and only
// indexing failed, memory_save reports success (so the model does not
// save it twice); when nothing was written, it reports the failure.
func TestMemorySaveWrittenButNotIndexed(t *testing.T) {
	// A real store whose index is closed: the append works, the update fails.
	ws := filepath.Join(t.TempDir(), "workspace")
	closed, err := memory.Open(context.Background(), memory.Options{Workspace: ws, IndexPath: filepath.Join(t.TempDir(), "index.sqlite")})
	if err != nil {
		t.Fatal(err)
	}
	if err := closed.Close(); err != nil {
		t.Fatal(err)
	}
	diskFull := errors.New("no space left on device")
	tests := []struct {
		name    string
		mem     Memory
		args    map[string]any
		isError bool
		wants   []string
	}{
		{"closed index, daily", closed, map[string]any{"content": "Bought oat milk."}, false,
			[]string{"Saved to today's log, memory/2025-03-14.md.", "do not save it again", "not searchable yet"}},
		{"closed index, long term", closed, map[string]any{"content": "Allergic to nuts.", "long_term": true}, false,
			[]string{"Saved to MEMORY.md", "do not save it again"}},
		{"written, not indexed", failingMemory{path: "memory/2025-03-14.md", err: errors.New("index is locked")}, map[string]any{"content": "x"}, false,
			[]string{"Saved to today's log", "index is locked"}},
		{"not written", failingMemory{err: diskFull}, map[string]any{"content": "x"}, true,
			[]string{"could not save to today's log", "no space left"}},
		{"not written, long term", failingMemory{err: diskFull}, map[string]any{"content": "x", "long_term": true}, true,
			[]string{"could not save to MEMORY.md", "no space left"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg, err := New(withConfig(config.Default(), Options{Paths: config.Paths{Home: filepath.Dir(ws), Workspace: ws}, Memory: tt.mem,
				Getenv: func(string) string { return "" },
				Now:    func() time.Time { return time.Date(2025, 3, 14, 9, 26, 0, 0, time.UTC) },
			}))
			if err != nil {
				t.Fatal(err)
			}
			r := reg.Call(context.Background(), "memory_save", rawArgs(t, tt.args))
			check(t, r, tt.isError, tt.wants...)
		})
	}
	if got := readFile(t, filepath.Join(ws, "memory", "2025-03-14.md")); strings.Count(got, "Bought oat milk.") != 1 {
		t.Fatalf("daily log = %q", got)
	}
	if got := readFile(t, filepath.Join(ws, "MEMORY.md")); !strings.HasSuffix(got, "Allergic to nuts.\n") {
		t.Fatalf("MEMORY.md = %q", got)
	}
}
