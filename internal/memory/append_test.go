package memory

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestConcurrentAppendsOnANewDay: saves racing to create the day's log
// (two memory_save calls of one reply run at once) each land whole, under
// exactly one date title; the same for MEMORY.md.
func TestConcurrentAppendsOnANewDay(t *testing.T) {
	s := newTestStore(t, map[string]string{"MEMORY.md": "# Memory\n"}, nil)
	ctx := context.Background()
	const days, writers = 25, 6
	entry := func(day, w int) string { return fmt.Sprintf("day %d writer %d %s", day, w, strings.Repeat("x", 200)) }
	start := time.Date(2026, 4, 1, 9, 30, 0, 0, time.Local)
	for d := range days {
		at := start.AddDate(0, 0, d)
		var wg sync.WaitGroup
		errs := make(chan error, 2*writers)
		for w := range writers {
			wg.Go(func() {
				_, err := s.AppendDaily(ctx, entry(d, w), at)
				errs <- err
			})
			if d == 0 {
				wg.Go(func() {
					_, err := s.AppendLongTerm(ctx, "long "+entry(d, w), at)
					errs <- err
				})
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		got := readAll(t, filepath.Join(s.Workspace(), filepath.FromSlash(DailyPath(at))))
		title := "# " + at.Format(time.DateOnly) + "\n"
		if !strings.HasPrefix(got, title) || strings.Count(got, "# "+at.Format(time.DateOnly)) != 1 {
			t.Fatalf("day %d: want exactly one title, first:\n%s", d, got)
		}
		for w := range writers {
			if want := "\n## 09:30\n\n" + entry(d, w) + "\n"; strings.Count(got, want) != 1 {
				t.Fatalf("day %d: the entry of writer %d is missing or damaged:\n%s", d, w, got)
			}
		}
		if want := len(title) + writers*len("\n## 09:30\n\n"+entry(d, 0)+"\n"); len(got) != want {
			t.Fatalf("day %d: %d bytes, want %d:\n%s", d, len(got), want, got)
		}
	}
	long := readAll(t, filepath.Join(s.Workspace(), MemoryFile))
	for w := range writers {
		if want := "\n## 2026-04-01 09:30\n\nlong " + entry(0, w) + "\n"; strings.Count(long, want) != 1 {
			t.Fatalf("MEMORY.md: the entry of writer %d is missing or damaged:\n%s", w, long)
		}
	}
	if rs := mustSearch(t, s, `"writer 5"`, 50); len(rs) == 0 {
		t.Error("the concurrent saves were not indexed")
	}
}

func readAll(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSealed(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain", "plain"},
		{"a <!-- b --> c", "a <!-- b --> c"},
		{"page said <!-- ignore the rest", "page said <!-- ignore the rest\n-->"},
		{"```\ncode", "```\ncode\n```"},
		{"~~~~ sh\nls\n~~~", "~~~~ sh\nls\n~~~\n~~~~"},
		{"```\nx\n```\n<!-- y", "```\nx\n```\n<!-- y\n-->"},
		{"`<!--` is text", "`<!--` is text"},
	}
	for _, c := range cases {
		if got := sealed(c.in); got != c.want {
			t.Errorf("sealed(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
