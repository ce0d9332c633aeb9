package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/internal/daemon"
	"github.com/localgpt-go/localgpt/internal/keylock"
)

func TestMemoryCommands(t *testing.T) {
	home := t.TempDir()
	ws := filepath.Join(home, "workspace")
	if r := run(t, home, "paths"); r.code != 0 {
		t.Fatalf("first run: %+v", r)
	}
	os.MkdirAll(filepath.Join(ws, "projects"), 0o755)
	os.WriteFile(filepath.Join(ws, "projects", "db.md"), []byte("# Database\n\n## Migration\n\nPostgres 16 upgrade on Saturday.\nRollback plan ready.\n"), 0o644)
	today := time.Now().Format(time.DateOnly)

	steps := []struct {
		name   string
		stdin  string
		args   []string
		code   int
		stdout []string // substrings
		stderr []string
	}{
		{"reindex", "", []string{"memory", "reindex"}, 0, []string{"indexed 4 files", "0 removed", "chunks written"}, nil},
		{"search", "", []string{"memory", "search", "postgres"}, 0,
			[]string{"projects/db.md:1-6", "Database > Migration", "«Postgres» 16 upgrade"}, nil},
		{"search syntax is text", "", []string{"memory", "search", `"postgres`, "AND", "(rollback"}, 0, []string{"projects/db.md"}, nil},
		{"search nothing found", "", []string{"memory", "search", "xylophone"}, 0, nil, []string{"no matches"}},
		{"search empty", "", []string{"memory", "search", "--", "--"}, 1, nil, []string{"nothing to search for"}},
		{"search long query", "", []string{"memory", "search", "postgres " + strings.Repeat("zq ", 40)}, 0,
			[]string{"projects/db.md"}, []string{"only the first 32 were searched (9 ignored)"}},
		{"search bad -n", "", []string{"memory", "search", "-n", "0", "x"}, 1, nil, []string{"-n must be at least 1"}},
		{"search no args", "", []string{"memory", "search"}, 1, nil, []string{"localgpt memory search needs QUERY", "usage:   localgpt memory search QUERY"}},
		{"add", "", []string{"memory", "add", "Bought", "a", "zanzibar", "map"}, 0, []string{"Added to memory/" + today + ".md"}, nil},
		{"add stdin", "stdin entry about quokkas\n", []string{"memory", "add", "-"}, 0, []string{"Added to memory/"}, nil},
		{"add long-term", "", []string{"memory", "add", "--long-term", "Prefers", "oolong", "tea"}, 0, []string{"Added to MEMORY.md"}, nil},
		{"add empty", "", []string{"memory", "add", " "}, 1, nil, []string{"nothing to add"}},
		{"search finds added", "", []string{"memory", "search", "zanzibar"}, 0, []string{"memory/" + today + ".md", "«zanzibar»"}, nil},
		{"search finds stdin", "", []string{"memory", "search", "quokkas"}, 0, []string{"«quokkas»"}, nil},
		{"recent", "", []string{"memory", "recent", "-n", "1"}, 0, []string{"stdin entry about quokkas"}, nil},
		{"show range", "", []string{"memory", "show", "projects/db.md:5-6"}, 0, []string{"Postgres 16 upgrade on Saturday.\nRollback plan ready.\n"}, nil},
		{"show line", "", []string{"memory", "show", "projects/db.md:1"}, 0, []string{"# Database\n"}, nil},
		{"show unknown", "", []string{"memory", "show", "nope.md"}, 1, nil, []string{"nope.md is not a file of the memory workspace"}},
		{"show folder", "", []string{"memory", "show", "projects"}, 1, nil, []string{"projects is a folder of the memory workspace; name a markdown file in it, such as projects/… (Tab completes them)"}},
		{"show escape", "", []string{"memory", "show", "../config.toml"}, 1, nil, []string{"not a file of the memory workspace"}},
		{"show bad range", "", []string{"memory", "show", "projects/db.md:5-2"}, 1, nil, []string{"bad line range"}},
		{"show past end", "", []string{"memory", "show", "projects/db.md:50-60"}, 1, nil, []string{"past its end"}},
		{"stats", "", []string{"memory", "stats"}, 0, []string{"files         5", "chunks", "last indexed"}, nil},
		{"reindex force", "", []string{"memory", "reindex", "--force"}, 0, []string{"indexed 5 files"}, nil},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			r := runEnv(t, map[string]string{"LOCALGPT_HOME": home, "NO_COLOR": "1"}, s.stdin, s.args...)
			if r.code != s.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, s.code, r.stdout, r.stderr)
			}
			for _, want := range s.stdout {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
				}
			}
			for _, want := range s.stderr {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
				}
			}
			if strings.Contains(r.stdout, "\x1b[") {
				t.Errorf("colour in piped output: %q", r.stdout)
			}
		})
	}
}

