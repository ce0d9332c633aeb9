package memory

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/localgpt-go/localgpt/internal/fsutil"
)

// Connection settings. Readers get a small page cache each: the index's
// hot pages (the FTS term index, the docsize table) fit, and a search
// touches few others. The pool is as large as the CPUs, since a search is
// CPU-bound and more connections only add caches and contention; idle
// connections are closed after readerIdle, so the memory of a burst is
// given back.
const (
	readerCacheKB = 2000
	writerCacheKB = 8000
	readerIdle    = 30 * time.Second
)

// index is one open index database: a pool of read-only connections, one
// per CPU, and one connection for writes (this process's writers queue on
// Store.writeMu, other processes on SQLite's write lock). The file's
// identity when it was opened tells when another process has swapped a
// rebuilt index into place (see rebuild.go), so that it is reopened.
type index struct {
	file  os.FileInfo // the database file (the link's target) as opened
	r, w  *sql.DB
	stmts map[string]*sql.Stmt // prepared on r, by name (search.go)
	// turns admits searches to r in the order they come, as many at once
	// as r has connections: database/sql hands a freed connection to a
	// waiter picked at random, which under load made the slowest 1% of
	// searches wait twice as long.
	turns chan struct{}
	// refs counts the Store's reference (until the index is replaced or
	// the Store closed) and each operation using it; the last release
	// closes it, so a replaced index is closed only when no search on it
	// is left.
	refs atomic.Int64
}

// dsn is the connection string of the index at path with the given
// extra pragmas. Every connection waits up to 10 s for a lock, and write
// transactions take the write lock at BEGIN.
func dsn(path string, cacheKB int, extra string) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)" +
		fmt.Sprintf("&_pragma=cache_size(-%d)", cacheKB) + extra + "&_txlock=immediate"
}

// openIndex opens the index at path (creating it if needed) and brings its
// schema up to date.
func openIndex(ctx context.Context, path string) (*index, error) {
	createPrivate(path)
	// The identity is taken before connecting: if a rebuild is swapped in
	// between, the next check sees a change and reopens, never the reverse.
	info, statErr := os.Stat(path)
	w, err := sql.Open("sqlite", dsn(path, writerCacheKB, ""))
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(readerIdle)
	if err := migrate(ctx, w); err != nil {
		w.Close()
		return nil, err
	}
	// A cheap read of every table catches a damaged schema early.
	var n int
	if err := w.QueryRowContext(ctx, "SELECT count(*) FROM files").Scan(&n); err != nil {
		w.Close()
		return nil, err
	}
	if statErr != nil { // created just now
		if info, err = os.Stat(path); err != nil {
			w.Close()
			return nil, err
		}
	}
	r, err := sql.Open("sqlite", dsn(path, readerCacheKB, "&_pragma=query_only(1)"))
	if err != nil {
		w.Close()
		return nil, err
	}
	conns := runtime.NumCPU()
	r.SetMaxOpenConns(conns)
	r.SetMaxIdleConns(conns)
	r.SetConnMaxIdleTime(readerIdle)
	ix := &index{file: info, r: r, w: w, stmts: map[string]*sql.Stmt{}, turns: make(chan struct{}, conns)}
	ix.refs.Store(1)
	for name, q := range readQueries {
		st, err := r.PrepareContext(ctx, q)
		if err != nil {
			ix.close()
			return nil, fmt.Errorf("prepare %s: %w", name, err)
		}
		ix.stmts[name] = st
	}
	return ix, nil
}

// createPrivate creates a missing database file private: SQLite would
// create it 0644, and gives its -wal and -shm files the mode of the
// database.
func createPrivate(path string) {
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, fsutil.FileMode); err == nil {
		f.Close()
	}
}

// current reports whether path still names the database this index has
// open: false once another process swapped a rebuilt index into place,
// or removed or recreated it.
func (ix *index) current(path string) bool {
	info, err := os.Stat(path)
	return err == nil && os.SameFile(info, ix.file)
}

// acquire takes a reference for one operation; false means the index is
// closed or closing (it was replaced): load the current one again.
func (ix *index) acquire() bool {
	for {
		n := ix.refs.Load()
		if n == 0 {
			return false
		}
		if ix.refs.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// release drops a reference, closing the index with the last one.
func (ix *index) release() error {
	if ix.refs.Add(-1) == 0 {
		return ix.close()
	}
	return nil
}

func (ix *index) close() error {
	for _, st := range ix.stmts {
		st.Close()
	}
	return errors.Join(ix.r.Close(), ix.w.Close())
}
