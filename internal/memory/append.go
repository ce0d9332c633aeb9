package memory

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/localgpt-go/localgpt/internal/fsutil"
)

// DailyPath returns the workspace-relative path of the daily log of t's
// date, "memory/YYYY-MM-DD.md".
func DailyPath(t time.Time) string {
	return DailyDir + "/" + t.Format(time.DateOnly) + ".md"
}

// AppendDaily appends text to today's log as an entry headed "## HH:MM",
// creating the log (titled with its date) if needed. The append is locked
// against other writers (goroutines and processes) and fsynced, then the
// log is reindexed so that a search finds it at once. It returns the
// workspace-relative path written; when only the reindexing failed, it
// returns that path and an error, and the entry is saved.
func (s *Store) AppendDaily(ctx context.Context, text string, now time.Time) (string, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return "", errors.New("memory: nothing to add: the text is empty")
	}
	rel := DailyPath(now)
	abs := filepath.Join(s.opts.Workspace, filepath.FromSlash(rel))
	header := "# " + now.Format(time.DateOnly) + "\n"
	entry := "\n## " + now.Format("15:04") + "\n\n" + text + "\n"
	// One locked append writes the title too when the log is new, so two
	// saves at once (two tool calls, or the daemon and the CLI) can
	// neither write two titles nor write a title over an entry.
	if err := fsutil.AppendEntry(abs, []byte(header), []byte(entry)); err != nil {
		return "", fmt.Errorf("memory: append to today's log: %w", err)
	}
	if _, err := s.Update(ctx, []string{abs}); err != nil {
		return rel, fmt.Errorf("memory: saved to %s but could not index it: %w", rel, err)
	}
	return rel, nil
}

// AppendLongTerm appends text to MEMORY.md as an entry headed with the
// date and time, locked against other writers and fsynced, and reindexes
// the file.
func (s *Store) AppendLongTerm(ctx context.Context, text string, now time.Time) (string, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return "", errors.New("memory: nothing to add: the text is empty")
	}
	abs := filepath.Join(s.opts.Workspace, MemoryFile)
	entry := "\n## " + now.Format("2006-01-02 15:04") + "\n\n" + text + "\n"
	if err := fsutil.AppendEntry(abs, nil, []byte(entry)); err != nil {
		return "", fmt.Errorf("memory: append to %s: %w", MemoryFile, err)
	}
	if _, err := s.Update(ctx, []string{abs}); err != nil {
		return MemoryFile, fmt.Errorf("memory: saved to %s but could not index it: %w", MemoryFile, err)
	}
	return MemoryFile, nil
}