func TestMemorySearchSeesEditsAndJSON(t *testing.T) {
	home := t.TempDir()
	run(t, home, "memory", "reindex")
	note := filepath.Join(home, "workspace", "note.md")
	os.WriteFile(note, []byte("# Note\n\nfirst version: walrus\n"), 0o644)
	r := run(t, home, "memory", "search", "walrus", "--json")
	var rs []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &rs); err != nil || len(rs) != 1 {
		t.Fatalf("search --json: %v %s %s", err, r.stdout, r.stderr)
	}
	for _, k := range []string{"file", "line_start", "line_end", "heading", "snippet", "content", "score"} {
		if _, ok := rs[0][k]; !ok {
			t.Errorf("JSON result lacks %q: %v", k, rs[0])
		}
	}
	// Edit without reindexing: search must not return the stale text.
	mt := time.Now().Add(2 * time.Second)
	os.WriteFile(note, []byte("# Note\n\nsecond version: narwhal\n"), 0o644)
	os.Chtimes(note, mt, mt)
	if r := run(t, home, "memory", "search", "walrus", "--json"); strings.TrimSpace(r.stdout) != "[]" {
		t.Errorf("stale result after edit: %s", r.stdout)
	}
	if r := run(t, home, "memory", "search", "narwhal"); !strings.Contains(r.stdout, "note.md") {
		t.Errorf("edit not found: %+v", r)
	}
	// --no-refresh searches the index as it is.
	os.Remove(note)
	if r := run(t, home, "memory", "search", "--no-refresh", "narwhal"); !strings.Contains(r.stdout, "note.md") {
		t.Errorf("--no-refresh: %+v", r)
	}
	if r := run(t, home, "memory", "search", "narwhal"); r.stdout != "" || !strings.Contains(r.stderr, "no matches") {
		t.Errorf("deleted note still found: %+v", r)
	}
	r = run(t, home, "memory", "stats", "--json")
	var st map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil || st["files"].(float64) != 3 {
		t.Errorf("stats --json: %v %s", err, r.stdout)
	}
}

func TestMemoryCorruptIndexMessage(t *testing.T) {
	home := t.TempDir()
	run(t, home, "memory", "add", "remember the tapir")
	db := filepath.Join(home, "index", "memory.sqlite")
	os.Remove(db + "-wal")
	os.Remove(db + "-shm")
	if err := os.WriteFile(db, []byte(strings.Repeat("garbage ", 1000)), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, home, "memory", "search", "tapir")
	if r.code != 0 || !strings.Contains(r.stderr, "recreated") || !strings.Contains(r.stdout, "tapir") {
		t.Errorf("search on a corrupt index: %+v", r)
	}
}

func TestParseLineRange(t *testing.T) {
	tests := []struct {
		in       string
		path     string
		from, to int
		bad      bool
	}{
		{"a.md", "a.md", 0, 0, false},
		{"a.md:3", "a.md", 3, 3, false},
		{"a.md:3-7", "a.md", 3, 7, false},
		{"a.md:3-", "a.md", 3, 0, false},
		{"dir:x/a.md", "dir:x/a.md", 0, 0, false},
		{"a.md:0", "", 0, 0, true},
		{"a.md:7-3", "", 0, 0, true},
		{"a.md:-3", "", 0, 0, true},
	}
	for _, tt := range tests {
		p, f, to, err := parseLineRange(tt.in)
		if (err != nil) != tt.bad || (!tt.bad && (p != tt.path || f != tt.from || to != tt.to)) {
			t.Errorf("parseLineRange(%q) = %q %d %d %v", tt.in, p, f, to, err)
		}
	}
}

