package tools

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestEditCRLF: read_file shows a CRLF file without "\r"; edit_file then
// matches the model's "\n" line breaks and writes the file's own endings,
// leaving every other byte as it was.
func TestEditCRLF(t *testing.T) {
	tests := []struct {
		name, file, old, new string
		all                  bool
		want                 string
		err                  string
	}{
		{"multi-line in a CRLF file", "a\r\nb\r\nc\r\n", "a\nb\n", "x\ny\nz\n", false, "x\r\ny\r\nz\r\nc\r\n", ""},
		{"single line keeps the rest", "one\r\ntwo\r\n", "two", "2", false, "one\r\n2\r\n", ""},
		{"new lines get CRLF", "one\r\ntwo\r\n", "one", "one\nand a half", false, "one\r\nand a half\r\ntwo\r\n", ""},
		{"old_string with CRLF works too", "a\r\nb\r\n", "a\r\nb", "c", false, "c\r\n", ""},
		{"replace all", "k=1\r\nk=1\r\n", "k=1\n", "k=2\n", true, "k=2\r\nk=2\r\n", ""},
		{"ambiguous", "k=1\r\nk=1\r\n", "k=1\n", "k=2\n", false, "k=1\r\nk=1\r\n", "occurs 2 times"},
		{"not found", "a\r\nb\r\n", "a\nc", "x", false, "a\r\nb\r\n", "not found"},
		{"mixed endings: the untouched lines keep theirs", "a\r\nb\nc\r\nd\r\n", "b\nc\n", "B\nC\n", false, "a\r\nB\r\nC\r\nd\r\n", ""},
		{"LF file unchanged rules", "a\nb\n", "a\nb", "c\nd", false, "c\nd\n", ""},
		{"a lone CR is a character", "a\rb\r\nc\r\n", "a\rb\n", "x\n", false, "x\r\nc\r\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil, nil)
			path := filepath.Join(e.ws, "win.txt")
			writeFile(t, path, tt.file)
			// The model reads it first, as it would.
			if r := e.call(t, context.Background(), "read_file", map[string]any{"path": "win.txt"}); r.IsError || strings.Contains(r.Content, "\r\n") {
				t.Fatalf("read_file: %q", r.Content)
			}
			r := e.call(t, context.Background(), "edit_file", map[string]any{"path": "win.txt", "old_string": tt.old, "new_string": tt.new, "replace_all": tt.all})
			if (tt.err != "") != r.IsError || !strings.Contains(r.Content, tt.err) {
				t.Fatalf("%+v, want error %q", r, tt.err)
			}
			if got := readFile(t, path); got != tt.want {
				t.Fatalf("file:\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

// TestEditRefusesAFileChangedSinceRead: a file changed by someone else
// after the model's read_file is not edited; after reading it again, and
// after the model's own edits, editing goes on.
func TestEditRefusesAFileChangedSinceRead(t *testing.T) {
	e := newEnv(t, nil, nil)
	path := filepath.Join(e.ws, "plan.md")
	writeFile(t, path, "step 1\nstep 2\n")
	edit := func(old, new string) Result {
		return e.call(t, context.Background(), "edit_file", map[string]any{"path": "plan.md", "old_string": old, "new_string": new})
	}
	check(t, e.call(t, context.Background(), "read_file", map[string]any{"path": "plan.md"}), false)
	check(t, edit("step 1", "step one"), false)
	check(t, edit("step 2", "step two"), false) // its own edit is no change
	// The user edits the file meanwhile (same size, later time).
	later := time.Now().Add(2 * time.Second)
	writeFile(t, path, "step one\nstep TWO\n")
	os.Chtimes(path, later, later)
	check(t, edit("step one", "step 1"), true, "changed since you read it, read it again")
	if got := readFile(t, path); got != "step one\nstep TWO\n" {
		t.Fatalf("the user's change was overwritten: %q", got)
	}
	check(t, e.call(t, context.Background(), "read_file", map[string]any{"path": "plan.md"}), false)
	check(t, edit("step one", "step 1"), false)
	// A file replaced by another (a new inode, as editors save) counts too.
	os.Rename(path, path+".old")
	writeFile(t, path, "step 1\nstep TWO\n")
	check(t, edit("step 1", "first"), true, "changed since you read it")
	// Never read: not checked.
	writeFile(t, filepath.Join(e.ws, "other.md"), "x\n")
	check(t, e.call(t, context.Background(), "edit_file", map[string]any{"path": "other.md", "old_string": "x", "new_string": "y"}), false)
}

// FuzzCRLFReplace: with line endings normalised, a CRLF-aware replace is
// a plain replace, and the bytes outside the replaced text are kept.
func FuzzCRLFReplace(f *testing.F) {
	f.Add("a\r\nb\r\nc\r\n", "a\nb", "x\ny", 1)
	f.Add("a\rb\r\nc\n", "b\n", "z", -1)
	f.Add("\r\n\r\n\r\n", "\n\n", "\n", 1)
	f.Fuzz(func(t *testing.T, file, old, repl string, n int) {
		if old == "" || strings.Contains(repl, "\r") || n < -1 || n > 3 {
			return
		}
		text := newCRLFText(file)
		got := text.replace(old, repl, n)
		norm := func(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }
		want := strings.Replace(text.norm, norm(old), repl, n)
		loneCR := func(s string) bool { return strings.Count(s, "\r") != strings.Count(s, "\r\n") }
		if norm(got) != want && !loneCR(file) && !loneCR(old) {
			t.Fatalf("replace(%q, %q, %q, %d) = %q, want %q", file, old, repl, n, got, want)
		}
		if text.count(old) == 0 && got != file {
			t.Fatalf("nothing matched, yet %q became %q", file, got)
		}
	})
}
