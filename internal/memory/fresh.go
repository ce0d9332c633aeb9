package memory

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The freshness check before a search (Refresh) must be cheap, yet a
// whole check (Reindex: list every folder, stat every file) costs about
// 20 ms for 3,000 files. Refresh relies on folder times instead: adding,
// removing or renaming a file changes its folder's modification time, and
// so does saving it the way most editors do (write a temporary file,
// rename it over the old one). So Refresh stats the folders the last whole
// check listed (the dirs table) and lists again only those whose time
// changed, plus the folders new since; the files edited since the last
// whole check, which are the ones likely to be edited again, are stat'ed
// every time.
//
// What that misses: the first edit, since the last whole check, of a file
// that is rewritten in place (appended to by `>>`, or saved by an editor
// that writes into the file), which leaves its folder's time as it was.
// Such an edit is caught by the next whole check, which Refresh runs when
// the last one is fullCheckEvery old; at once by the daemon's watcher
// while the daemon runs (searches then skip the check altogether); and
// by `localgpt memory reindex`. LocalGPT's own writes (memory add,
// memory_save) index what they write at once.
const (
	fullCheckEvery = 5 * time.Minute
	// racyWindow: a folder changed this recently may change again within
	// its file system's time resolution without its time changing; its
	// time is not trusted, and it is listed again by the next check.
	racyWindow = 2 * time.Second
	// metaFullCheck is when the last whole check started (Unix ns).
	metaFullCheck = "last_full_check"
	// recordEvery: a whole check that found nothing new records its time
	// only if the last one recorded is this old, so that a run of no-op
	// reindexes writes nothing.
	recordEvery = time.Minute
)

// dirTime is the time recorded for a folder: its modification time, or 0
// (never equal to a folder's time) while it is too recent to trust.
func dirTime(info os.FileInfo, now time.Time) int64 {
	mt := info.ModTime()
	if now.Sub(mt) < racyWindow {
		return 0
	}
	return mt.UnixNano()
}

// recordWalk returns the last step of a whole check: it records the
// folders w listed, and when w started.
func (s *Store) recordWalk(w *walker) func(*writer) error {
	return func(wr *writer) error {
		if err := wr.exec("dirsClear"); err != nil {
			return err
		}
		for key, mt := range w.dirs {
			if err := wr.exec("dir", key, mt); err != nil {
				return err
			}
		}
		return wr.setMeta(metaFullCheck, strconv.FormatInt(w.started.UnixNano(), 10))
	}
}

// walkNews reports whether the whole check w has anything to record: a
// folder time that differs from the ones recorded, or the last check's
// time is recordEvery old.
func (s *Store) walkNews(ctx context.Context, ix *index, w *walker) bool {
	last, dirs, err := loadChecked(ctx, ix.r)
	if err != nil || w.started.Sub(last) >= recordEvery || len(dirs) != len(w.dirs) {
		return true
	}
	for key, mt := range w.dirs {
		if old, ok := dirs[key]; !ok || old != mt {
			return true
		}
	}
	return false
}

// Refresh brings the index up to date with the markdown before a search,
// cheaply: it lists again only the folders whose modification time
// changed, and stats only the files edited since the last whole check
// (see above for what that misses until the next whole check, which it
// runs every fullCheckEvery).
func (s *Store) Refresh(ctx context.Context) (IndexStats, error) {
	var st IndexStats
	err := s.withIndex(ctx, func(ix *index) error {
		s.writeMu.Lock()
		defer s.writeMu.Unlock()
		start := time.Now()
		var err error
		st, err = s.refresh(ctx, ix)
		st.Duration = time.Since(start)
		return err
	})
	s.changed(st)
	return st, err
}