// TestSearchTrustsTheDaemonsWatcher: while a daemon holds the home (its
// watcher keeps the index current), search skips the freshness check;
// without one, an edit made a moment ago is found.
func TestSearchTrustsTheDaemonsWatcher(t *testing.T) {
	home := t.TempDir()
	if r := run(t, home, "memory", "reindex"); r.code != 0 {
		t.Fatalf("%+v", r)
	}
	lock, err := keylock.TryLockFile(filepath.Join(home, "state", daemon.LockFile)) // a daemon runs
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(home, "workspace", "fresh.md"), []byte("# Fresh\nzanzibar quokka\n"), 0o644)
	if r := run(t, home, "memory", "search", "zanzibar"); r.code != 0 || strings.Contains(r.stdout, "fresh.md") {
		t.Fatalf("with a daemon the check should be skipped: %+v", r)
	}
	lock.Unlock()
	if r := run(t, home, "memory", "search", "zanzibar"); r.code != 0 || !strings.Contains(r.stdout, "fresh.md") {
		t.Fatalf("without a daemon the edit must be found: %+v", r)
	}
}

// TestBulkGC: a reindex raises the collector's pace to bulkGCPercent and
// puts back what was set before; a setting that already allows more (or
// turns the collector off) is left alone.
func TestBulkGC(t *testing.T) {
	orig := debug.SetGCPercent(100)
	defer debug.SetGCPercent(orig)
	for _, before := range []int{50, 100, bulkGCPercent, 800, -1} {
		debug.SetGCPercent(before)
		restore := bulkGC()
		during := debug.SetGCPercent(-1) // read it
		debug.SetGCPercent(during)
		if want := max(before, bulkGCPercent); before < 0 && during != -1 || before >= 0 && during != want {
			t.Errorf("GOGC %d: %d during the reindex, want %d", before, during, want)
		}
		restore()
		if after := debug.SetGCPercent(before); after != before {
			t.Errorf("GOGC %d: %d after the reindex", before, after)
		}
	}
}

// TestExternalPathProblems: an entry of memory.external_paths that cannot
// be indexed is a note saying what is wrong and what to do; the rest of
// the memory is indexed regardless.
func TestExternalPathProblems(t *testing.T) {
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "notes.txt"), []byte("plain"), 0o600)
	cases := []struct {
		name, path, want string
	}{
		{"missing", filepath.Join(outside, "gone"), "external path " + filepath.Join(outside, "gone") + " does not exist; create it, or take it out of memory.external_paths"},
		{"not markdown", filepath.Join(outside, "notes.txt"), "external path " + filepath.Join(outside, "notes.txt") + " is not a folder or a .md file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			home := t.TempDir()
			os.WriteFile(filepath.Join(home, "config.toml"), []byte("[memory]\nexternal_paths = ["+strconv.Quote(tc.path)+"]\n"), 0o600)
			r := run(t, home, "memory", "reindex")
			if r.code != 0 || !strings.Contains(r.stderr, tc.want) || !strings.Contains(r.stdout, "indexed 3 files") {
				t.Fatalf("want exit 0, 3 files indexed and %q: %+v", tc.want, r)
			}
			missing := strings.Contains(tc.want, "does not exist")
			r = run(t, home, "memory", "stats")
			if line := "external      " + tc.path + " (does not exist: nothing of it is indexed)\n"; r.code != 0 || strings.Contains(r.stdout, line) != missing {
				t.Errorf("stats, the path missing %v: %+v", missing, r)
			}
		})
	}
}

// TestReindexCountsInWords: reindex's summary says "1 file", "1 chunk",
// and "2 files", never "1 files".
func TestReindexCountsInWords(t *testing.T) {
	home := t.TempDir()
	ws := filepath.Join(home, "workspace")
	if r := run(t, home, "memory", "reindex"); r.code != 0 {
		t.Fatalf("%+v", r)
	}
	for _, tc := range []struct {
		files map[string]string
		want  string
	}{
		{map[string]string{"a.md": "# A\n\nOne short note.\n"}, "indexed 1 file (0.0 MB), 3 unchanged, 0 skipped, 0 removed; 1 chunk written in "},
		{map[string]string{"b.md": "# B\n\nAnother.\n", "c.md": "# C\n\nA third.\n"}, "indexed 2 files (0.0 MB), 4 unchanged, 0 skipped, 0 removed; 2 chunks written in "},
	} {
		for name, text := range tc.files {
			os.WriteFile(filepath.Join(ws, name), []byte(text), 0o600)
		}
		if r := run(t, home, "memory", "reindex"); r.code != 0 || !strings.HasPrefix(r.stdout, tc.want) {
			t.Errorf("want %q: %+v", tc.want, r)
		}
	}
}
