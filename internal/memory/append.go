package memory

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/localgpt-go/localgpt/internal/fsutil"
	"github.com/localgpt-go/localgpt/internal/mdcomment"
	"github.com/localgpt-go/localgpt/internal/mdfence"
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
	entry := "\n## " + now.Format("15:04") + "\n\n" + sealed(text) + "\n"
	// One locked append writes the title too when the log is new, so two
	// saves at once (two tool calls, or the daemon and the CLI) can
	// neither write two titles nor write a title over an entry.
	if err := s.appendExact(rel, []byte(header), []byte(entry)); err != nil {
		return "", fmt.Errorf("memory: append to today's log: %w", err)
	}
	if _, err := s.Update(ctx, []string{abs}); err != nil {
		return rel, fmt.Errorf("memory: saved to %s but could not index it: %w", rel, err)
	}
	return rel, nil
}

// sealed returns text with a comment or fenced block it leaves open
// closed on a line of its own at its end. An entry is often the model's,
// and holds what it read: a "<!--" left open would hide every later
// entry of the file from search and from the system prompt, and an open
// fence would turn them into code.
func sealed(text string) string {
	for range 2 { // a comment and a fence cannot both be open at the end
		read := mdcomment.Read(text)
		if !read.Open[len(read.Plain)] {
			return text
		}
		closer := "-->"
		if last := len(read.Plain) - 1; read.Fenced[last] { // a fence runs to the end
			i := last
			for read.Open[i] { // back to the line that opened it
				i--
			}
			ch, n := mdfence.Open(read.Plain[i])
			closer = strings.Repeat(string(ch), n)
		}
		text += "\n" + closer
	}
	return text
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
	entry := "\n## " + now.Format("2006-01-02 15:04") + "\n\n" + sealed(text) + "\n"
	if err := s.appendExact(MemoryFile, nil, []byte(entry)); err != nil {
		return "", fmt.Errorf("memory: append to %s: %w", MemoryFile, err)
	}
	if _, err := s.Update(ctx, []string{abs}); err != nil {
		return MemoryFile, fmt.Errorf("memory: saved to %s but could not index it: %w", MemoryFile, err)
	}
	return MemoryFile, nil
}

// appendExact appends to the workspace file rel (a name LocalGPT chose:
// a daily log, MEMORY.md) without following a symbolic link anywhere
// below the workspace folder. The text appended is often the model's, and
// a log or MEMORY.md replaced by a link (by a command, or in a shared
// repository) could lead anywhere: to ~/.bashrc, where "## 10:00" is a
// comment and the entry a command, or to LocalGPT's configuration, where
// it is a setting. The workspace folder itself may be a link.
func (s *Store) appendExact(rel string, header, entry []byte) error {
	if err := os.MkdirAll(s.opts.Workspace, fsutil.DirMode); err != nil {
		return fmt.Errorf("create the workspace: %w", err)
	}
	ws, err := filepath.EvalSymlinks(s.opts.Workspace)
	if err != nil {
		return fmt.Errorf("resolve the workspace: %w", err)
	}
	err = fsutil.AppendEntryExact(filepath.Join(ws, filepath.FromSlash(rel)), header, entry)
	if errors.Is(err, fsutil.ErrLink) {
		return fmt.Errorf("%s (or a folder above it) is a symbolic link, and memory is never appended through links, "+
			"which could lead anywhere (LocalGPT's configuration, ~/.bashrc); nothing was added: replace the link with the file itself (%w)", rel, fsutil.ErrLink)
	}
	return err
}
