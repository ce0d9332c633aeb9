package assistant

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
