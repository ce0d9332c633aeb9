package memory

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/localgpt-go/localgpt/internal/mdcomment"
)

// IndexStats summarises one reindex.
type IndexStats struct {
	Files     int           `json:"files"`     // markdown files found
	Indexed   int           `json:"indexed"`   // read and chunked again
	Unchanged int           `json:"unchanged"` // same size and mtime, or same hash
	Skipped   int           `json:"skipped"`   // binary, oversized or unreadable
	Removed   int           `json:"removed"`   // gone from disk, dropped from the index
	Chunks    int           `json:"chunks"`    // chunks written
	Bytes     int64         `json:"bytes"`     // bytes of markdown indexed
	Duration  time.Duration `json:"duration_ns"`
	// Notes say which files were skipped and why, and which symlinks or
	// folders could not be followed. They are also logged.
	Notes []string `json:"notes,omitempty"`
}

// dbFile is a files row.
type dbFile struct {
	id          int64
	mtime, size int64
	hash        []byte
}

// batchLimit says when apply commits a write transaction.
type batchLimit struct {
	files int
	bytes int64
}

// incremental writes commit after 1,000 files or 8 MB, so that other
// processes are never kept waiting long; a rebuild writes a file nobody
// else reads, and commits less often (see rebuildBatch).
var incrementalBatch = batchLimit{files: 1000, bytes: 8 << 20}

// Reindex brings the index up to date with the markdown: files whose size
// and mtime are unchanged are skipped without being read, files whose
// content hash is unchanged are not rechunked, and files that are gone are
// dropped. force rebuilds everything (as does the first index of a
// workspace), into a new database swapped in when complete (rebuild.go).
// progress, if not nil, is called as files are processed. Files that
// change while they are indexed are picked up by the next Reindex.
func (s *Store) Reindex(ctx context.Context, force bool, progress func(done, total int)) (IndexStats, error) {
	var st IndexStats
	err := s.withIndex(ctx, func(ix *index) error {
		var err error
		st, err = s.reindex(ctx, ix, force, progress)
		return err
	})
	s.changed(st)
	return st, err
}

func (s *Store) reindex(ctx context.Context, ix *index, force bool, progress func(done, total int)) (IndexStats, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	start := time.Now()
	st, err := s.reindexLocked(ctx, ix, force, true, progress)
	st.Duration = time.Since(start)
	for _, n := range st.Notes {
		s.log.Info("memory index note", "note", n)
	}
	return st, err
}

// reindexLocked is Reindex under writeMu; mayRebuild is false for the
// catch-up after a rebuild.
func (s *Store) reindexLocked(ctx context.Context, ix *index, force, mayRebuild bool, progress func(done, total int)) (IndexStats, error) {
	// Read the index while walking the folders.
	var existing map[string]dbFile
	var loadErr error
	loaded := make(chan struct{})
	go func() {
		defer close(loaded)
		existing, loadErr = loadFiles(ctx, ix.r)
	}()
	w := s.newWalker()
	w.walkAll()
	<-loaded
	st := IndexStats{Files: len(w.files), Notes: w.notes}
	if loadErr != nil {
		return st, loadErr
	}
	if mayRebuild && (force || len(existing) == 0 && len(w.files) > 0) {
		seen := make(map[string]bool, len(w.files))
		for _, f := range w.files {
			seen[f.key] = true
		}
		for key := range existing {
			if !seen[key] {
				st.Removed++
			}
		}
		if err := s.rebuild(ctx, ix, w, &st, progress); err != nil {
			return st, err
		}
		// Catch up with what changed while the new index was written:
		// files edited since the walk, and updates other processes made
		// to the old index meanwhile (a no-op walk when there are none).
		nix, err := s.index(ctx)
		if err != nil {
			return st, err
		}
		defer nix.release()
		more, err := s.reindexLocked(ctx, nix, false, false, nil)
		st.Indexed += more.Indexed
		st.Removed += more.Removed
		st.Chunks += more.Chunks
		st.Bytes += more.Bytes
		return st, err
	}
	todo, gone := changedFiles(w.files, existing, &st)
	if err := loadHashes(ctx, ix.r, existing, todo); err != nil {
		return st, err
	}
	finish := s.recordWalk(w)
	if len(todo) == 0 && len(gone) == 0 && !s.walkNews(ctx, ix, w) {
		finish = nil // nothing to write: a write costs two syncs
	}
	return st, s.apply(ctx, ix.w, todo, existing, gone, &st, applyOpts{progress: progress, limit: incrementalBatch, finish: finish})
}

