package memory

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEnsureWorkspaceCreatesOnceAndNeverOverwrites(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ws")
	created, err := EnsureWorkspace(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(created) != 4 {
		t.Fatalf("created %v", created)
	}
	for name, mustSay := range map[string]string{
		MemoryFile:    "daily logs",
		HeartbeatFile: "## Pending",
		SoulFile:      "LocalGPT",
	} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !strings.Contains(string(data), mustSay) {
			t.Fatalf("%s: %v %q", name, err, data)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, DailyDir)); err != nil || !fi.IsDir() {
		t.Fatal("daily log folder missing")
	}

	mine := []byte("# my own memory\n")
	os.WriteFile(filepath.Join(dir, MemoryFile), mine, 0o644)
	os.Remove(filepath.Join(dir, SoulFile))
	created, err = EnsureWorkspace(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(created) != 1 || filepath.Base(created[0]) != SoulFile {
		t.Fatalf("second run created %v, want only SOUL.md", created)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, MemoryFile)); string(data) != string(mine) {
		t.Fatal("existing MEMORY.md overwritten")
	}
}