func (s *Store) refresh(ctx context.Context, ix *index) (IndexStats, error) {
	now := s.wallNow()
	last, dirs, err := loadChecked(ctx, ix.r)
	if err != nil {
		return IndexStats{}, err
	}
	if len(dirs) == 0 || now.Sub(last) >= fullCheckEvery || now.Before(last) {
		return s.reindexLocked(ctx, ix, false, true, nil)
	}
	w := s.newWalker()
	w.started, w.known = now, dirs
	var removed []string
	for key, mt := range dirs {
		abs := s.keyPath(key)
		info, err := os.Stat(abs)
		switch {
		case err != nil && !os.IsNotExist(err):
			return s.reindexLocked(ctx, ix, false, true, nil) // unreadable: let the whole check say so
		case err != nil || !info.IsDir():
			removed = append(removed, key)
		case mt == 0 || dirTime(info, now) != mt:
			real, err := filepath.EvalSymlinks(abs)
			if err != nil {
				real = abs
			}
			w.walkDir(abs, real, key)
		}
	}
	w.statAll()
	if w.unsure {
		return s.reindexLocked(ctx, ix, false, true, nil)
	}
	hot, err := loadHot(ctx, ix.r, last)
	if err != nil {
		return IndexStats{}, err
	}
	for _, e := range s.opts.ExternalPaths { // single files have no folder of their own
		if info, err := os.Stat(e); err == nil && !info.IsDir() && isMarkdown(e) {
			hot = append(hot, e)
		}
	}
	st := IndexStats{Files: len(w.files) + len(hot), Notes: w.notes}
	// The rows of everything looked at: the files directly in the listed
	// folders, all below new and removed ones, and the hot files.
	existing := map[string]dbFile{}
	var under []string
	for key := range w.dirs {
		if _, known := dirs[key]; known {
			if err := loadChildren(ctx, ix.r, key, existing); err != nil {
				return st, err
			}
		} else {
			under = append(under, key)
		}
	}
	under = append(under, removed...)
	more, err := loadFilesUnder(ctx, ix.r, append(under, hot...))
	if err != nil {
		return st, err
	}
	for k, f := range more {
		existing[k] = f
	}
	// The hot files join the walk's (a clipped copy: w.files stays as walked).
	files := slices.Clip(w.files)
	listed := make(map[string]bool, len(files)+len(hot))
	for _, f := range files {
		listed[f.key] = true
	}
	for _, key := range hot {
		if listed[key] {
			continue
		}
		info, err := os.Stat(s.keyPath(key))
		if err != nil {
			continue // gone: its folder changed too, or it is dropped below
		}
		listed[key] = true
		files = append(files, scanned{key: key, abs: s.keyPath(key), mtime: info.ModTime().UnixNano(), size: info.Size(), day: dailyDay(key)})
	}
	todo, gone := changedFiles(files, existing, &st)
	if len(todo) == 0 && len(gone) == 0 && len(w.dirs) == 0 && len(removed) == 0 {
		return st, nil // nothing changed: no write at all
	}
	if err := loadHashes(ctx, ix.r, existing, todo); err != nil {
		return st, err
	}
	finish := func(wr *writer) error {
		for key, mt := range w.dirs {
			if err := wr.exec("dir", key, mt); err != nil {
				return err
			}
		}
		for _, key := range removed {
			if err := wr.exec("dirDrop", key); err != nil {
				return err
			}
		}
		return nil
	}
	return st, s.apply(ctx, ix.w, todo, existing, gone, &st, applyOpts{limit: incrementalBatch, finish: finish})
}

// keyPath is the file or folder an index key names.
func (s *Store) keyPath(key string) string {
	if filepath.IsAbs(key) {
		return key
	}
	return filepath.Join(s.opts.Workspace, filepath.FromSlash(key))
}

// parentKey is the key of the folder holding key ("" is the workspace).
func parentKey(key string) string {
	if filepath.IsAbs(key) {
		return filepath.Dir(key)
	}
	if i := strings.LastIndexByte(key, '/'); i >= 0 {
		return key[:i]
	}
	return ""
}

// loadChecked reads when the last whole check started and the folder
// times it recorded.
func loadChecked(ctx context.Context, db *sql.DB) (time.Time, map[string]int64, error) {
	var v sql.NullString
	err := db.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = ?", metaFullCheck).Scan(&v)
	if err != nil && err != sql.ErrNoRows {
		return time.Time{}, nil, fmt.Errorf("memory: read the index: %w", err)
	}
	ns, _ := strconv.ParseInt(v.String, 10, 64)
	rows, err := db.QueryContext(ctx, "SELECT path, mtime FROM dirs")
	if err != nil {
		return time.Time{}, nil, fmt.Errorf("memory: read the index: %w", err)
	}
	defer rows.Close()
	dirs := map[string]int64{}
	for rows.Next() {
		var key string
		var mt int64
		if err := rows.Scan(&key, &mt); err != nil {
			return time.Time{}, nil, err
		}
		dirs[key] = mt
	}
	return time.Unix(0, ns), dirs, rows.Err()
}

// loadHot returns the keys of the files modified since the last whole
// check started: edited since, they are likely to be edited again.
func loadHot(ctx context.Context, db *sql.DB, since time.Time) ([]string, error) {
	rows, err := db.QueryContext(ctx, "SELECT path FROM files WHERE mtime >= ?", since.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("memory: read the index: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var key string
		if err := rows.Scan(&key); err != nil {
			return nil, err
		}
		out = append(out, key)
	}
	return out, rows.Err()
}

// loadChildren adds to out the rows of the files directly in the folder
// key.
func loadChildren(ctx context.Context, db *sql.DB, key string, out map[string]dbFile) error {
	var rows map[string]dbFile
	var err error
	if key == "" { // the workspace itself: its keys have no '/'
		rows, err = loadFilesWhere(ctx, db, "instr(path, '/') = 0")
	} else {
		rows, err = loadFilesUnder(ctx, db, []string{key})
	}
	if err != nil {
		return err
	}
	for k, f := range rows {
		if parentKey(k) == key {
			out[k] = f
		}
	}
	return nil
}
