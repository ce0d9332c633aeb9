package assistant

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
	"github.com/localgpt-go/localgpt/internal/memory"
)

// BenchmarkAssistantTurn is one whole turn of an assistant built from a
// configuration with no MCP server and no skill: the agent, the real
// registry and memory store, and a loopback fake model that answers at
// once. Its allocations are the turn path's; MCP must add none while no
// server is configured. (Turns here follow each other within the skills
// catalog's coalescing window, so the skill scan a real turn pays is
// measured apart, by skills.BenchmarkScan.)
func BenchmarkAssistantTurn(b *testing.B) {
	srv := llmtest.NewOpenAI(b)
	home := b.TempDir()
	getenv := func(string) string { return "" }
	cfg, _, err := config.Parse([]byte(llmtest.OpenAIConfig(srv.URL)), "config.toml", getenv)
	if err != nil {
		b.Fatal(err)
	}
	paths := config.ResolvePaths(home, filepath.Join(home, "config.toml"), cfg, getenv)
	if _, err := memory.EnsureWorkspace(paths.Workspace); err != nil {
		b.Fatal(err)
	}
	root := NewRoot(RootOptions{Config: cfg, Paths: paths, Getenv: getenv})
	b.Cleanup(func() { root.Close() })
	as, err := root.Open(context.Background(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		srv.Enqueue(llmtest.Reply{Text: "A short answer.", ChunkSize: 8, Usage: llmtest.Usage{Prompt: 100, Completion: 4}})
		if _, err := as.Agent.Run(context.Background(), nil, "hello", nil); err != nil {
			b.Fatal(err)
		}
	}
}
