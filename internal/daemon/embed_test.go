package daemon

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/internal/assistant"
	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
	"github.com/localgpt-go/localgpt/internal/memory"
)

// With embeddings on, the daemon embeds the workspace once it starts,
// and then each note the watcher sees, without being asked; a CLI
// process opening the same index sees every chunk with a vector.
func TestDaemonEmbeds(t *testing.T) {
	srv := llmtest.NewOllama(t)
	cfg, paths := testHome(t, time.Hour)
	cfg.Heartbeat.Enabled = false
	cfg.Providers.Ollama.Endpoint = srv.URL
	cfg.Memory.Embeddings.Enabled = true
	cfg.Memory.Embeddings.BatchSize = 2
	os.WriteFile(filepath.Join(paths.Workspace, "drinks.md"), []byte("# Drinks\n\nI prefer tea to coffee.\n"), 0o644)
	_, cancel, done := running(t, Options{Config: cfg, Paths: paths})
	defer func() { cancel(); <-done }()

	cli := assistant.NewRoot(assistant.RootOptions{Config: cfg, Paths: paths})
	defer cli.Close()
	store, err := cli.Memory(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	covered := func(want string) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			f, err := store.Find(context.Background(), "what do I drink in the morning", memory.FindOptions{})
			if err == nil && f.Chunks > 0 && f.Embedded == f.Chunks && len(f.Results) > 0 && f.Results[0].File == want {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		st, _ := store.Stats(context.Background())
		t.Fatalf("the daemon did not embed %s: %+v", want, st.Embeddings)
	}
	covered("drinks.md")
	os.WriteFile(filepath.Join(paths.Workspace, "breakfast.md"), []byte("# Mornings\n\nEspresso at dawn, every drink a coffee.\n"), 0o644)
	covered("breakfast.md")
}
