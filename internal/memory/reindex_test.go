package memory

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestIncrementalReindex(t *testing.T) {
	s := newTestStore(t, map[string]string{
		"a.md":          "# A\n\nalpha bravo\n",
		"b.md":          "# B\n\ncharlie delta\n",
		"sub/c.md":      "# C\n\necho foxtrot\n",
		"sub/deep/d.md": "# D\n\ngolf hotel\n",
	}, nil)
	ws := s.Workspace()
	st := mustReindex(t, s, false)
	if st.Indexed != 4 || st.Files != 4 {
		t.Fatalf("first reindex %+v", st)
	}
	steps := []struct {
		name    string
		change  func(t *testing.T)
		want    IndexStats // Indexed, Unchanged, Removed checked
		found   map[string]string
		missing []string
	}{
		{"no change reads nothing", func(*testing.T) {}, IndexStats{Unchanged: 4}, map[string]string{"alpha": "a.md"}, nil},
		{"edit", func(t *testing.T) { touchLater(t, filepath.Join(ws, "a.md"), "# A\n\nalpha zulu\n") },
			IndexStats{Indexed: 1, Unchanged: 3}, map[string]string{"zulu": "a.md"}, []string{"bravo"}},
		{"touch without change keeps chunks", func(t *testing.T) {
			touchLater(t, filepath.Join(ws, "b.md"), "# B\n\ncharlie delta\n")
		}, IndexStats{Unchanged: 4}, map[string]string{"charlie": "b.md"}, nil},
		{"delete", func(t *testing.T) { os.Remove(filepath.Join(ws, "b.md")) },
			IndexStats{Unchanged: 3, Removed: 1}, nil, []string{"charlie"}},
		{"rename", func(t *testing.T) {
			os.Rename(filepath.Join(ws, "sub", "c.md"), filepath.Join(ws, "sub", "renamed.md"))
		}, IndexStats{Indexed: 1, Unchanged: 2, Removed: 1}, map[string]string{"echo": "sub/renamed.md"}, nil},
		{"folder removed", func(t *testing.T) { os.RemoveAll(filepath.Join(ws, "sub", "deep")) },
			IndexStats{Unchanged: 2, Removed: 1}, nil, []string{"golf"}},
		{"new file in new folder", func(t *testing.T) {
			writeFiles(t, ws, map[string]string{"x/y/z.md": "# Z\n\nindia juliet\n"})
		}, IndexStats{Indexed: 1, Unchanged: 2}, map[string]string{"juliet": "x/y/z.md"}, nil},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			step.change(t)
			st := mustReindex(t, s, false)
			if st.Indexed != step.want.Indexed || st.Unchanged != step.want.Unchanged || st.Removed != step.want.Removed {
				t.Errorf("stats %+v, want indexed %d unchanged %d removed %d", st, step.want.Indexed, step.want.Unchanged, step.want.Removed)
			}
			for q, f := range step.found {
				if rs := mustSearch(t, s, q, 5); len(rs) != 1 || rs[0].File != f {
					t.Errorf("search %q: %v, want [%s]", q, files(rs), f)
				}
			}
			for _, q := range step.missing {
				if rs := mustSearch(t, s, q, 5); len(rs) != 0 {
					t.Errorf("search %q still finds %v", q, files(rs))
				}
			}
		})
	}
	// A forced reindex rebuilds everything and finds the same.
	st = mustReindex(t, s, true)
	if st.Indexed != 3 || st.Unchanged != 0 {
		t.Errorf("force: %+v", st)
	}
	if rs := mustSearch(t, s, "juliet", 5); len(rs) != 1 {
		t.Errorf("after force: %v", files(rs))
	}
}

func TestUpdatePaths(t *testing.T) {
	s := newTestStore(t, map[string]string{"a.md": "# A\n\nalpha\n", "dir/b.md": "# B\n\nbravo\n"}, nil)
	mustReindex(t, s, false)
	ws := s.Workspace()
	touchLater(t, filepath.Join(ws, "a.md"), "# A\n\nkilo\n")
	os.RemoveAll(filepath.Join(ws, "dir"))
	st, err := s.Update(context.Background(), []string{filepath.Join(ws, "a.md"), "dir", "/elsewhere/x.md", filepath.Join(ws, ".git", "x.md")})
	if err != nil {
		t.Fatal(err)
	}
	if st.Indexed != 1 || st.Removed != 1 {
		t.Errorf("stats %+v", st)
	}
	if rs := mustSearch(t, s, "kilo", 5); len(rs) != 1 {
		t.Errorf("kilo: %v", files(rs))
	}
	if rs := mustSearch(t, s, "bravo", 5); len(rs) != 0 {
		t.Errorf("bravo: %v", files(rs))
	}
}

