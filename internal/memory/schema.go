package memory

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// SchemaVersion is the index layout this build writes, kept in
// PRAGMA user_version. An index with a lower version is migrated; one with
// a higher version (written by a newer LocalGPT) or an unreadable one is
// rebuilt from the markdown.
const SchemaVersion = 3

// schemaV1 creates the whole index. files has one row per markdown file
// seen (skipped ones included, with a note, so they are not read again
// until they change); chunks holds the text; chunks_fts is an
// external-content FTS5 table over it (words, diacritics removed, BM25 with
// headings weighted double). chunks_cjk is a contentless trigram table of
// the runs of text written without spaces between words (Chinese, Japanese,
// Korean, Thai...), which unicode61 cannot split into words: a trigram
// index of all text was measured at less than half the indexing speed, so
// only those runs get one, and substrings of Latin text are found by a
// LIKE scan when nothing else matches (see search.go). The writer keeps them in step with
// explicit statements rather than triggers: FTS5 flushes its pending terms
// at every statement savepoint, which a trigger opens for each row, and
// that made bulk indexing ten times slower.
const schemaV1 = `
CREATE TABLE files(
	id         INTEGER PRIMARY KEY,
	path       TEXT NOT NULL UNIQUE,
	mtime      INTEGER NOT NULL,
	size       INTEGER NOT NULL,
	hash       BLOB NOT NULL,
	day        INTEGER,
	note       TEXT NOT NULL DEFAULT '',
	indexed_at INTEGER NOT NULL
);
CREATE TABLE chunks(
	id         INTEGER PRIMARY KEY,
	file_id    INTEGER NOT NULL,
	line_start INTEGER NOT NULL,
	line_end   INTEGER NOT NULL,
	heading    TEXT NOT NULL,
	text       TEXT NOT NULL
);
CREATE INDEX chunks_file ON chunks(file_id);
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE VIRTUAL TABLE chunks_fts USING fts5(
	heading, text, content='chunks', content_rowid='id',
	tokenize='unicode61 remove_diacritics 2');
INSERT INTO chunks_fts(chunks_fts, rank) VALUES('rank', 'bm25(2.0, 1.0)');
INSERT INTO chunks_fts(chunks_fts, rank) VALUES('hashsize', 8388608);
CREATE VIRTUAL TABLE chunks_cjk USING fts5(
	text, content='', contentless_delete=1, tokenize='trigram');
`

// schemaV2 records the modification time of every folder listed by the
// last whole check, so that the freshness check before a search need only
// list the folders that changed, and indexes files by time for the files
// edited since (fresh.go).
const schemaV2 = `
CREATE TABLE dirs(path TEXT PRIMARY KEY, mtime INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX files_mtime ON files(mtime);
`

// schemaV3 holds the embeddings of semantic search (vectors.go): vectors
// are stored once per distinct text, by its hash, so that a rebuild or an
// edit that keeps a chunk's text keeps its vector; chunk_vectors links each
// chunk to its vector (a chunk without a row has none yet); vector_meta
// says which model made them. vectors and vector_meta outlive a rebuild
// in place (dropSchema leaves them), so they are created only if missing.
const schemaV3 = `
CREATE TABLE IF NOT EXISTS vectors(id INTEGER PRIMARY KEY, hash BLOB NOT NULL UNIQUE, vec BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS vector_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE chunk_vectors(chunk_id INTEGER PRIMARY KEY, vector_id INTEGER NOT NULL);
`

// migration returns the SQL that upgrades an index from version v to v+1.
// Version 0 is an empty database.
func migration(v int) string {
	switch v {
	case 0:
		return schemaV1
	case 1:
		return schemaV2
	case 2:
		return schemaV3
	}
	return ""
}

// fullSchema is the SQL of every migration, from an empty database to
// SchemaVersion.
func fullSchema() string {
	var b strings.Builder
	for v := range SchemaVersion {
		b.WriteString(migration(v))
	}
	return b.String()
}

// dropSchema drops every table of the index (for fullSchema to recreate)
// but the embeddings, which a rebuild keeps: they are keyed by text, not by
// chunk, and cost a model call each to make again.
const dropSchema = `DROP TABLE IF EXISTS chunks_fts; DROP TABLE IF EXISTS chunks_cjk;
DROP TABLE IF EXISTS chunks; DROP TABLE IF EXISTS files; DROP TABLE IF EXISTS meta; DROP TABLE IF EXISTS dirs;
DROP TABLE IF EXISTS chunk_vectors;`

// migrate brings the schema to SchemaVersion. It reports errUnknownVersion
// for an index from a newer build.
func migrate(ctx context.Context, db *sql.DB) error {
	var v int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return err
	}
	if v > SchemaVersion {
		return fmt.Errorf("%w: the index has schema version %d, this build knows %d", errUnknownVersion, v, SchemaVersion)
	}
	for v < SchemaVersion {
		if err := migrateStep(ctx, db); err != nil {
			return err
		}
		if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
			return err
		}
	}
	return nil
}

// migrateStep applies one migration in a write transaction, re-reading the
// version inside it: another process may have migrated meanwhile.
func migrateStep(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return err
	}
	if v >= SchemaVersion {
		return nil
	}
	if _, err := tx.ExecContext(ctx, migration(v)); err != nil {
		return fmt.Errorf("migrate index to version %d: %w", v+1, err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
		return err
	}
	return tx.Commit()
}
