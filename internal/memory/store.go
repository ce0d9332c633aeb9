package memory

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/localgpt-go/localgpt/internal/fsutil"
)

// Defaults used when an Options field is zero.
const (
	DefaultChunkSize    = 400
	DefaultChunkOverlap = 80
	DefaultHalfLife     = 30 * 24 * time.Hour
	DefaultMaxFileBytes = 10 << 20
)

// Options say where the workspace and its index are and how to index.
// The composition root (assistant.MemoryOptions) fills them from the
// [memory] section.
type Options struct {
	// Workspace is the folder of markdown notes (required).
	Workspace string
	// IndexPath is the SQLite database file, outside the workspace (required).
	IndexPath string
	// ExternalPaths are extra folders or .md files to index, absolute.
	ExternalPaths []string
	// ChunkSize and ChunkOverlap are in estimated tokens (internal/tokens).
	ChunkSize    int
	ChunkOverlap int
	// HalfLife is how fast a daily log's ranking decays with its age.
	HalfLife time.Duration
	// MaxFileBytes: larger files are skipped with a note.
	MaxFileBytes int64
	// Logger receives notes about skipped files and rebuilds; nil discards.
	Logger *slog.Logger
	// Clock gives the current time for recency ranking; nil is time.Now.
	Clock func() time.Time
}

// Store is the memory of one workspace: its markdown files and the SQLite
// index derived from them. It is safe for concurrent use, and several
// processes (the CLI and the daemon) may open the same index at once.
type Store struct {
	opts Options
	log  *slog.Logger
	// roots are the real (symlink-free) folders Read may open.
	wsReal string
	// writeMu serialises this process's reindexing; other processes are
	// serialised by SQLite's write lock.
	writeMu sync.Mutex

	dbMu      sync.RWMutex
	db        *sql.DB
	recovered string
}

var errUnknownVersion = errors.New("unknown index version")

// Open opens (creating if needed) the index of a workspace. An index that
// is corrupt or was written by a newer LocalGPT is deleted and recreated
// empty; Recovered then says why, and the next Reindex rebuilds it from
// the markdown. Open does not index: call Reindex.
func Open(ctx context.Context, o Options) (*Store, error) {
	if o.Workspace == "" || o.IndexPath == "" {
		return nil, errors.New("memory: Options.Workspace and Options.IndexPath are required")
	}
	if o.ChunkSize <= 0 {
		o.ChunkSize = DefaultChunkSize
	}
	if o.ChunkOverlap < 0 || o.ChunkOverlap >= o.ChunkSize {
		o.ChunkOverlap = min(DefaultChunkOverlap, o.ChunkSize/5)
	}
	if o.HalfLife <= 0 {
		o.HalfLife = DefaultHalfLife
	}
	if o.MaxFileBytes <= 0 {
		o.MaxFileBytes = DefaultMaxFileBytes
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ws, err := filepath.Abs(o.Workspace)
	if err != nil {
		return nil, fmt.Errorf("memory: workspace %s: %w", o.Workspace, err)
	}
	o.Workspace = ws
	s := &Store{opts: o, log: log, wsReal: ws}
	if r, err := filepath.EvalSymlinks(ws); err == nil {
		s.wsReal = r
	}
	if err := os.MkdirAll(filepath.Dir(o.IndexPath), fsutil.DirMode); err != nil {
		return nil, fmt.Errorf("memory: create the index folder: %w", err)
	}
	db, err := openDB(ctx, o.IndexPath)
	if err != nil {
		if !isRecoverable(err) {
			return nil, fmt.Errorf("memory: open index %s: %w", o.IndexPath, diskFull(err))
		}
		if db, err = s.recreate(ctx, err); err != nil {
			return nil, err
		}
	}
	s.db = db
	return s, nil
}

// openDB opens the database and brings its schema up to date. A new
// index file is created private first: SQLite would create it 0644, and
// gives its -wal and -shm files the mode of the database.
func openDB(ctx context.Context, path string) (*sql.DB, error) {
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, fsutil.FileMode); err == nil {
		f.Close()
	}
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)" +
		"&_pragma=cache_size(-16000)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	// A cheap read of every table catches a damaged schema early.
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM files").Scan(&n); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// isRecoverable reports whether err means the index must be rebuilt: the
// file is not a database, is corrupt, or has a schema we do not know.
func isRecoverable(err error) bool {
	if errors.Is(err, errUnknownVersion) {
		return true
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_FORMAT:
			return true
		}
	}
	return false
}

// diskFull says what to do about an index error that a full disk caused
// (the write, or growing the WAL's shared-memory file, failed); other
// errors are returned as they are. The transaction was rolled back: the
// index holds what it held before.
func diskFull(err error) error {
	var se *sqlite.Error
	if err == nil || !errors.As(err, &se) {
		return err
	}
	switch se.Code() {
	case sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR_SHMSIZE, sqlite3.SQLITE_IOERR_WRITE:
		return fmt.Errorf("%w: no space left on device for the index (probably); free some space, the index catches up by itself", err)
	}
	return err
}

// recreate deletes the index files and opens a fresh, empty index.
func (s *Store) recreate(ctx context.Context, cause error) (*sql.DB, error) {
	path := s.opts.IndexPath
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			return nil, fmt.Errorf("memory: the index %s is damaged (%v) and could not be removed: %w; delete it by hand and run 'localgpt memory reindex'", path, cause, err)
		}
	}
	db, err := openDB(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("memory: recreate index %s: %w", path, err)
	}
	s.recovered = fmt.Sprintf("the memory index was unusable (%v); it was recreated and is rebuilt from the markdown", cause)
	s.log.Warn("memory index recreated", "path", path, "cause", cause.Error())
	return db, nil
}

// Recovered returns why the index was recreated since Open, or "".
func (s *Store) Recovered() string {
	s.dbMu.RLock()
	defer s.dbMu.RUnlock()
	return s.recovered
}

// Workspace returns the absolute workspace folder.
func (s *Store) Workspace() string { return s.opts.Workspace }

// withDB runs fn with the database. If fn finds the index corrupt, the
// index is recreated, fully reindexed and fn is run once more.
func (s *Store) withDB(ctx context.Context, fn func(*sql.DB) error) error {
	s.dbMu.RLock()
	db := s.db
	s.dbMu.RUnlock()
	if db == nil {
		return errors.New("memory: the store is closed")
	}
	err := fn(db)
	if err == nil || !isRecoverable(err) {
		return diskFull(err)
	}
	s.dbMu.Lock()
	if s.db == db { // nobody recreated it meanwhile
		db.Close()
		ndb, rerr := s.recreate(ctx, err)
		if rerr != nil {
			s.db = nil
			s.dbMu.Unlock()
			return rerr
		}
		s.db = ndb
	}
	db = s.db
	s.dbMu.Unlock()
	if _, err := s.reindex(ctx, db, false, nil); err != nil {
		return err
	}
	return fn(db)
}

// Close closes the index.
func (s *Store) Close() error {
	s.dbMu.Lock()
	defer s.dbMu.Unlock()
	if s.db == nil {
		return nil
	}
	err := s.db.Close()
	s.db = nil
	return err
}