// changedFiles compares the files found with the index's rows for them:
// a file that is new or whose modification time or size differs is to be
// indexed, a row whose file was not found is gone, and the unchanged ones
// are counted in st. The full reindex and the freshness check share it.
func changedFiles(files []scanned, existing map[string]dbFile, st *IndexStats) (todo []scanned, gone []int64) {
	seen := make(map[string]bool, len(files))
	for _, f := range files {
		seen[f.key] = true
		if old, ok := existing[f.key]; ok && old.mtime == f.mtime && old.size == f.size {
			st.Unchanged++
			continue
		}
		todo = append(todo, f)
	}
	for key, f := range existing {
		if !seen[key] {
			gone = append(gone, f.id)
		}
	}
	return todo, gone
}

// loadFiles reads the files table.
func loadFiles(ctx context.Context, db *sql.DB) (map[string]dbFile, error) {
	rows, err := db.QueryContext(ctx, "SELECT id, path, mtime, size FROM files")
	if err != nil {
		return nil, fmt.Errorf("memory: read the index: %w", err)
	}
	defer rows.Close()
	out := map[string]dbFile{}
	for rows.Next() {
		var f dbFile
		var path string
		if err := rows.Scan(&f.id, &path, &f.mtime, &f.size); err != nil {
			return nil, err
		}
		out[path] = f
	}
	return out, rows.Err()
}

