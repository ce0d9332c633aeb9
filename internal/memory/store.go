package memory

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
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

	// Embedder turns on semantic search (embed.go, hybrid.go): chunks get
	// vectors, searches rank by meaning too. nil keeps search as it was,
	// with no extra query or memory.
	Embedder Embedder
	// EmbedModel names the Embedder's model as its vectors are stored
	// ("ollama/nomic-embed-text", "…@256" for shortened vectors): vectors
	// of another model are never compared with its own, and a change
	// re-embeds every chunk. Required with Embedder.
	EmbedModel string
	// EmbedBatch is how many chunks one Embed call takes; 0 means
	// DefaultEmbedBatch.
	EmbedBatch int
}

// Store is the memory of one workspace: its markdown files and the SQLite
// index derived from them. It is safe for concurrent use, and several
// processes (the CLI and the daemon) may open the same index at once.
// Searches run on a pool of read connections, one per CPU, without a lock
// of the Store's own; writes go through one connection.
type Store struct {
	opts Options
	log  *slog.Logger
	// roots are the real (symlink-free) folders Read may open.
	wsReal string
	// writeMu serialises this process's reindexing; other processes are
	// serialised by SQLite's write lock (and rebuilds by rebuildLock).
	writeMu sync.Mutex

	ix atomic.Pointer[index] // nil once closed
	// mu serialises replacing the index (reopen, recreate) and Close.
	mu        sync.Mutex
	closed    bool
	recovered string
	// wallClock replaces time.Now for the freshness checks in tests.
	wallClock func() time.Time
	// noLinks makes rebuilds work as where links cannot be made (tests).
	noLinks bool
	// rebuilt wakes the watcher after the index was rebuilt, to merge its
	// segments (merge.go).
	rebuilt chan struct{}

	// With an Embedder only: embedMu serialises this process's embedding
	// passes; vecs holds the vectors searches score; queries caches the
	// vectors of recent queries; kick wakes RunEmbedder after a write.
	embedMu sync.Mutex
	vecs    *vecCache
	queries *queryCache
	kick    chan struct{}
}

var errUnknownVersion = errors.New("unknown index version")

// errClosed is returned by every method after Close.
var errClosed = errors.New("memory: the store is closed")

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
	if o.Embedder != nil && o.EmbedModel == "" {
		return nil, errors.New("memory: Options.EmbedModel is required with an Embedder")
	}
	if o.EmbedBatch <= 0 {
		o.EmbedBatch = DefaultEmbedBatch
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
	if o.IndexPath, err = filepath.Abs(o.IndexPath); err != nil {
		return nil, fmt.Errorf("memory: index %s: %w", o.IndexPath, err)
	}
	s := &Store{opts: o, log: log, wsReal: ws, rebuilt: make(chan struct{}, 1)}
	if o.Embedder != nil {
		s.vecs, s.queries, s.kick = &vecCache{}, newQueryCache(queryCacheSize), make(chan struct{}, 1)
	}
	if r, err := filepath.EvalSymlinks(ws); err == nil {
		s.wsReal = r
	}
	if err := os.MkdirAll(filepath.Dir(o.IndexPath), fsutil.DirMode); err != nil {
		return nil, fmt.Errorf("memory: create the index folder: %w", err)
	}
	ix, err := openIndex(ctx, o.IndexPath)
	if err != nil {
		if !isRecoverable(err) {
			return nil, fmt.Errorf("memory: open index %s: %w", o.IndexPath, diskFull(err))
		}
		if ix, err = s.recreate(ctx, err); err != nil {
			return nil, err
		}
	}
	s.ix.Store(ix)
	return s, nil
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

// recreate deletes the index files (the link and the database it leads to,
// with their WAL) and opens a fresh, empty index.
func (s *Store) recreate(ctx context.Context, cause error) (*index, error) {
	path := s.opts.IndexPath
	db := databaseFile(path)
	for _, p := range []string{path, db, db + "-wal", db + "-shm"} {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			return nil, fmt.Errorf("memory: the index %s is damaged (%v) and could not be removed: %w; delete it by hand and run 'localgpt memory reindex'", path, cause, err)
		}
	}
	ix, err := openIndex(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("memory: recreate the damaged index %s (%v): %w", path, cause, err)
	}
	s.recovered = fmt.Sprintf("the memory index was unusable (%v); it was recreated and is rebuilt from the markdown", cause)
	s.log.Warn("memory index recreated", "path", path, "cause", cause.Error())
	return ix, nil
}

// Recovered returns why the index was recreated since Open, or "".
func (s *Store) Recovered() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.recovered
}

// Workspace returns the absolute workspace folder.
func (s *Store) Workspace() string { return s.opts.Workspace }

// index returns the open index with a reference the caller releases,
// reopened first if another process has replaced the database since (a
// rebuild swapped in, or a recreated one). It costs one stat.
func (s *Store) index(ctx context.Context) (*index, error) {
	for {
		ix := s.ix.Load()
		if ix == nil {
			return nil, errClosed
		}
		if !ix.acquire() {
			continue // replaced meanwhile
		}
		if ix.current(s.opts.IndexPath) {
			return ix, nil
		}
		ix.release()
		if err := s.reopen(ctx, ix); err != nil {
			return nil, err
		}
	}
}

// reopen replaces old, which no longer is the database at IndexPath, with
// the one that is. Operations still running on old finish first.
func (s *Store) reopen(ctx context.Context, old *index) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed
	}
	if s.ix.Load() != old { // another goroutine did it
		return nil
	}
	ix, err := openIndex(ctx, s.opts.IndexPath)
	if err != nil && isRecoverable(err) {
		ix, err = s.recreate(ctx, err)
	}
	if err != nil {
		return fmt.Errorf("memory: reopen index %s: %w", s.opts.IndexPath, err)
	}
	s.ix.Store(ix)
	old.release()
	s.noteRebuilt()
	s.log.Debug("memory: index reopened (replaced by another process)")
	return nil
}

// withIndex runs fn with the index. If fn finds the index corrupt, the
// index is recreated, fully reindexed and fn is run once more.
func (s *Store) withIndex(ctx context.Context, fn func(*index) error) error {
	ix, err := s.index(ctx)
	if err != nil {
		return err
	}
	err = fn(ix)
	ix.release()
	if err == nil || !isRecoverable(err) {
		return diskFull(err)
	}
	if err := s.replaceDamaged(ctx, ix, err); err != nil {
		return err
	}
	if ix, err = s.index(ctx); err != nil {
		return err
	}
	_, err = s.reindex(ctx, ix, false, nil)
	ix.release()
	if err != nil {
		return err
	}
	if ix, err = s.index(ctx); err != nil { // the rebuilt one
		return err
	}
	defer ix.release()
	return fn(ix)
}

// replaceDamaged recreates the index ix, found damaged by cause, unless
// another goroutine replaced it already.
func (s *Store) replaceDamaged(ctx context.Context, ix *index, cause error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed
	}
	if s.ix.Load() != ix {
		return nil
	}
	nix, err := s.recreate(ctx, cause)
	if err != nil {
		return err
	}
	s.ix.Store(nix)
	ix.release()
	return nil
}

// Close closes the index (once the operations running on it are done).
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	ix := s.ix.Swap(nil)
	if ix == nil {
		return nil
	}
	return ix.release()
}
