package memory

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/localgpt-go/localgpt/internal/keylock"
)

// A full rebuild (reindex --force, or the first index of a workspace) does
// not rewrite the index in place: it writes a new database file beside it,
// with no journal, no syncs, an exclusive lock and a small page cache
// (4 MB: a larger one only raised the peak RSS, by 50 MB at 16 MB with the
// FTS5 hash at 16 MB), and swaps it in when complete. What it writes is
// synced to disk in the background while it is written (syncBehind).
// (8 KB pages made the full reindex of 3,000 notes about 6 % faster but
// every search 2–4 % slower, so the pages stay at SQLite's 4 KB.)
// IndexPath is then a symbolic link to the current database file
// ("memory.sqlite" → "memory.sqlite.3f9a…"), and a swap is the atomic
// rename of a new link over it. A process killed during a rebuild leaves
// the old index as it was (its half-written file is removed by the next
// rebuild).
//
// Each database file has its own WAL and shared-memory files, named after
// the file (SQLite resolves the link), so readers of the old file in
// other processes go on undisturbed until they notice the swap (Store.index
// compares the file's identity before each use) and reopen. Had the new
// file been renamed over the old one instead, both would have shared one
// "-wal" name: connections to the new file would have read (and
// checkpointed) the old file's WAL frames.

// rebuildBatch is how much markdown a rebuild writes per transaction.
// Without a journal a commit costs little, and FTS5 flushes its pending
// terms at each one: larger batches make fewer, larger segments.
var rebuildBatch = batchLimit{files: 1 << 30, bytes: 32 << 20}

// genName matches the database files of rebuilds, with their WAL and
// shared-memory files, and the links being put in place.
var genName = regexp.MustCompile(`^\.(?:[0-9a-f]{16}(?:-wal|-shm|-journal)?|link-[0-9a-f]{16})$`)

// rebuild indexes files into a new database and swaps it in for the
// current one. The caller holds writeMu, and then catches up with the
// changes made while it ran (see reindexLocked).
func (s *Store) rebuild(ctx context.Context, ix *index, wk *walker, st *IndexStats, progress func(done, total int)) error {
	lock, err := s.lockRebuild(ctx)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	s.removeLeftovers()
	if !s.canLink() {
		return s.rebuildInPlace(ctx, ix, wk, st, progress)
	}
	gen := s.opts.IndexPath + "." + randomHex()
	if err := s.build(ctx, gen, wk, st, progress); err != nil {
		for _, p := range []string{gen, gen + "-journal", gen + "-wal", gen + "-shm"} {
			os.Remove(p)
		}
		return err
	}
	s.carryVectors(ctx, ix, gen)
	return s.swap(gen)
}

// build writes the whole index of files into the new database file gen.
func (s *Store) build(ctx context.Context, gen string, wk *walker, st *IndexStats, progress func(done, total int)) error {
	q := "file:" + (&url.URL{Path: gen}).EscapedPath() +
		"?_pragma=journal_mode(OFF)&_pragma=synchronous(OFF)&_pragma=locking_mode(EXCLUSIVE)" +
		"&_pragma=cache_size(-4000)&_pragma=temp_store(MEMORY)"
	createPrivate(gen)
	db, err := sql.Open("sqlite", q)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if err := migrate(ctx, db); err != nil {
		return fmt.Errorf("memory: create the new index %s: %w", gen, err)
	}
	stop := syncBehind(gen, syncEvery)
	defer stop()
	if err := s.apply(ctx, db, wk.files, map[string]dbFile{}, nil, st, applyOpts{progress: progress, limit: rebuildBatch, finish: s.recordWalk(wk)}); err != nil {
		return err
	}
	// WAL mode is recorded in the file, so every later connection uses it.
	if _, err := db.ExecContext(ctx, "PRAGMA journal_mode=WAL"); err != nil {
		return fmt.Errorf("memory: finish the new index: %w", err)
	}
	if err := db.Close(); err != nil {
		return fmt.Errorf("memory: finish the new index: %w", err)
	}
	stop()
	f, err := os.Open(gen)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil { // it was written without syncs
		return fmt.Errorf("memory: sync the new index: %w", err)
	}
	return nil
}

// syncEvery is how often syncBehind syncs a new index.
const syncEvery = 200 * time.Millisecond

