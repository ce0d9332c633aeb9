package tools

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/internal/config"
)

func TestReadFile(t *testing.T) {
	e := newEnv(t, nil, func(c *config.Config) { c.Tools.ToolOutputMaxChars = 4000 })
	var lines []string
	for i := 1; i <= 300; i++ {
		lines = append(lines, fmt.Sprintf("line %d", i))
	}
	writeFile(t, filepath.Join(e.ws, "notes.md"), "alpha\nbeta\ngamma\n")
	writeFile(t, filepath.Join(e.ws, "long.txt"), strings.Join(lines, "\n")+"\n")
	writeFile(t, filepath.Join(e.ws, "empty.txt"), "")
	writeFile(t, filepath.Join(e.ws, "crlf.txt"), "one\r\ntwo\r\n")
	writeFile(t, filepath.Join(e.ws, "wide.txt"), strings.Repeat("é", 3000)+"\n")
	writeFile(t, filepath.Join(e.ws, "minified.js"), strings.Repeat("x", 1<<20)+"\nsecond\n")
	writeFile(t, filepath.Join(e.ws, "image.png"), "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	writeFile(t, filepath.Join(e.ws, "latin1.txt"), "caf\xe9 cr\xe8me\n")
	writeFile(t, filepath.Join(e.outside, "far.txt"), "far away\n")
	writeFile(t, filepath.Join(e.home, "todo.txt"), "at home\n")

	tests := []struct {
		name    string
		args    any
		isError bool
		wants   []string
		not     []string
	}{
		{"numbered lines", map[string]any{"path": "notes.md"}, false, []string{"     1\talpha\n", "     3\tgamma\n"}, []string{"continues"}},
		{"offset and limit", map[string]any{"path": "notes.md", "offset": 2, "limit": 1}, false,
			[]string{"     2\tbeta\n", "call read_file with offset=3"}, []string{"alpha", "gamma"}},
		{"limit to the end says nothing more", map[string]any{"path": "notes.md", "offset": 2, "limit": 2}, false, []string{"gamma"}, []string{"continues"}},
		{"output cap gives a note", map[string]any{"path": "long.txt"}, false, []string{"     1\tline 1\n", "the file continues: call read_file with offset="}, []string{"line 300"}},
		{"offset reads later parts", map[string]any{"path": "long.txt", "offset": 299}, false, []string{"   299\tline 299", "   300\tline 300"}, []string{"continues"}},
		{"offset past the end", map[string]any{"path": "notes.md", "offset": 10}, true, []string{"past the end", "has 3 lines"}, nil},
		{"empty file", map[string]any{"path": "empty.txt"}, false, []string{"is empty"}, nil},
		{"CRLF is trimmed", map[string]any{"path": "crlf.txt"}, false, []string{"     1\tone\n"}, []string{"\r"}},
		{"very long line is cut", map[string]any{"path": "wide.txt"}, false, []string{"[… line cut …]"}, nil},
		{"a megabyte line is cut, the next is shown", map[string]any{"path": "minified.js"}, false, []string{"[… line cut …]", "     2\tsecond\n"}, nil},
		{"binary refused", map[string]any{"path": "image.png"}, true, []string{"binary file"}, nil},
		{"invalid UTF-8 refused", map[string]any{"path": "latin1.txt"}, true, []string{"binary file"}, nil},
		{"missing file", map[string]any{"path": "nope.md"}, true, []string{"does not exist", filepath.Join(e.ws, "nope.md")}, nil},
		{"folder", map[string]any{"path": "."}, true, []string{"is a folder"}, nil},
		{"outside the workspace is readable", map[string]any{"path": filepath.Join(e.outside, "far.txt")}, false, []string{"far away"}, nil},
		{"dot-dot resolves", map[string]any{"path": "../../../outside/far.txt"}, false, []string{"far away"}, nil},
		{"tilde expands", map[string]any{"path": "~/todo.txt"}, false, []string{"at home"}, nil},
		{"missing path", map[string]any{}, true, []string{"path is required"}, nil},
		{"negative offset", map[string]any{"path": "notes.md", "offset": -1}, true, []string{"must be positive"}, nil},
		{"wrong type", `{"path": 3}`, true, []string{"bad arguments for read_file", "cannot unmarshal number"}, nil},
		{"misspelt parameter", `{"file_path": "notes.md"}`, true, []string{`unknown field "file_path"`, "path, offset, limit"}, nil},
		{"not an object", `["notes.md"]`, true, []string{"must be a JSON object"}, nil},
		{"broken JSON", `{"path": "notes.md"`, true, []string{"bad arguments"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.call(t, context.Background(), "read_file", tt.args)
			check(t, r, tt.isError, tt.wants...)
			for _, n := range tt.not {
				if strings.Contains(r.Content, n) {
					t.Fatalf("result contains %q:\n%s", n, r.Content)
				}
			}
		})
	}
}

func TestWriteFile(t *testing.T) {
	e := newEnv(t, nil, nil)
	writeFile(t, filepath.Join(e.ws, "old.md"), "old")
	if err := os.Chmod(filepath.Join(e.ws, "old.md"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(e.outside, filepath.Join(e.ws, "escape")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(e.ws, "old.md"), filepath.Join(e.ws, "alias.md")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(e.outside, "missing"), filepath.Join(e.ws, "dangling")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    any
		isError bool
		wants   []string
		file    string // file that must then hold content
		content string
	}{
		{"creates parents", map[string]any{"path": "a/b/c.md", "content": "hello"}, false, []string{"Wrote 5 bytes", filepath.Join(e.ws, "a/b/c.md")}, filepath.Join(e.ws, "a/b/c.md"), "hello"},
		{"replaces", map[string]any{"path": "old.md", "content": "new"}, false, nil, filepath.Join(e.ws, "old.md"), "new"},
		{"empty content", map[string]any{"path": "empty.md", "content": ""}, false, []string{"Wrote 0 bytes"}, filepath.Join(e.ws, "empty.md"), ""},
		{"through a link inside keeps the link", map[string]any{"path": "alias.md", "content": "via link"}, false, nil, filepath.Join(e.ws, "old.md"), "via link"},
		{"outside needs approval", map[string]any{"path": filepath.Join(e.outside, "x.md"), "content": "x"}, true,
			[]string{"outside the workspace", "needs approval", "tools.allowed_paths"}, "", ""},
		{"dot-dot escape", map[string]any{"path": "../../../outside/y.md", "content": "y"}, true, []string{"outside the workspace", filepath.Join(e.outside, "y.md")}, "", ""},
		{"symlink escape", map[string]any{"path": "escape/z.md", "content": "z"}, true, []string{"outside the workspace", filepath.Join(e.outside, "z.md")}, "", ""},
		{"dangling symlink", map[string]any{"path": "dangling", "content": "z"}, true, []string{"symbolic link to a missing target"}, "", ""},
		{"tilde outside", map[string]any{"path": "~/x.md", "content": "x"}, true, []string{"needs approval"}, "", ""},
		{"folder", map[string]any{"path": "a", "content": "x"}, true, []string{"is a folder"}, "", ""},
		{"missing content", map[string]any{"path": "n.md"}, true, []string{"content is required"}, "", ""},
		{"missing path", map[string]any{"content": "x"}, true, []string{"path is required"}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.call(t, context.Background(), "write_file", tt.args)
			check(t, r, tt.isError, tt.wants...)
			if tt.file != "" {
				if got := readFile(t, tt.file); got != tt.content {
					t.Fatalf("%s = %q, want %q", tt.file, got, tt.content)
				}
			}
		})
	}
	for _, p := range []string{"x.md", "y.md", "z.md", "missing"} {
		if _, err := os.Lstat(filepath.Join(e.outside, p)); !os.IsNotExist(err) {
			t.Fatalf("%s was written outside the workspace", p)
		}
	}
	if fi, err := os.Lstat(filepath.Join(e.ws, "alias.md")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("alias.md is no longer a link: %v", err)
	}
	if fi, _ := os.Stat(filepath.Join(e.ws, "old.md")); fi.Mode().Perm() != 0o600 {
		t.Fatalf("old.md lost its permissions: %v", fi.Mode())
	}
	if entries, _ := os.ReadDir(e.ws); len(entries) != 6 { // a, old.md, alias.md, escape, dangling, empty.md
		t.Fatalf("workspace has leftovers: %v", entries)
	}
}

func TestWriteAllowedPaths(t *testing.T) {
	e := newEnv(t, nil, func(c *config.Config) { c.Tools.AllowedPaths = []string{"../allowed", "~/notes"} })
	for _, p := range []string{filepath.Join(e.home, ".localgpt", "..", "allowed", "a.md"), "~/notes/sub/b.md"} {
		r := e.call(t, context.Background(), "write_file", map[string]any{"path": p, "content": "ok"})
		check(t, r, false, "Wrote 2 bytes")
	}
	if readFile(t, filepath.Join(e.home, "allowed", "a.md")) != "ok" || readFile(t, filepath.Join(e.home, "notes", "sub", "b.md")) != "ok" {
		t.Fatal("allowed writes did not land")
	}
	r := e.call(t, context.Background(), "write_file", map[string]any{"path": "~/notesX/c.md", "content": "no"})
	check(t, r, true, "needs approval")
}

func TestEditFile(t *testing.T) {
	e := newEnv(t, nil, nil)
	const orig = "func a() {\n\treturn 1\n}\n\nfunc b() {\n\treturn 1\n}\n"
	if err := os.Symlink(e.outside, filepath.Join(e.ws, "escape")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(e.outside, "o.txt"), "keep me")
	writeFile(t, filepath.Join(e.ws, "bin"), "a\x00b")
	tests := []struct {
		name    string
		args    map[string]any
		isError bool
		wants   []string
		after   string
	}{
		{"unique", map[string]any{"old_string": "func a() {\n\treturn 1", "new_string": "func a() {\n\treturn 2"}, false,
			[]string{"Replaced 1 occurrence"}, strings.Replace(orig, "return 1", "return 2", 1)},
		{"ambiguous", map[string]any{"old_string": "return 1", "new_string": "return 3"}, true, []string{"occurs 2 times", "replace_all"}, orig},
		{"replace all", map[string]any{"old_string": "return 1", "new_string": "return 3", "replace_all": true}, false,
			[]string{"Replaced 2 occurrence"}, strings.ReplaceAll(orig, "return 1", "return 3")},
		{"not found", map[string]any{"old_string": "return 9", "new_string": "x"}, true, []string{"not found", "exactly"}, orig},
		{"whitespace matters", map[string]any{"old_string": "    return 1", "new_string": "x"}, true, []string{"not found"}, orig},
		{"delete", map[string]any{"old_string": "\nfunc b() {\n\treturn 1\n}\n", "new_string": ""}, false, nil, "func a() {\n\treturn 1\n}\n"},
		{"empty old", map[string]any{"old_string": "", "new_string": "x"}, true, []string{"must not be empty"}, orig},
		{"same strings", map[string]any{"old_string": "a", "new_string": "a"}, true, []string{"the same"}, orig},
		{"missing new", map[string]any{"old_string": "a"}, true, []string{"new_string is required"}, orig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(e.ws, "code.go")
			writeFile(t, path, orig)
			tt.args["path"] = "code.go"
			r := e.call(t, context.Background(), "edit_file", tt.args)
			check(t, r, tt.isError, tt.wants...)
			if got := readFile(t, path); got != tt.after {
				t.Fatalf("file after edit:\n%q\nwant\n%q", got, tt.after)
			}
		})
	}
	for _, tt := range []struct {
		name  string
		args  map[string]any
		wants []string
	}{
		{"missing file", map[string]any{"path": "nope.go", "old_string": "a", "new_string": "b"}, []string{"does not exist"}},
		{"binary", map[string]any{"path": "bin", "old_string": "a", "new_string": "b"}, []string{"binary"}},
		{"symlink escape", map[string]any{"path": "escape/o.txt", "old_string": "keep", "new_string": "lose"}, []string{"outside the workspace"}},
		{"dot-dot escape", map[string]any{"path": "../../../outside/o.txt", "old_string": "keep", "new_string": "lose"}, []string{"outside the workspace"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			check(t, e.call(t, context.Background(), "edit_file", tt.args), true, tt.wants...)
		})
	}
	if readFile(t, filepath.Join(e.outside, "o.txt")) != "keep me" {
		t.Fatal("a file outside the workspace was edited")
	}
}
