package assistant

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/keylock"
	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
	"github.com/localgpt-go/localgpt/internal/memory"
)

// TestOnlyTheRootReadsConfig keeps the domain packages off the
// configuration: they take plain options, and only the composition root
// (this package), the CLI and the daemon translate config.toml into them.
// config.Paths and config.Error stay usable: they are values, not settings.
func TestOnlyTheRootReadsConfig(t *testing.T) {
	forbidden := map[string]bool{"Config": true, "Default": true, "Load": true, "LoadFile": true, "Parse": true}
	for _, pkg := range []string{"tools", "memory", "server", "heartbeat"} {
		dir := filepath.Join("..", pkg)
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			name := e.Name()
			if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
				continue
			}
			path := filepath.Join(dir, name)
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				if sel, ok := n.(*ast.SelectorExpr); ok {
					if x, ok := sel.X.(*ast.Ident); ok && x.Name == "config" && forbidden[sel.Sel.Name] {
						t.Errorf("%s uses config.%s: take the setting as a plain option filled by assistant.Root", path, sel.Sel.Name)
					}
				}
				return true
			})
		}
	}
}

// TestRootSharesOneStoreAndLockTable: every assistant a Root opens
// shares its one memory store and lock table, so opening assistants
// (the server opens one per model) costs no file; Close closes the store.
func TestRootSharesOneStoreAndLockTable(t *testing.T) {
	srv := llmtest.NewOpenAI(t)
	home := t.TempDir()
	file := filepath.Join(home, "config.toml")
	if err := os.WriteFile(file, []byte(llmtest.OpenAIConfig(srv.URL)), 0o600); err != nil {
		t.Fatal(err)
	}
	getenv := func(string) string { return "" }
	cfg, _, err := config.LoadFile(file, getenv)
	if err != nil {
		t.Fatal(err)
	}
	paths := config.ResolvePaths(home, file, cfg, getenv)
	if _, err := memory.EnsureWorkspace(paths.Workspace); err != nil {
		t.Fatal(err)
	}
	var locks keylock.Table
	root := NewRoot(RootOptions{Config: cfg, Paths: paths, Getenv: getenv, Locks: &locks})
	ctx := context.Background()
	store, err := root.Memory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fds := func() int {
		entries, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Skipf("no /proc here: %v", err)
		}
		return len(entries)
	}
	before := fds()
	for i := range 50 {
		as, err := root.Open(ctx, Options{Model: fmt.Sprintf("openai/model-%d", i), NoMemory: i%5 == 0})
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case i%5 == 0 && as.Memory != nil:
			t.Fatalf("assistant %d opened with NoMemory has memory", i)
		case i%5 != 0 && as.Memory.Store != store:
			t.Fatalf("assistant %d has a memory store of its own", i)
		}
		if as.Memory != nil {
			as.Memory.Close() // a no-op: the store is the Root's
		}
	}
	if after := fds(); after > before+4 {
		t.Fatalf("opening 50 assistants took %d files (%d before)", after-before, before)
	}
	if root.Locks() != &locks || root.toolOptions().Locks != &locks {
		t.Fatal("the tools do not get the process's lock table")
	}
	if _, err := store.Stats(ctx); err != nil {
		t.Fatalf("the store was closed by an assistant: %v", err)
	}
	if err := root.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := root.Memory(ctx); err == nil {
		t.Fatal("Memory after Close succeeded")
	}
	if _, err := store.Stats(ctx); err == nil {
		t.Fatal("the store is still open after the Root closed")
	}
}
