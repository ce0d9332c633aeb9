package heartbeat

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func berlin(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestParseGolden parses every testdata/*.md and compares the tasks and
// problems with testdata/*.golden.json (go test -update rewrites them).
func TestParseGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.md"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, in := range files {
		t.Run(filepath.Base(in), func(t *testing.T) {
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(Parse(string(src), berlin(t)), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := strings.TrimSuffix(in, ".md") + ".golden.json"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("parse of %s differs from %s:\n%s", in, golden, got)
			}
		})
	}
}

func TestParseCases(t *testing.T) {
	loc := berlin(t)
	tests := []struct {
		name      string
		src       string
		titles    []string // pending titles, in order
		done      int
		problems  int
		dueString string // Due of the first pending task, "" if zero
	}{
		{"template example is a comment", mustRead(t, "testdata/template.md"), nil, 0, 0, ""},
		{"checkbox", "- [ ] water the plants\n", []string{"water the plants"}, 0, 0, ""},
		{"ticked checkbox", "- [x] done\n- [X] done too\n", nil, 2, 0, ""},
		{"not a checkbox", "- [ ]\n-[ ] x\n- [y] x\n- [ ]x\n", nil, 0, 0, ""},
		{"task with fields", "## Pending\n### A\n- Due: 2026-05-01 09:30\n- Priority: high\n", []string{"A"}, 0, 0, "2026-05-01 09:30 CEST"},
		{"bold keys", "### A\n- **Due:** 2026-05-01 09:30\n", []string{"A"}, 0, 0, "2026-05-01 09:30 CEST"},
		{"bare date", "### A\n- Due: 2026-01-05\n", []string{"A"}, 0, 0, "2026-01-05 00:00 CET"},
		{"bad due is a problem", "### A\n- Due: soon\n", []string{"A"}, 0, 1, ""},
		{"bad recurrence is a problem", "### A\n- Recurring: sometimes\n", []string{"A"}, 0, 1, ""},
		{"completed section", "## Completed\n### A\n- [ ] b\n", nil, 2, 0, ""},
		{"completed field", "## Pending\n### A\n- Completed: 2026-01-01 10:00\n", nil, 1, 0, ""},
		{"other section ignores headings", "## Ideas\n### A\n## Pending\n### B\n", []string{"B"}, 0, 0, ""},
		{"fence hides tasks", "```\n- [ ] a\n```\n~~~\n### b\n~~~\n", nil, 0, 0, ""},
		{"comment keeps line numbers", "<!-- a\nb -->\n- [ ] c\n", []string{"c"}, 0, 0, ""},
		{"a comment opener in a fence is text", "### A\n```html\n<!-- header\n```\n### B\n", []string{"A", "B"}, 0, 0, ""},
		{"a fence in a list item hides its headings", "### A\n- Description:\n    ```\n    ### not a task\n    ```\n", []string{"A"}, 0, 0, ""},
		{"a comment opener in a code span is text", "- [ ] look up `<!--`\n- [ ] b\n", []string{"look up `<!--`", "b"}, 0, 0, ""},
		{"text between comments", "<!-- a --> - [ ] b <!-- c -->\n", []string{"b"}, 0, 0, ""},
		{"empty heading", "### \n###\n", nil, 0, 0, ""},
		{"h4 inside task kept", "### A\n#### detail\n- Due: 2026-05-01 09:30\n", []string{"A"}, 0, 0, "2026-05-01 09:30 CEST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Parse(tt.src, loc)
			var titles []string
			for _, p := range f.Pending() {
				titles = append(titles, p.Title)
			}
			if strings.Join(titles, "|") != strings.Join(tt.titles, "|") {
				t.Fatalf("pending = %q, want %q", titles, tt.titles)
			}
			if d := len(f.Tasks) - len(f.Pending()); d != tt.done {
				t.Fatalf("done = %d, want %d (%+v)", d, tt.done, f.Tasks)
			}
			if len(f.Problems) != tt.problems {
				t.Fatalf("problems = %+v, want %d", f.Problems, tt.problems)
			}
			if len(titles) > 0 {
				due := f.Pending()[0].Due
				got := ""
				if !due.IsZero() {
					got = due.Format("2006-01-02 15:04 MST")
				}
				if got != tt.dueString {
					t.Fatalf("due = %q, want %q", got, tt.dueString)
				}
			}
		})
	}
	if f := Parse("x\n<!-- c\n\n-->\n- [ ] here\n", loc); f.Tasks[0].Line != 5 {
		t.Fatalf("line = %d, want 5", f.Tasks[0].Line)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// FuzzParse checks that any input parses without panicking, that line
// numbers point into the file, and that HTML comments never yield tasks.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.md"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(string(b))
		}
	}
	f.Add("<!--\n### x\n- Due: 2026-01-01 00:00\n-->\n- [ ] y")
	f.Add("### a\n- Recurring: weekly on fri at 9:00\n- Due: 2026-13-45 25:61")
	loc := time.UTC
	f.Fuzz(func(t *testing.T, src string) {
		file := Parse(src, loc)
		lines := strings.Count(strings.ReplaceAll(src, "\r\n", "\n"), "\n") + 1
		for _, task := range file.Tasks {
			if task.Line < 1 || task.Line > lines || task.Title == "" {
				t.Fatalf("task %+v outside the %d lines of %q", task, lines, src)
			}
			if task.Recurring != nil {
				if _, err := ParseRecurrence(task.Recurring.String()); err != nil {
					t.Fatalf("recurrence %q does not round-trip: %v", task.Recurring, err)
				}
			}
		}
		for _, p := range file.Problems {
			if p.Line < 1 || p.Line > lines {
				t.Fatalf("problem %+v outside the file", p)
			}
		}
		// (unless src makes it "<!-->" or "<!--->", whole comments)
		closes := strings.Contains(src, "-->") || strings.HasPrefix(src, ">") || strings.HasPrefix(src, "->")
		if n := len(Parse("<!--"+src, loc).Tasks); n != 0 && !closes {
			t.Fatalf("%d tasks inside an unterminated comment", n)
		}
	})
}
