// Package memory owns the markdown workspace: its files and templates, and
// (with the memory issue) the chunker, the SQLite FTS5 index, search and
// the watcher.
package memory

import (
	"embed"
	"fmt"
	"os"
	"path/filepath"

	"github.com/localgpt-go/localgpt/internal/fsutil"
)

//go:embed templates/*.md
var templates embed.FS

// Workspace files that LocalGPT gives meaning to.
const (
	MemoryFile    = "MEMORY.md"
	HeartbeatFile = "HEARTBEAT.md"
	SoulFile      = "SOUL.md"
	DailyDir      = "memory"
)

// EnsureWorkspace creates the workspace folder, its daily-log folder and
// the template files that are missing. Files that exist are never touched.
// It returns the paths it created.
func EnsureWorkspace(dir string) ([]string, error) {
	var created []string
	daily := filepath.Join(dir, DailyDir)
	if _, err := os.Stat(daily); os.IsNotExist(err) {
		created = append(created, daily)
	}
	if err := os.MkdirAll(daily, fsutil.DirMode); err != nil {
		return nil, fmt.Errorf("create workspace %s: %w", dir, err)
	}
	for _, name := range []string{MemoryFile, HeartbeatFile, SoulFile} {
		data, err := templates.ReadFile("templates/" + name)
		if err != nil {
			return nil, err
		}
		path := filepath.Join(dir, name)
		ok, err := fsutil.CreateExclusive(path, data, fsutil.FileMode)
		if err != nil {
			return nil, err
		}
		if ok {
			created = append(created, path)
		}
	}
	return created, nil
}