// syncBehind syncs the file at path every interval until stop is called
// (stop waits for a sync under way; calling it again does nothing). A
// rebuild writes its file without syncs, so the kernel kept all of it in
// memory until the sync that completes the build wrote it out: 50–100 ms
// of a 60 MB index, waited for at the end. Synced as it is written, the
// disk works while SQLite computes, and the last sync finds little left.
func syncBehind(path string, every time.Duration) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			if f, err := os.Open(path); err == nil {
				f.Sync() // best effort: build syncs the file again when done
				f.Close()
			}
		}
	})
	var once sync.Once
	return func() { once.Do(func() { close(done); wg.Wait() }) }
}

// swap makes IndexPath lead to gen and removes the database it led to.
func (s *Store) swap(gen string) error {
	path := s.opts.IndexPath
	old := databaseFile(path)
	link := path + ".link-" + randomHex()
	if err := os.Symlink(filepath.Base(gen), link); err != nil {
		return fmt.Errorf("memory: link the new index: %w", err)
	}
	if err := os.Rename(link, path); err != nil {
		os.Remove(link)
		return fmt.Errorf("memory: put the new index in place: %w", err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	// Processes still reading the old database keep their open files.
	if old != path { // a plain file there was replaced by the rename
		os.Remove(old)
	}
	os.Remove(old + "-wal")
	os.Remove(old + "-shm")
	return nil
}

// databaseFile is the database file of the index at path: the file the
// link at path leads to, or path itself. Only the last element is
// resolved, so that the result is spelled as path is (EvalSymlinks would
// also resolve a linked folder above, /var → /private/var on macOS, and
// the names would no longer compare).
func databaseFile(path string) string {
	target, err := os.Readlink(path)
	if err != nil {
		return path
	}
	if !filepath.IsAbs(target) {
		target = filepath.Join(filepath.Dir(path), target)
	}
	return target
}

// canLink reports whether the index folder takes symbolic links (Windows
// without the privilege, some file systems do not).
func (s *Store) canLink() bool {
	if s.noLinks {
		return false
	}
	probe := s.opts.IndexPath + ".link-" + randomHex()
	if err := os.Symlink(filepath.Base(s.opts.IndexPath), probe); err != nil {
		return false
	}
	os.Remove(probe)
	return true
}

// rebuildInPlace is the rebuild where links cannot be made: the tables are
// emptied and filled again in one write transaction of the index itself,
// through its WAL, so that a killed rebuild still leaves the old index and
// readers see the old one until the commit. It is slower (every page is
// written twice, and synced) and its WAL grows to the size of the index.
func (s *Store) rebuildInPlace(ctx context.Context, ix *index, wk *walker, st *IndexStats, progress func(done, total int)) error {
	reset := func(w *writer) error {
		_, err := w.tx.ExecContext(ctx, dropSchema+fullSchema())
		return err
	}
	all := batchLimit{files: 1 << 30, bytes: 1 << 62}
	if err := s.apply(ctx, ix.w, wk.files, map[string]dbFile{}, nil, st, applyOpts{progress: progress, limit: all, start: reset, finish: s.recordWalk(wk)}); err != nil {
		return err
	}
	if s.opts.Embedder != nil { // the vectors stayed: link the new chunks to them
		if err := linkAll(ctx, ix.w); err != nil {
			s.log.Warn("memory: vectors not linked after the rebuild; the next embedding pass links them", "err", err)
		}
	}
	s.noteRebuilt()
	return nil
}

// lockRebuild takes the lock that lets one process at a time rebuild the
// index, waiting for a rebuild in another process to finish.
func (s *Store) lockRebuild(ctx context.Context) (*keylock.File, error) {
	path := s.opts.IndexPath + ".lock"
	for {
		l, err := keylock.TryLockFile(path)
		if err == nil {
			return l, nil
		}
		if !errors.Is(err, keylock.ErrLocked) {
			return nil, fmt.Errorf("memory: %w", err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// removeLeftovers deletes the database files of rebuilds that were killed
// and of indexes swapped out since, except the current one. The caller
// holds the rebuild lock.
func (s *Store) removeLeftovers() {
	path := s.opts.IndexPath
	cur := databaseFile(path)
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		return
	}
	base := filepath.Base(path)
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), base)
		if !ok || !genName.MatchString(rest) {
			continue
		}
		p := filepath.Join(filepath.Dir(path), e.Name())
		if p == cur || p == cur+"-wal" || p == cur+"-shm" {
			continue
		}
		if err := os.Remove(p); err == nil {
			s.log.Debug("memory: removed a leftover index file", "path", p)
		}
	}
}

// randomHex returns 16 random hex digits, for new file names.
func randomHex() string {
	var b [8]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}
