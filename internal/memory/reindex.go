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
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
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

// commit a write transaction after this many files or bytes, so that
// other processes are never kept waiting long.
const (
	batchFiles = 1000
	batchBytes = 8 << 20
)

// Reindex brings the index up to date with the markdown: files whose size
// and mtime are unchanged are skipped without being read, files whose
// content hash is unchanged are not rechunked, and files that are gone are
// dropped. force rebuilds everything. progress, if not nil, is called as
// files are processed. Files that change while they are indexed are picked
// up by the next Reindex.
func (s *Store) Reindex(ctx context.Context, force bool, progress func(done, total int)) (IndexStats, error) {
	var st IndexStats
	err := s.withDB(ctx, func(db *sql.DB) error {
		var err error
		st, err = s.reindex(ctx, db, force, progress)
		return err
	})
	return st, err
}

func (s *Store) reindex(ctx context.Context, db *sql.DB, force bool, progress func(done, total int)) (IndexStats, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	start := time.Now()
	// Read the index while walking the folders.
	var existing map[string]dbFile
	var loadErr error
	loaded := make(chan struct{})
	go func() {
		defer close(loaded)
		existing, loadErr = loadFiles(ctx, db)
	}()
	w := s.newWalker()
	w.walkAll()
	<-loaded
	st := IndexStats{Files: len(w.files), Notes: w.notes}
	if loadErr != nil {
		return st, loadErr
	}
	var err error
	if force {
		if err := resetIndex(ctx, db); err != nil {
			return st, err
		}
		existing = map[string]dbFile{}
	}
	seen := make(map[string]bool, len(w.files))
	var todo []scanned
	for _, f := range w.files {
		seen[f.key] = true
		if old, ok := existing[f.key]; ok && old.mtime == f.mtime && old.size == f.size {
			st.Unchanged++
			continue
		}
		todo = append(todo, f)
	}
	var gone []int64
	for key, f := range existing {
		if !seen[key] {
			gone = append(gone, f.id)
		}
	}
	if err := loadHashes(ctx, db, existing, todo); err != nil {
		return st, err
	}
	err = s.apply(ctx, db, todo, existing, gone, &st, progress)
	st.Duration = time.Since(start)
	for _, n := range st.Notes {
		s.log.Info("memory index note", "note", n)
	}
	return st, err
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

// resetIndex empties the index by recreating its tables, much faster than
// deleting rows one by one through the FTS triggers.
func resetIndex(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("memory: reset the index: %w", err)
	}
	defer tx.Rollback()
	drop := `DROP TRIGGER IF EXISTS chunks_ai; DROP TRIGGER IF EXISTS chunks_ad;
DROP TABLE IF EXISTS chunks_fts; DROP TABLE IF EXISTS chunks_cjk;
DROP TABLE IF EXISTS chunks; DROP TABLE IF EXISTS files; DROP TABLE IF EXISTS meta;`
	if _, err := tx.ExecContext(ctx, drop+schemaV1); err != nil {
		return fmt.Errorf("memory: reset the index: %w", err)
	}
	return tx.Commit()
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

// apply reads, chunks and stores todo, and deletes the rows of gone, in
// batched write transactions. Reading and chunking run on all CPUs while
// this goroutine writes.
func (s *Store) apply(ctx context.Context, db *sql.DB, todo []scanned, existing map[string]dbFile, gone []int64, st *IndexStats, progress func(done, total int)) error {
	total := st.Unchanged + len(todo)
	if progress != nil {
		progress(st.Unchanged, total)
	}
	if len(todo) == 0 && len(gone) == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := s.prepareAll(ctx, todo, existing)
	done := st.Unchanged
	var batch []prepared
	var bytes int64
	flush := func(last bool) error {
		if err := s.writeBatch(ctx, db, batch, gone, existing, st, last); err != nil {
			return err
		}
		batch, bytes, gone = batch[:0], 0, nil
		return nil
	}
	for p := range results {
		batch = append(batch, p)
		bytes += p.f.size
		done++
		if progress != nil {
			progress(done, total)
		}
		if len(batch) >= batchFiles || bytes >= batchBytes {
			if err := flush(false); err != nil {
				return err
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return flush(true)
}

// writeBatch stores one batch of prepared files, and drops the files of
// gone, in one write transaction. FTS rows are deleted before and added
// after all other writes, in one statement each (see schemaV1).
func (s *Store) writeBatch(ctx context.Context, db *sql.DB, batch []prepared, gone []int64, existing map[string]dbFile, st *IndexStats, last bool) error {
	w, err := newWriter(ctx, db)
	if err != nil {
		return err
	}
	defer w.rollback()
	drop := slices.Clone(gone)
	for _, p := range batch {
		if old, ok := existing[p.f.key]; ok && !p.same {
			drop = append(drop, old.id)
		}
	}
	if err := w.ftsDelete(drop); err != nil {
		return err
	}
	for _, id := range drop {
		if err := w.deleteChunks(id); err != nil {
			return err
		}
	}
	for _, id := range gone {
		if err := w.deleteFile(id); err != nil {
			return err
		}
		st.Removed++
	}
	maxID, err := w.maxChunkID()
	if err != nil {
		return err
	}
	for _, p := range batch {
		if err := s.store(w, p, existing, st); err != nil {
			return err
		}
	}
	var cjk []string
	for _, p := range batch {
		if !p.same && !p.missing {
			cjk = append(cjk, p.cjk...)
		}
	}
	if err := w.ftsInsert(maxID, cjk); err != nil {
		return err
	}
	if last {
		if err := w.setMeta("last_indexed", time.Now().UTC().Format(time.RFC3339)); err != nil {
			return err
		}
	}
	return w.commit()
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
	text := string(data)
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	p.chunks = ChunkMarkdown(text, s.opts.ChunkSize, s.opts.ChunkOverlap)
	p.cjk = make([]string, len(p.chunks))
	for i, c := range p.chunks {
		p.cjk[i] = unspacedRuns(c.Text)
	}
	return p
}
