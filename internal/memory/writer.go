package memory

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// writer batches index writes in one write transaction with prepared
// statements; commit and begin start the next batch.
type writer struct {
	ctx   context.Context
	db    *sql.DB
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
	files int
	bytes int64
	// lastID is the id of the last chunk inserted (see maxChunkID).
	lastID int64
	chunks []any // rows insertChunk holds, six values each
}

// writerQuery returns the SQL of a named writer statement.
func writerQuery(name string) string {
	switch name {
	case "upsert":
		return `INSERT INTO files(path, mtime, size, hash, day, note, indexed_at) VALUES(?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(path) DO UPDATE SET mtime=excluded.mtime, size=excluded.size, hash=excluded.hash,
		day=excluded.day, note=excluded.note, indexed_at=excluded.indexed_at RETURNING id`
	case "touch":
		return `UPDATE files SET mtime = ?, size = ? WHERE id = ?`
	case "ftsDel":
		return `INSERT INTO chunks_fts(chunks_fts, rowid, heading, text)
		SELECT 'delete', id, heading, text FROM chunks WHERE file_id IN (SELECT value FROM json_each(?))`
	case "cjkDel":
		return `DELETE FROM chunks_cjk WHERE rowid IN
		(SELECT id FROM chunks WHERE file_id IN (SELECT value FROM json_each(?)))`
	case "vecUnlink":
		return `DELETE FROM chunk_vectors WHERE chunk_id IN
		(SELECT id FROM chunks WHERE file_id IN (SELECT value FROM json_each(?)))`
	case "ftsIns":
		return `INSERT INTO chunks_fts(rowid, heading, text) SELECT id, heading, text FROM chunks WHERE id > ?`
	case "newIDs":
		return `SELECT id FROM chunks WHERE id > ? ORDER BY id`
	case "cjkIns":
		return `INSERT INTO chunks_cjk(rowid, text)
		SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?)`
	case "delChunks":
		return `DELETE FROM chunks WHERE file_id = ?`
	case "delFile":
		return `DELETE FROM files WHERE id = ?`
	case "chunk":
		return `INSERT INTO chunks(id, file_id, line_start, line_end, heading, text) VALUES(?, ?, ?, ?, ?, ?)`
	case "dirsClear":
		return `DELETE FROM dirs`
	case "dir":
		return `INSERT INTO dirs(path, mtime) VALUES(?, ?) ON CONFLICT(path) DO UPDATE SET mtime = excluded.mtime`
	case "dirDrop":
		return `DELETE FROM dirs WHERE path = ?`
	case "meta":
		return `INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`
	}
	return ""
}

func newWriter(ctx context.Context, db *sql.DB) (*writer, error) {
	w := &writer{ctx: ctx, db: db}
	return w, w.begin()
}

func (w *writer) begin() error {
	tx, err := w.db.BeginTx(w.ctx, nil)
	if err != nil {
		return fmt.Errorf("memory: start writing the index: %w", err)
	}
	w.tx, w.stmts, w.files, w.bytes = tx, map[string]*sql.Stmt{}, 0, 0
	return nil
}

func (w *writer) stmt(name string) (*sql.Stmt, error) {
	if st, ok := w.stmts[name]; ok {
		return st, nil
	}
	st, err := w.tx.PrepareContext(w.ctx, writerQuery(name))
	if err != nil {
		return nil, fmt.Errorf("memory: prepare %s: %w", name, err)
	}
	w.stmts[name] = st
	return st, nil
}

func (w *writer) exec(name string, args ...any) error {
	if err := w.flushChunks(); err != nil {
		return err
	}
	st, err := w.stmt(name)
	if err != nil {
		return err
	}
	if _, err := st.ExecContext(w.ctx, args...); err != nil {
		return fmt.Errorf("memory: write the index (%s): %w", name, err)
	}
	return nil
}

func (w *writer) commit() error {
	if w.tx == nil {
		return nil
	}
	if err := w.flushChunks(); err != nil {
		return err
	}
	err := w.tx.Commit()
	w.tx = nil
	if err != nil {
		return fmt.Errorf("memory: commit to the index: %w", err)
	}
	return nil
}

func (w *writer) rollback() {
	w.chunks = w.chunks[:0]
	if w.tx != nil {
		w.tx.Rollback()
		w.tx = nil
	}
}

func (w *writer) upsertFile(f scanned, hash []byte, note string) (int64, error) {
	st, err := w.stmt("upsert")
	if err != nil {
		return 0, err
	}
	var day any
	if f.day != 0 {
		day = f.day
	}
	var id int64
	if err := st.QueryRowContext(w.ctx, f.key, f.mtime, f.size, hash, day, note, time.Now().Unix()).Scan(&id); err != nil {
		return 0, fmt.Errorf("memory: write the index (file %s): %w", f.key, err)
	}
	w.files++
	w.bytes += f.size
	return id, nil
}

