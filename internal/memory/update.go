package memory

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Update reindexes just the given paths (files or folders, absolute or
// workspace-relative): new and changed markdown is indexed, and paths that
// no longer exist are dropped with everything below them. Paths outside
// the workspace and the external paths are ignored. The watcher and the
// append methods use it; it is much cheaper than Reindex.
func (s *Store) Update(ctx context.Context, paths []string) (IndexStats, error) {
	var st IndexStats
	err := s.withIndex(ctx, func(ix *index) error {
		var err error
		st, err = s.update(ctx, ix, paths)
		return err
	})
	s.changed(st)
	return st, err
}

func (s *Store) update(ctx context.Context, ix *index, paths []string) (IndexStats, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	start := time.Now()
	w := s.newWalker()
	var prefixes []string // keys whose rows go unless seen again
	for _, p := range paths {
		if !filepath.IsAbs(p) {
			p = filepath.Join(s.opts.Workspace, p)
		}
		p = filepath.Clean(p)
		key, ok := s.keyFor(p)
		if !ok {
			continue
		}
		prefixes = append(prefixes, key)
		info, err := os.Stat(p)
		switch {
		case err != nil:
			// gone: dropped below
		case info.IsDir():
			real, err := filepath.EvalSymlinks(p)
			if err != nil {
				continue
			}
			w.visited[real] = true
			w.walkDir(p, real, key)
		case info.Mode().IsRegular() && isMarkdown(p):
			w.add(key, p, info)
		}
	}
	w.statAll()
	existing, err := loadFilesUnder(ctx, ix.w, prefixes)
	if err != nil {
		return IndexStats{}, err
	}
	st := IndexStats{Files: len(w.files), Notes: w.notes}
	seen := map[string]bool{}
	var todo []scanned
	for _, f := range w.files {
		if seen[f.key] { // found through two of the paths
			st.Files--
			continue
		}
		seen[f.key] = true
		if old, ok := existing[f.key]; ok && old.mtime == f.mtime && old.size == f.size {
			st.Unchanged++
			continue
		}
		todo = append(todo, f)
	}
	var gone []int64
	for key, f := range existing {
		if seen[key] {
			continue
		}
		for _, pre := range prefixes {
			if key == pre || strings.HasPrefix(key, pre+"/") || strings.HasPrefix(key, pre+string(filepath.Separator)) {
				gone = append(gone, f.id)
				break
			}
		}
	}
	err = s.apply(ctx, ix.w, todo, existing, gone, &st, applyOpts{limit: incrementalBatch})
	st.Duration = time.Since(start)
	return st, err
}

// keyFor returns the index key of an absolute path: workspace-relative
// with '/', or the path itself below an external path. Paths with a
// dot-named element, and paths outside every root, have none.
func (s *Store) keyFor(abs string) (string, bool) {
	if rel, err := filepath.Rel(s.opts.Workspace, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		if rel == "." || hasDotElem(rel) {
			return "", false
		}
		return filepath.ToSlash(rel), true
	}
	for _, e := range s.opts.ExternalPaths {
		if within(e, abs) {
			if rel, _ := filepath.Rel(e, abs); hasDotElem(rel) {
				return "", false
			}
			return abs, true
		}
	}
	return "", false
}

func hasDotElem(rel string) bool {
	for _, part := range strings.Split(filepath.ToSlash(rel), "/") {
		if strings.HasPrefix(part, ".") && part != "." {
			return true
		}
	}
	return false
}

// loadFilesUnder reads the files rows whose key is one of keys or lies
// below one of them, using the path index rather than reading every row.
func loadFilesUnder(ctx context.Context, db *sql.DB, keys []string) (map[string]dbFile, error) {
	out := map[string]dbFile{}
	for _, k := range keys {
		sep := "/"
		if filepath.IsAbs(k) {
			sep = string(filepath.Separator)
		}
		// Keys below k sort between k+sep and k+(sep+1).
		if err := scanFiles(ctx, db, out, `path = ?1 OR (path > ?2 AND path < ?3)`, k, k+sep, k+string(rune(sep[0]+1))); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// loadFilesWhere reads the files rows that match an SQL condition.
func loadFilesWhere(ctx context.Context, db *sql.DB, where string, args ...any) (map[string]dbFile, error) {
	out := map[string]dbFile{}
	return out, scanFiles(ctx, db, out, where, args...)
}

func scanFiles(ctx context.Context, db *sql.DB, out map[string]dbFile, where string, args ...any) error {
	rows, err := db.QueryContext(ctx, `SELECT id, path, mtime, size, hash FROM files WHERE `+where, args...)
	if err != nil {
		return fmt.Errorf("memory: read the index: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var f dbFile
		var path string
		if err := rows.Scan(&f.id, &path, &f.mtime, &f.size, &f.hash); err != nil {
			return err
		}
		out[path] = f
	}
	return rows.Err()
}