func TestBadInput(t *testing.T) {
	s := newTestStore(t, map[string]string{
		"good.md":   "# Good\n\nlima mike\n",
		"binary.md": "PK\x03\x04\x00\x00binary lima",
		"big.md":    "# Big\n\n" + strings.Repeat("november oscar papa ", 200),
		"latin1.md": "# Caf\xe9\n\nquebec \xff\xfe romeo\n",
		"notes.txt": "not markdown: lima",
		"UPPER.MD":  "# Upper\n\nsierra\n",
	}, func(o *Options) { o.MaxFileBytes = 2000 })
	ws := s.Workspace()
	os.Symlink(ws, filepath.Join(ws, "loop"))                               // a loop
	os.Symlink(filepath.Join(ws, "good.md"), filepath.Join(ws, "alias.md")) // a link inside
	os.Symlink("/etc", filepath.Join(ws, "etc"))                            // points outside
	os.Symlink(filepath.Join(ws, "missing.md"), filepath.Join(ws, "dangling.md"))
	if os.Getuid() != 0 {
		writeFiles(t, ws, map[string]string{"locked/secret.md": "# S\n\ntango\n"})
		os.Chmod(filepath.Join(ws, "locked"), 0)
		t.Cleanup(func() { os.Chmod(filepath.Join(ws, "locked"), 0o755) })
	}
	st := mustReindex(t, s, false)
	notes := strings.Join(st.Notes, "\n")
	for _, want := range []string{"binary.md: it looks like a binary file", "big.md: ", "more than memory.max_file_bytes",
		"loop", "points outside the workspace", "dangling.md"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	if os.Getuid() != 0 && !strings.Contains(notes, "locked") {
		t.Errorf("notes lack the unreadable folder:\n%s", notes)
	}
	if st.Skipped != 2 {
		t.Errorf("skipped %d, want 2 (binary, big): %+v", st.Skipped, st)
	}
	if rs := mustSearch(t, s, "lima", 5); len(rs) != 2 || !strings.Contains(strings.Join(files(rs), " "), "good.md") {
		t.Errorf("lima: %v (want good.md and alias.md only)", files(rs))
	}
	for _, q := range []string{"quebec romeo", "sierra"} {
		if rs := mustSearch(t, s, q, 5); len(rs) != 1 {
			t.Errorf("%s: %v", q, files(rs))
		}
	}
	// Skipped files are remembered: the next reindex does not read them.
	st = mustReindex(t, s, false)
	if st.Skipped != 0 || st.Indexed != 0 {
		t.Errorf("second reindex %+v", st)
	}
}

func TestExternalPaths(t *testing.T) {
	ext := t.TempDir()
	writeFiles(t, ext, map[string]string{"team/wiki.md": "# Wiki\n\nuniform victor\n", "single.md": "# One\n\nwhiskey\n"})
	s := newTestStore(t, map[string]string{"a.md": "# A\n\nxray\n"}, func(o *Options) {
		o.ExternalPaths = []string{filepath.Join(ext, "team"), filepath.Join(ext, "single.md")}
	})
	mustReindex(t, s, false)
	rs := mustSearch(t, s, "victor", 5)
	if len(rs) != 1 || rs[0].File != filepath.Join(ext, "team", "wiki.md") {
		t.Fatalf("victor: %v", files(rs))
	}
	if text, err := s.Read(rs[0].File, rs[0].LineStart, rs[0].LineEnd); err != nil || !strings.Contains(text, "victor") {
		t.Errorf("Read external: %q %v", text, err)
	}
	if rs := mustSearch(t, s, "whiskey", 5); len(rs) != 1 {
		t.Errorf("whiskey: %v", files(rs))
	}
}
