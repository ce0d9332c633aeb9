package memory

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCorruptIndexIsRebuilt(t *testing.T) {
	tests := []struct {
		name    string
		corrupt func(t *testing.T, path string)
	}{
		{"garbage file", func(t *testing.T, p string) {
			os.WriteFile(p, []byte(strings.Repeat("this is not a database ", 500)), 0o644)
		}},
		{"garbage over the header", func(t *testing.T, p string) {
			f, err := os.OpenFile(p, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteAt([]byte("garbage garbage garbage garbage!"), 0)
			f.Close()
		}},
		{"newer schema version", func(t *testing.T, p string) {
			s, err := Open(context.Background(), Options{Workspace: t.TempDir(), IndexPath: p})
			if err != nil {
				t.Fatal(err)
			}
			s.ix.Load().w.Exec("PRAGMA user_version = 99")
			s.Close()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{"a.md": "# A\n\nzebra crossing\n"}
			s := newTestStore(t, files, nil)
			mustReindex(t, s, false)
			o := s.opts
			s.Close()
			for _, suffix := range []string{"-wal", "-shm"} {
				os.Remove(o.IndexPath + suffix)
			}
			tt.corrupt(t, o.IndexPath)
			s2, err := Open(context.Background(), o)
			if err != nil {
				t.Fatalf("Open after corruption: %v", err)
			}
			defer s2.Close()
			if !strings.Contains(s2.Recovered(), "recreated") {
				t.Errorf("Recovered() = %q, want a message", s2.Recovered())
			}
			st := mustReindex(t, s2, false)
			if st.Indexed != 1 {
				t.Errorf("rebuild indexed %d files", st.Indexed)
			}
			if rs := mustSearch(t, s2, "zebra", 5); len(rs) != 1 {
				t.Errorf("search after rebuild: %v", files)
			}
		})
	}
}

func TestReadConfined(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "secret.md")
	os.WriteFile(outside, []byte("secret\n"), 0o644)
	s := newTestStore(t, map[string]string{"notes/a.md": "one\ntwo\nthree\nfour\n"}, nil)
	ws := s.Workspace()
	os.Symlink(outside, filepath.Join(ws, "escape.md"))
	os.Symlink(filepath.Dir(outside), filepath.Join(ws, "outdir"))
	tests := []struct {
		path     string
		from, to int
		want     string
		err      error
		errText  string
	}{
		{"notes/a.md", 0, 0, "one\ntwo\nthree\nfour\n", nil, ""},
		{"notes/a.md", 2, 3, "two\nthree\n", nil, ""},
		{"notes/a.md", 3, 0, "three\nfour\n", nil, ""},
		{"notes/a.md", 4, 99, "four\n", nil, ""},
		{filepath.Join(ws, "notes", "a.md"), 1, 1, "one\n", nil, ""},
		{"notes/a.md", 9, 10, "", nil, "past its end"},
		{"notes/a.md", 3, 2, "", nil, "empty"},
		{"../secret.md", 0, 0, "", ErrNotFound, ""},
		{outside, 0, 0, "", ErrNotFound, ""},
		{"escape.md", 0, 0, "", ErrNotFound, ""},
		{"outdir/secret.md", 0, 0, "", ErrNotFound, ""},
		{"notes/../../index/memory.sqlite", 0, 0, "", ErrNotFound, ""},
		{"nope.md", 0, 0, "", ErrNotFound, ""},
		{"notes", 0, 0, "", ErrNotFound, ""},
		{"", 0, 0, "", ErrNotFound, ""},
	}
	for _, tt := range tests {
		got, err := s.Read(tt.path, tt.from, tt.to)
		switch {
		case tt.err != nil && !errors.Is(err, tt.err):
			t.Errorf("Read(%q) error %v, want %v", tt.path, err, tt.err)
		case tt.errText != "" && (err == nil || !strings.Contains(err.Error(), tt.errText)):
			t.Errorf("Read(%q, %d, %d) error %v, want %q", tt.path, tt.from, tt.to, err, tt.errText)
		case tt.err == nil && tt.errText == "" && (err != nil || got != tt.want):
			t.Errorf("Read(%q, %d, %d) = %q, %v; want %q", tt.path, tt.from, tt.to, got, err, tt.want)
		}
	}
}

