// Command scriptedmodel writes the end-to-end tests' scripted model into a
// folder: model.gguf and a Modelfile for `ollama create NAME -f Modelfile`.
// scripts/ollama-peer.sh runs it; docs/e2e.md explains the model.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/localgpt-go/localgpt/e2e/gguf/scripted"
	"github.com/localgpt-go/localgpt/internal/fsutil"
)

func main() {
	dir := flag.String("dir", ".", "folder to write model.gguf and Modelfile into")
	flag.Parse()
	if err := run(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "scriptedmodel:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	m, err := scripted.Build(scripted.Agent())
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cannot create %s: %w", dir, err)
	}
	model := filepath.Join(dir, "model.gguf")
	if err := m.WriteFile(model); err != nil {
		return err
	}
	mf, err := scripted.Modelfile(model, scripted.AgentTemplate)
	if err != nil {
		return err
	}
	return fsutil.WriteAtomic(filepath.Join(dir, "Modelfile"), []byte(mf), 0o644)
}
