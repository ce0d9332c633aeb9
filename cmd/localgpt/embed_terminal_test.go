package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
)

// memory reindex on a terminal shows the embedding pass's progress (the
// chunks embedded of those waiting), and nothing of it through a pipe.
func TestReindexShowsEmbeddingProgress(t *testing.T) {
	srv := llmtest.NewOllama(t)
	// A slow model, so the bar (redrawn at most every 80 ms) is drawn.
	srv.OnEmbed(func(llmtest.Recorded) *llmtest.Reply { return &llmtest.Reply{Delay: 150 * time.Millisecond} })
	home := t.TempDir()
	cfg := "[providers.ollama]\nendpoint = \"" + srv.URL + "\"\n[memory.embeddings]\nenabled = true\nmodel = \"nomic-embed-text\"\nbatch_size = 2\n"
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	notes := filepath.Join(home, "workspace", "notes")
	os.MkdirAll(notes, 0o700)
	for i := range 10 {
		os.WriteFile(filepath.Join(notes, fmt.Sprintf("n%d.md", i)), []byte(fmt.Sprintf("# Note %d\n\nI prefer tea to coffee, day %d.\n", i, i)), 0o600)
	}

	screen := startTerm(t, home, true, "memory", "reindex").wait()
	bar := regexp.MustCompile(`embedding[^\n]*\((\d+)/(\d+)`).FindAllStringSubmatch(screen, -1)
	if len(bar) == 0 {
		t.Fatalf("no embedding progress on the terminal:\n%q", screen)
	}
	last := bar[len(bar)-1]
	if last[2] == "0" || !regexp.MustCompile(`embedded (\d+) chunks? \(0 reused\) with ollama/nomic-embed-text in \d+ requests?,`).MatchString(screen) ||
		!strings.Contains(screen, "of "+last[2]+" chunks have a vector") {
		t.Errorf("the bar's total or the summary is wrong (last bar %q):\n%q", last[0], screen)
	}

	os.WriteFile(filepath.Join(notes, "n0.md"), []byte("# Note 0\n\nMarried Anna in 2019.\n"), 0o600)
	out, errOut, code := runBinary(t, home, "memory", "reindex")
	if code != 0 || strings.Contains(errOut, "embedding") || !strings.Contains(out, "embedded 1 chunk (") {
		t.Errorf("reindex through a pipe: %d\n%s\n%s", code, out, errOut)
	}
}