func TestAppendAndRecent(t *testing.T) {
	s := newTestStore(t, map[string]string{"MEMORY.md": "# Memory\n"}, nil)
	ctx := context.Background()
	day1 := time.Date(2026, 3, 9, 23, 50, 0, 0, time.Local)
	day2 := time.Date(2026, 3, 10, 8, 5, 0, 0, time.Local)
	for _, e := range []struct {
		text string
		at   time.Time
	}{{"first yankee entry", day1}, {"second entry", day2}, {"third entry\nwith two lines", day2.Add(time.Hour)}} {
		if _, err := s.AppendDaily(ctx, e.text, e.at); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.AppendDaily(ctx, "  \n", day2); err == nil {
		t.Error("empty text accepted")
	}
	rel, err := s.AppendLongTerm(ctx, "Prefers tea over coffee", day2)
	if err != nil || rel != MemoryFile {
		t.Fatal(rel, err)
	}
	got, _ := s.Read("memory/2026-03-10.md", 0, 0)
	want := "# 2026-03-10\n\n## 08:05\n\nsecond entry\n\n## 09:05\n\nthird entry\nwith two lines\n"
	if got != want {
		t.Errorf("daily log:\n%q\nwant\n%q", got, want)
	}
	// Appends are indexed at once, without a Reindex.
	if rs := mustSearch(t, s, "yankee", 5); len(rs) != 1 || rs[0].File != "memory/2026-03-09.md" {
		t.Errorf("yankee: %v", files(rs))
	}
	if rs := mustSearch(t, s, "tea coffee", 5); len(rs) != 1 || rs[0].File != "MEMORY.md" {
		t.Errorf("tea: %v", files(rs))
	}
	es, err := s.Recent(2)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[0].Time != "09:05" || es[0].Text != "third entry\nwith two lines" || es[1].Time != "08:05" || es[0].Line != 7 {
		t.Errorf("Recent(2) = %+v", es)
	}
	if es, _ := s.Recent(10); len(es) != 3 || es[2].Date != "2026-03-09" {
		t.Errorf("Recent(10) = %+v", es)
	}
}

func TestContextBudget(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.Local)
	var today strings.Builder
	today.WriteString("# 2026-03-10\n")
	for i := range 200 {
		today.WriteString("\n## 10:" + itoa(10+i%50) + "\n\nentry number " + itoa(i) + " about the project\n")
	}
	s := newTestStore(t, map[string]string{
		"MEMORY.md":            "# Memory\n\nName: Sam. Likes short answers.\n",
		"memory/2026-03-10.md": today.String(),
		"memory/2026-03-09.md": "# 2026-03-09\n\n## 18:00\n\nyesterday's note\n",
		"memory/2026-03-08.md": "# 2026-03-08\n\n## 18:00\n\ntoo old for the context\n",
	}, nil)
	tests := []struct {
		budget    int
		contains  []string
		lacks     []string
		truncated bool
	}{
		{100000, []string{"## MEMORY.md", "Likes short answers", "entry number 0 ", "entry number 199", "yesterday's note"}, []string{"too old", "not shown"}, false},
		{600, []string{"Likes short answers", "entry number 199", "yesterday's note", "earlier lines of memory/2026-03-10.md not shown"}, []string{"entry number 0 "}, true},
		{0, nil, []string{"Memory"}, false},
	}
	for _, tt := range tests {
		got, err := s.Context(now, tt.budget)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range tt.contains {
			if !strings.Contains(got, c) {
				t.Errorf("budget %d: context lacks %q", tt.budget, c)
			}
		}
		for _, c := range tt.lacks {
			if strings.Contains(got, c) {
				t.Errorf("budget %d: context has %q", tt.budget, c)
			}
		}
		if est := (len(got) + 3) / 4; tt.budget > 0 && est > tt.budget {
			t.Errorf("budget %d: context is about %d tokens", tt.budget, est)
		}
	}
	if got, err := newTestStore(t, nil, nil).Context(now, 1000); got != "" || err != nil {
		t.Errorf("empty workspace context = %q, %v", got, err)
	}
	// A MEMORY.md too big for the budget loses its end, visibly.
	big := "# Memory\n\n" + strings.Repeat("fact line\n", 500)
	writeFiles(t, s.Workspace(), map[string]string{"MEMORY.md": big})
	got, _ := s.Context(now, 300)
	if !strings.Contains(got, "more lines of MEMORY.md not shown") || !strings.HasPrefix(got, "## MEMORY.md\n\n# Memory") {
		t.Errorf("truncated MEMORY.md context:\n%s", got)
	}
}
