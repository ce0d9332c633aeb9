package tools

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/localgpt-go/localgpt/internal/clip"
	"github.com/localgpt-go/localgpt/internal/config"
)

// FuzzToolArguments feeds arbitrary argument JSON to the tools that only
// read, and checks that every call ends in a Result, never a panic, and
// that bad input is reported as an error the model can read.
func FuzzToolArguments(f *testing.F) {
	for _, s := range []string{
		`{"path":"notes.md"}`, `{"path":"notes.md","offset":2,"limit":1}`, `{"path":"../x"}`, `{"path":"~"}`,
		`{"path":3}`, `null`, ``, `[]`, `{"path":"notes.md"} trailing`, `{"query":"tea","limit":2}`,
		`{"path":"MEMORY.md","start_line":2,"end_line":1}`, `{"path":"\u0000"}`, `{"offset":-1}`, `{"url":"ftp://x"}`,
	} {
		f.Add("read_file", s)
		f.Add("memory_get", s)
		f.Add("memory_search", s)
	}
	ws := f.TempDir()
	for name, content := range map[string]string{"notes.md": "alpha\nbeta\n", "MEMORY.md": "# M\ntea\n"} {
		if err := os.WriteFile(filepath.Join(ws, name), []byte(content), 0o644); err != nil {
			f.Fatal(err)
		}
	}
	reg, err := New(withConfig(config.Default(), Options{Paths: config.Paths{Home: ws, Workspace: ws}, Memory: openMemory(f, ws, filepath.Join(f.TempDir(), "index.sqlite"))}))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, tool, args string) {
		if tool != "read_file" && tool != "memory_get" && tool != "memory_search" {
			tool = "read_file"
		}
		r := reg.Call(context.Background(), tool, json.RawMessage(args))
		if r.Content == "" {
			t.Fatalf("%s(%q) returned an empty result", tool, args)
		}
		if r.IsError && !strings.HasPrefix(r.Content, "Error: ") {
			t.Fatalf("error result without the Error prefix: %q", r.Content)
		}
		if !json.Valid([]byte(args)) && !r.IsError && strings.TrimSpace(args) != "" {
			t.Fatalf("%s accepted invalid JSON %q: %q", tool, args, r.Content)
		}
	})
}

// FuzzTruncation checks the output caps keep head and tail within bounds.
func FuzzTruncation(f *testing.F) {
	f.Add("hello world", 4)
	f.Add(strings.Repeat("é", 100), 10)
	f.Add("\xff\xfe abc \xe2\x82", 3)
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 2 || max > 1<<16 {
			return
		}
		got := truncateMiddle(s, max)
		if utf8.RuneCountInString(s) <= max {
			if got != s {
				t.Fatalf("short input changed: %q -> %q", s, got)
			}
		} else if !strings.Contains(got, "characters omitted") || !strings.HasPrefix(got, clip.Runes(s, max/2, "")) { // clip.FuzzClip checks the tail
			t.Fatalf("truncateMiddle(%q, %d) = %q", s, max, got)
		}
		b := newHeadTailBuffer(max)
		for i := 0; i < len(s); i += 3 { // several writes of odd sizes
			b.Write([]byte(s[i:min(i+3, len(s))]))
		}
		out := b.String()
		if !utf8.ValidString(out) {
			t.Fatalf("buffer output is not UTF-8: %q", out)
		}
		if len(s) <= max && out != strings.ToValidUTF8(s, "\uFFFD") {
			t.Fatalf("buffer changed short input: %q -> %q", s, out)
		}
		if len(s) > max && !strings.Contains(out, "bytes omitted") {
			t.Fatalf("buffer dropped bytes without a marker: %q", out)
		}
	})
}