// loadHashes fills in the content hashes of the files about to be read,
// which loadFiles leaves out to keep the no-op check cheap.
func loadHashes(ctx context.Context, db *sql.DB, existing map[string]dbFile, todo []scanned) error {
	var ids []int64
	byID := map[int64]string{}
	for _, f := range todo {
		if old, ok := existing[f.key]; ok && old.hash == nil {
			ids = append(ids, old.id)
			byID[old.id] = f.key
		}
	}
	if len(ids) == 0 {
		return nil
	}
	js, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	rows, err := db.QueryContext(ctx, "SELECT id, hash FROM files WHERE id IN (SELECT value FROM json_each(?))", string(js))
	if err != nil {
		return fmt.Errorf("memory: read the index: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var h []byte
		if err := rows.Scan(&id, &h); err != nil {
			return err
		}
		f := existing[byID[id]]
		f.hash = h
		existing[byID[id]] = f
	}
	return rows.Err()
}

// prepared is the outcome of reading and chunking one file.
type prepared struct {
	f       scanned
	hash    []byte
	chunks  []Chunk
	cjk     []string // unspacedRuns of each chunk
	note    string   // skipped: why
	same    bool     // content hash unchanged
	missing bool     // vanished or unreadable: not stored
}

// applyOpts say how apply writes.
type applyOpts struct {
	// progress, if not nil, is called as files are processed.
	progress func(done, total int)
	limit    batchLimit
	// start, if not nil, runs first in the first transaction; finish runs
	// last in the last one (also when there is nothing else to write), to
	// record what the walk saw (fresh.go).
	start, finish func(*writer) error
}

// apply reads, chunks and stores todo, and deletes the rows of gone, in
// write transactions of at most o.limit. Reading and chunking run on all
// CPUs while this goroutine writes.
func (s *Store) apply(ctx context.Context, db *sql.DB, todo []scanned, existing map[string]dbFile, gone []int64, st *IndexStats, o applyOpts) error {
	total := st.Unchanged + len(todo)
	if o.progress != nil {
		o.progress(st.Unchanged, total)
	}
	if len(todo) == 0 && len(gone) == 0 {
		if o.start == nil && o.finish == nil {
			return nil
		}
		w, err := newWriter(ctx, db)
		if err != nil {
			return err
		}
		defer w.rollback()
		for _, step := range []func(*writer) error{o.start, o.finish} {
			if step != nil {
				if err := step(w); err != nil {
					return err
				}
			}
		}
		if err := w.commit(); err != nil {
			return err
		}
		checkpoint(ctx, db)
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := s.prepareAll(ctx, todo, existing)
	done := st.Unchanged
	b := &batch{s: s, ctx: ctx, db: db, existing: existing, st: st, gone: gone, start: o.start, finish: o.finish}
	defer b.rollback()
	for p := range results {
		if err := b.add(p); err != nil {
			return err
		}
		done++
		if o.progress != nil {
			o.progress(done, total)
		}
		if b.files >= o.limit.files || b.bytes >= o.limit.bytes {
			if err := b.commit(false); err != nil {
				return err
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if b.w == nil { // nothing written since the last commit
		if _, err := b.begin(); err != nil {
			return err
		}
	}
	if err := b.commit(true); err != nil {
		return err
	}
	checkpoint(ctx, db)
	return nil
}

// checkpoint copies what the WAL holds into the database after a write,
// while nobody waits: otherwise the last connection to close does it (two
// syncs), and a daemon asked to stop would spend most of its exit there.
// It never waits for readers; what they still use stays in the WAL.
func checkpoint(ctx context.Context, db *sql.DB) {
	_, _ = db.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
}

// batch is one write transaction of apply. New files are written as they
// come, so that a rebuild holds little in memory; files that replace rows
// wait for the commit, where the old rows' FTS entries are deleted (FTS5
// needs their text) before the new rows go in. FTS rows are deleted and
// added in one statement each per transaction (see schemaV1).
type batch struct {
	s        *Store
	ctx      context.Context
	db       *sql.DB
	existing map[string]dbFile
	st       *IndexStats
	gone     []int64 // files to drop, in the first transaction
	start    func(*writer) error
	finish   func(*writer) error

	w       *writer
	maxID   int64      // the highest chunk id before this transaction
	replace []prepared // files whose old rows go at the commit
	cjk     []string   // unspaced runs of each chunk written, in order
	files   int
	bytes   int64
}

func (b *batch) begin() (*writer, error) {
	if b.w != nil {
		return b.w, nil
	}
	w, err := newWriter(b.ctx, b.db)
	if err != nil {
		return nil, err
	}
	b.w = w
	if b.start != nil {
		if err := b.start(w); err != nil {
			return nil, err
		}
		b.start = nil
	}
	if err := b.drop(b.gone); err != nil {
		return nil, err
	}
	for _, id := range b.gone {
		if err := w.deleteFile(id); err != nil {
			return nil, err
		}
		b.st.Removed++
	}
	b.gone = nil
	b.maxID, err = w.maxChunkID()
	return w, err
}

// drop deletes the chunks of files, FTS entries first.
func (b *batch) drop(fileIDs []int64) error {
	if err := b.w.ftsDelete(fileIDs); err != nil {
		return err
	}
	for _, id := range fileIDs {
		if err := b.w.deleteChunks(id); err != nil {
			return err
		}
	}
	return nil
}

func (b *batch) add(p prepared) error {
	w, err := b.begin()
	if err != nil {
		return err
	}
	b.files++
	b.bytes += p.f.size
	if _, had := b.existing[p.f.key]; had && !p.same {
		b.replace = append(b.replace, p)
		return nil
	}
	return b.store(w, p)
}

func (b *batch) store(w *writer, p prepared) error {
	if err := b.s.store(w, p, b.existing, b.st); err != nil {
		return err
	}
	if !p.same && !p.missing {
		b.cjk = append(b.cjk, p.cjk...)
	}
	return nil
}

// commit writes the waiting files and the FTS rows and commits; last
// records the time of the reindex too.
func (b *batch) commit(last bool) error {
	w := b.w
	if w == nil {
		return nil
	}
	ids := make([]int64, 0, len(b.replace))
	for _, p := range b.replace {
		ids = append(ids, b.existing[p.f.key].id)
	}
	if err := b.drop(ids); err != nil {
		return err
	}
	for _, p := range b.replace {
		if err := b.store(w, p); err != nil {
			return err
		}
	}
	if err := w.ftsInsert(b.maxID, b.cjk); err != nil {
		return err
	}
	if last {
		if err := w.setMeta("last_indexed", time.Now().UTC().Format(time.RFC3339)); err != nil {
			return err
		}
		if b.finish != nil {
			if err := b.finish(w); err != nil {
				return err
			}
		}
	}
	err := w.commit()
	b.w, b.replace, b.cjk, b.files, b.bytes = nil, nil, nil, 0, 0
	return err
}

func (b *batch) rollback() {
	if b.w != nil {
		b.w.rollback()
	}
}

// store writes one prepared file; its old chunks are already gone.
func (s *Store) store(w *writer, p prepared, existing map[string]dbFile, st *IndexStats) error {
	old, had := existing[p.f.key]
	switch {
	case p.missing:
		if p.note != "" {
			st.Skipped++
			st.Notes = append(st.Notes, p.note)
		}
		if had {
			st.Removed++
			return w.deleteFile(old.id)
		}
		return nil
	case p.same:
		st.Unchanged++
		return w.touch(old.id, p.f)
	}
	if p.note != "" {
		st.Skipped++
		st.Notes = append(st.Notes, p.note)
	} else {
		st.Indexed++
		st.Bytes += p.f.size
	}
	id, err := w.upsertFile(p.f, p.hash, p.note)
	if err != nil {
		return err
	}
	for _, c := range p.chunks {
		if err := w.insertChunk(id, c); err != nil {
			return err
		}
	}
	st.Chunks += len(p.chunks)
	return nil
}

// prepareAll reads and chunks files on runtime.NumCPU goroutines; the
// channel closes when all are done or ctx is cancelled.
func (s *Store) prepareAll(ctx context.Context, todo []scanned, existing map[string]dbFile) <-chan prepared {
	jobs := make(chan scanned)
	out := make(chan prepared, 64)
	var wg sync.WaitGroup
	for range max(1, min(runtime.NumCPU(), len(todo))) {
		wg.Go(func() {
			for f := range jobs {
				p := s.prepare(f, existing)
				select {
				case out <- p:
				case <-ctx.Done():
					return
				}
			}
		})
	}
	go func() {
		defer close(jobs)
		for _, f := range todo {
			select {
			case jobs <- f:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(out) }()
	return out
}

// binarySniff is how much of a file is checked for NUL bytes.
const binarySniff = 8000

func (s *Store) prepare(f scanned, existing map[string]dbFile) prepared {
	p := prepared{f: f}
	if f.size > s.opts.MaxFileBytes {
		p.note = fmt.Sprintf("skipped %s: %d bytes is more than memory.max_file_bytes (%d)", f.abs, f.size, s.opts.MaxFileBytes)
		p.hash = []byte{}
		return p
	}
	data, err := os.ReadFile(f.abs)
	if err != nil {
		p.missing = true
		if !errors.Is(err, os.ErrNotExist) {
			p.note = fmt.Sprintf("skipped %s: %v", f.abs, err)
		}
		return p
	}
	sum := sha256.Sum256(data)
	p.hash = sum[:]
	if old, ok := existing[f.key]; ok && bytes.Equal(old.hash, p.hash) {
		p.same = true
		return p
	}
	if bytes.IndexByte(data[:min(len(data), binarySniff)], 0) >= 0 {
		p.note = fmt.Sprintf("skipped %s: it looks like a binary file, not markdown", f.abs)
		return p
	}
	// data is read only from here on, so the text shares its bytes: a
	// copy was 29.5 MB of the 170 MB a full reindex of the 3,000-note
	// benchmark corpus allocates.
	text := unsafe.String(unsafe.SliceData(data), len(data))
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	// HTML comments (the templates' explanations, private notes) are not
	// indexed; their lines stay, so line numbers match the file.
	p.chunks = ChunkMarkdown(mdcomment.Strip(text), s.opts.ChunkSize, s.opts.ChunkOverlap)
	p.cjk = make([]string, len(p.chunks))
	for i, c := range p.chunks {
		p.cjk[i] = unspacedRuns(c.Text)
	}
	return p
}