func (w *writer) touch(id int64, f scanned) error {
	w.files++
	return w.exec("touch", f.mtime, f.size, id)
}

// ftsDelete removes the chunks of files from both FTS tables, which need
// the old text to do so, and unlinks their vectors (a later chunk may take
// a freed id). It must run before the chunks rows go.
func (w *writer) ftsDelete(fileIDs []int64) error {
	if len(fileIDs) == 0 {
		return nil
	}
	ids, err := json.Marshal(fileIDs)
	if err != nil {
		return err
	}
	if err := w.exec("ftsDel", string(ids)); err != nil {
		return err
	}
	if err := w.exec("vecUnlink", string(ids)); err != nil {
		return err
	}
	return w.exec("cjkDel", string(ids))
}

func (w *writer) deleteChunks(fileID int64) error { return w.exec("delChunks", fileID) }

func (w *writer) deleteFile(id int64) error {
	w.files++
	return w.exec("delFile", id)
}

// maxChunkID is the highest chunk id; chunks inserted after it are the
// ones ftsInsert adds to the FTS tables. insertChunk numbers them from
// there: were SQLite to pick the ids, deleting the newest chunks (a daily
// log's, usually) would let new ones take ids at or below it.
func (w *writer) maxChunkID() (int64, error) {
	err := w.tx.QueryRowContext(w.ctx, "SELECT coalesce(max(id), 0) FROM chunks").Scan(&w.lastID)
	return w.lastID, err
}

// chunkRows is how many chunks one INSERT writes: one statement per
// chunk spent more on the statement than on the row.
const chunkRows = 32

// insertChunk adds a chunk row; rows are written chunkRows at a time,
// and the rest by flushChunks, which every other statement runs first.
func (w *writer) insertChunk(fileID int64, c Chunk) error {
	w.lastID++
	w.chunks = append(w.chunks, w.lastID, fileID, c.LineStart, c.LineEnd, c.Heading, c.Text)
	if len(w.chunks) == chunkRows*6 {
		return w.flushChunks()
	}
	return nil
}

// flushChunks writes the chunk rows insertChunk holds.
func (w *writer) flushChunks() error {
	n := len(w.chunks) / 6
	if n == 0 {
		return nil
	}
	name := "chunks"
	if n != chunkRows {
		name = "chunks" + strconv.Itoa(n)
	}
	st, ok := w.stmts[name]
	if !ok {
		q := `INSERT INTO chunks(id, file_id, line_start, line_end, heading, text) VALUES(?, ?, ?, ?, ?, ?)` +
			strings.Repeat(`, (?, ?, ?, ?, ?, ?)`, n-1)
		var err error
		if st, err = w.tx.PrepareContext(w.ctx, q); err != nil {
			return fmt.Errorf("memory: prepare the chunk rows: %w", err)
		}
		w.stmts[name] = st
	}
	_, err := st.ExecContext(w.ctx, w.chunks...)
	w.chunks = w.chunks[:0]
	if err != nil {
		return fmt.Errorf("memory: write the index (chunks): %w", err)
	}
	return nil
}

// ftsInsert indexes every chunk with an id above after, in one statement
// per FTS table so that FTS5 builds large segments. cjk holds, in insertion
// order, each new chunk's unspaced-script runs ("" for none).
func (w *writer) ftsInsert(after int64, cjk []string) error {
	if err := w.exec("ftsIns", after); err != nil {
		return err
	}
	var pairs [][2]any
	for i, c := range cjk {
		if c != "" {
			pairs = append(pairs, [2]any{i, c})
		}
	}
	if len(pairs) == 0 {
		return nil
	}
	st, err := w.stmt("newIDs")
	if err != nil {
		return err
	}
	rows, err := st.QueryContext(w.ctx, after)
	if err != nil {
		return fmt.Errorf("memory: read the index: %w", err)
	}
	ids := make([]int64, 0, len(cjk))
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(ids) != len(cjk) {
		return fmt.Errorf("memory: the index changed while it was written (%d new chunks, expected %d); run 'localgpt memory reindex --force'", len(ids), len(cjk))
	}
	for i := range pairs {
		pairs[i][0] = ids[pairs[i][0].(int)]
	}
	data, err := json.Marshal(pairs)
	if err != nil {
		return err
	}
	return w.exec("cjkIns", string(data))
}

func (w *writer) setMeta(key, value string) error { return w.exec("meta", key, value) }
