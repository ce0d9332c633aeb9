package memory

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// WatchDebounce is how long the watcher waits after the last change before
// it reindexes, so that an editor's save (write, rename, chmod) or a burst
// of changes costs one update.
const WatchDebounce = 400 * time.Millisecond

// Watch keeps the index of s in step with the markdown until ctx is done:
// it watches the workspace and the external paths recursively (new
// folders included, dot-folders skipped), and after each burst of changes
// reindexes just the changed paths with Update. It runs an incremental
// Reindex once its watches are in place, so changes made while nothing was
// watching are picked up too. Then, and after each rebuild of the index it
// sees, it merges the index's segments (merge.go). It returns nil when ctx
// is done, or an error if watching cannot start.
func Watch(ctx context.Context, s *Store, log *slog.Logger) error {
	if log == nil {
		log = s.log
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("memory: start watching the workspace: %w", err)
	}
	defer w.Close()
	roots := append([]string{s.opts.Workspace}, s.opts.ExternalPaths...)
	for _, r := range roots {
		if info, err := os.Stat(r); err == nil && !info.IsDir() {
			r = filepath.Dir(r) // a single external file: watch its folder
		}
		addTree(w, r, log)
	}
	if st, err := s.Reindex(ctx, false, nil); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		log.Warn("memory: reindex before watching failed", "err", err)
	} else {
		log.Debug("memory: index up to date", "indexed", st.Indexed, "removed", st.Removed)
	}
	s.mergeSegments(ctx, log)

	timer := time.NewTimer(time.Hour)
	timer.Stop()
	pending := map[string]bool{}
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if strings.HasPrefix(filepath.Base(ev.Name), ".") {
				continue
			}
			if ev.Has(fsnotify.Create) {
				if info, err := os.Stat(ev.Name); err == nil && info.IsDir() {
					addTree(w, ev.Name, log)
				}
			}
			pending[ev.Name] = true
			timer.Reset(WatchDebounce)
		case <-s.rebuilt:
			s.mergeSegments(ctx, log)
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			log.Warn("memory: watcher error", "err", err)
			if errors.Is(err, fsnotify.ErrEventOverflow) { // events were lost: check everything
				if _, err := s.Reindex(ctx, false, nil); err != nil && ctx.Err() == nil {
					log.Warn("memory: reindex after overflow failed", "err", err)
				}
			}
		case <-timer.C:
			paths := make([]string, 0, len(pending))
			for p := range pending {
				paths = append(paths, p)
			}
			clear(pending)
			st, err := s.Update(ctx, paths)
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				log.Warn("memory: reindex of changed files failed", "err", err)
				continue
			}
			log.Debug("memory: reindexed changed files", "paths", len(paths), "indexed", st.Indexed, "removed", st.Removed)
		}
	}
}

// addTree watches dir and every folder below it, skipping dot-folders.
func addTree(w *fsnotify.Watcher, dir string, log *slog.Logger) {
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			if p == dir && os.IsNotExist(err) {
				return nil
			}
			log.Warn("memory: cannot watch", "path", p, "err", err)
			if d != nil && d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.IsDir() {
			return nil
		}
		if p != dir && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if err := w.Add(p); err != nil {
			log.Warn("memory: cannot watch", "path", p, "err", err)
		}
		return nil
	})
}
