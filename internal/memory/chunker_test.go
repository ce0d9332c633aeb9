package memory

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files of the chunker tests")

func TestChunkMarkdownGolden(t *testing.T) {
	tests := []struct {
		file          string
		size, overlap int
	}{
		{"daily.md", 400, 80},
		{"project.md", 400, 80},
		{"project.md", 48, 10}, // small chunks: cuts inside sections, fence kept whole
		{"long.md", 200, 40},
	}
	for _, tt := range tests {
		name := strings.TrimSuffix(tt.file, ".md") + "." + itoa(tt.size) + ".golden.json"
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join("testdata", "chunker", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			chunks := ChunkMarkdown(string(src), tt.size, tt.overlap)
			checkChunks(t, string(src), chunks)
			got, err := json.MarshalIndent(chunks, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "chunker", name)
			if *update {
				if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestChunkMarkdownGolden -update to create it)", err)
			}
			if strings.TrimSpace(string(got)) != strings.TrimSpace(string(want)) {
				t.Errorf("chunks differ from %s (rerun with -update if the change is intended):\n%s", golden, got)
			}
		})
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// checkChunks verifies the invariants every chunking must keep: each
// chunk's text is exactly its lines, ranges are ordered and inside the
// file, every non-blank line is covered, and no fence is cut.
func checkChunks(t *testing.T, src string, chunks []Chunk) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(src, "\n"), "\n")
	covered := make([]bool, len(lines)+1)
	prevStart := 0
	for i, c := range chunks {
		if c.LineStart < 1 || c.LineEnd < c.LineStart || c.LineEnd > len(lines) {
			t.Fatalf("chunk %d: bad range %d-%d of %d lines", i, c.LineStart, c.LineEnd, len(lines))
		}
		if c.LineStart < prevStart {
			t.Errorf("chunk %d starts at %d, before chunk %d (%d)", i, c.LineStart, i-1, prevStart)
		}
		prevStart = c.LineStart
		whole := strings.Join(lines[c.LineStart-1:c.LineEnd], "\n")
		if !strings.Contains(whole, c.Text) {
			t.Errorf("chunk %d text is not lines %d-%d of the file:\n%q", i, c.LineStart, c.LineEnd, c.Text)
		}
		if strings.Count(c.Text, "```")%2 != 0 {
			t.Errorf("chunk %d cuts a fenced code block:\n%s", i, c.Text)
		}
		for l := c.LineStart; l <= c.LineEnd; l++ {
			covered[l] = true
		}
	}
	for l := 1; l <= len(lines); l++ {
		if strings.TrimSpace(lines[l-1]) != "" && !covered[l] {
			t.Errorf("line %d %q is in no chunk", l, lines[l-1])
		}
	}
}

func TestChunkMarkdownCases(t *testing.T) {
	tests := []struct {
		name     string
		src      string
		size     int
		headings []string
		n        int // chunks wanted, -1 to skip
	}{
		{"empty", "", 100, nil, 0},
		{"blank", "\n\n  \n", 100, nil, 0},
		{"no trailing newline", "just text", 100, []string{""}, 1},
		{"crlf", "# A\r\n\r\ntext\r\n## B\r\nmore\r\n", 100, []string{"A", "A > B"}, 2},
		{"heading levels pop", "# A\nx\n### C\ny\n## B\nz\n", 100, []string{"A", "A > C", "A > B"}, 3},
		{"consecutive headings merge", "# A\n## B\ntext\n", 100, []string{"A > B"}, 1},
		{"hash without space is text", "#tag\n#not a heading\n", 100, []string{""}, 1},
		{"heading inside fence", "# A\n```\n# not\n```\n", 100, []string{"A"}, 1},
		{"unclosed fence runs to end", "# A\n```\ncode\n# still code\n", 100, []string{"A"}, 1},
		{"tilde fence", "~~~\n## x\n~~~\n## Real\ny\n", 100, []string{"", "Real"}, 2},
		{"long line split", strings.Repeat("word ", 400), 50, nil, -1},
		{"huge fence split at lines", "```\n" + strings.Repeat("line of code here\n", 200) + "```\n", 20, nil, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chunks := ChunkMarkdown(tt.src, tt.size, tt.size/5)
			if tt.n >= 0 && len(chunks) != tt.n {
				t.Fatalf("got %d chunks, want %d: %+v", len(chunks), tt.n, chunks)
			}
			if tt.n < 0 && len(chunks) < 2 {
				t.Fatalf("got %d chunks, want the text cut", len(chunks))
			}
			for i, h := range tt.headings {
				if chunks[i].Heading != h {
					t.Errorf("chunk %d heading = %q, want %q", i, chunks[i].Heading, h)
				}
			}
			for i, c := range chunks {
				if len(c.Text) > 4*4*tt.size+200 {
					t.Errorf("chunk %d is %d bytes, far over the size", i, len(c.Text))
				}
			}
		})
	}
}

func FuzzChunkMarkdown(f *testing.F) {
	for _, s := range []string{"# A\ntext\n", "```\n# x\n", "- a\n- b\n\n1. c\n", "\xff\xfe#\n", strings.Repeat("x", 3000)} {
		f.Add(s, 16)
	}
	f.Fuzz(func(t *testing.T, src string, size int) {
		size = 1 + abs(size)%600
		chunks := ChunkMarkdown(src, size, size/5)
		lines := splitLines(src)
		for _, c := range chunks {
			if c.LineStart < 1 || c.LineEnd < c.LineStart || c.LineEnd > len(lines) {
				t.Fatalf("bad range %d-%d of %d lines", c.LineStart, c.LineEnd, len(lines))
			}
			if c.Text == "" {
				t.Fatal("empty chunk")
			}
		}
	})
}

func abs(n int) int {
	if n < 0 {
		if n == -n { // math.MinInt
			return 0
		}
		return -n
	}
	return n
}
