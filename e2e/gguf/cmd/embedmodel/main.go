// Command embedmodel writes the end-to-end tests' embedding model into a
// folder: model.gguf and a Modelfile for `ollama create NAME -f Modelfile`.
// scripts/ollama-peer.sh runs it; docs/e2e.md explains the model.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/localgpt-go/localgpt/e2e/gguf/embedding"
)

func main() {
	dir := flag.String("dir", ".", "folder to write model.gguf and Modelfile into")
	flag.Parse()
	if err := run(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "embedmodel:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return fmt.Errorf("cannot create %s: %w", abs, err)
	}
	return embedding.WriteFiles(abs, "localgpt-e2e-embed")
}
