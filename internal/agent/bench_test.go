package agent

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
	"github.com/localgpt-go/localgpt/internal/memory"
)

// benchWorkspace writes a workspace with a 100 KB MEMORY.md, SOUL.md and
// two daily logs, and opens the real memory store over it.
func benchWorkspace(b *testing.B) (string, *memory.Store) {
	ws := b.TempDir()
	var mem strings.Builder
	mem.WriteString("# Memory\n\n")
	for i := 0; mem.Len() < 100<<10; i++ {
		fmt.Fprintf(&mem, "## Topic %d\n- Fact %d: the user prefers option %d for project %d, decided after review.\n\n", i, i, i%7, i%13)
	}
	os.WriteFile(filepath.Join(ws, "MEMORY.md"), []byte(mem.String()), 0o644)
	os.WriteFile(filepath.Join(ws, "SOUL.md"), []byte("# Soul\nBe concise."), 0o644)
	os.MkdirAll(filepath.Join(ws, "memory"), 0o755)
	store, err := memory.Open(context.Background(), memory.Options{
		Workspace: ws, IndexPath: filepath.Join(b.TempDir(), "index.sqlite"),
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	return ws, store
}

// BenchmarkSystemPrompt measures prompt assembly: SOUL.md, USER.md, the
// clock and the memory context from a 100 KB MEMORY.md.
func BenchmarkSystemPrompt(b *testing.B) {
	ws, store := benchWorkspace(b)
	a := New(Options{Workspace: ws, Memory: store, Tools: newTestTools(), ContextWindow: 128000, ReserveTokens: 8000})
	b.ReportAllocs()
	for b.Loop() {
		if len(a.SystemPrompt()) < 1000 {
			b.Fatal("prompt too short")
		}
	}
}

// BenchmarkTurn measures a whole turn against a loopback fake that answers
// at once: prompt assembly, request encoding, streaming decode and event
// plumbing. The HTTP round trip on loopback is included.
func BenchmarkTurn(b *testing.B) {
	ws, store := benchWorkspace(b)
	srv := llmtest.NewOpenAI(b)
	a := New(Options{
		Provider: newBenchProvider(srv), Model: "gpt-4o-mini", Workspace: ws, Memory: store,
		Tools: newTestTools(), ContextWindow: 128000, ReserveTokens: 8000,
	})
	b.ReportAllocs()
	for b.Loop() {
		srv.Enqueue(llmtest.Reply{Text: "A short answer of a few words.", ChunkSize: 8, Usage: llmtest.Usage{Prompt: 100, Completion: 8}})
		events := 0
		if _, err := a.Run(context.Background(), nil, "hello", func(Event) { events++ }); err != nil {
			b.Fatal(err)
		}
	}
}
