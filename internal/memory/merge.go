package memory

import (
	"context"
	"log/slog"
	"time"
)

// FTS5 keeps the full-text index as a set of segments (b-trees), and every
// query visits each of them for each term: a prefix term ("deploy*")
// merges the doclists of all its terms in all segments, and BM25 does so
// once more for its statistics. A full rebuild leaves several large
// segments (FTS5 writes one each time its 8 MB term hash fills: five for
// the 3,000-note, 29.5 MB benchmark corpus); merged into one, a search of
// that corpus costs about a fifth less CPU (docs/benchmarks.md). The merge
// itself costs about 0.35 s of CPU there, which the rebuild does not pay
// (its target is under a second, and a CLI process would wait for it):
// the daemon's watcher merges when it starts and after each rebuild it
// sees (Watch), between its updates. The small segments that incremental
// updates add are left to FTS5's automerge, which keeps them few.

// mergeAbove: an index with more segments than this is merged into one
// when the watcher starts or sees a rebuild. Below it, merging would
// rewrite the whole index for little.
const mergeAbove = 2

// mergeSegments merges the segments of chunks_fts into one when there are
// more than mergeAbove, in one write transaction (readers go on with the
// snapshot they have). It gives back the write-ahead log the merge grew,
// when no reader holds it. Cancelling ctx abandons the merge, leaving the
// index as it was.
func (s *Store) mergeSegments(ctx context.Context, log *slog.Logger) {
	err := s.withIndex(ctx, func(ix *index) error {
		s.writeMu.Lock()
		defer s.writeMu.Unlock()
		var n int
		if err := ix.w.QueryRowContext(ctx, `SELECT count(DISTINCT segid) FROM chunks_fts_idx`).Scan(&n); err != nil {
			return err
		}
		if n <= mergeAbove {
			return nil
		}
		start := time.Now()
		if _, err := ix.w.ExecContext(ctx, `INSERT INTO chunks_fts(chunks_fts) VALUES('optimize')`); err != nil {
			return err
		}
		// Best effort: a reader may hold the log. The merge filled the
		// writer's page cache (8 MB), which an idle daemon need not keep.
		ix.w.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
		ix.w.ExecContext(ctx, `PRAGMA shrink_memory`)
		log.Debug("memory: index segments merged", "segments", n, "took", time.Since(start))
		return nil
	})
	if err != nil && ctx.Err() == nil {
		log.Warn("memory: merging the index segments failed (searches stay correct, only slower)", "err", err)
	}
}

// noteRebuilt tells the watcher that the index was rebuilt (here or by
// another process), so that it merges the new index's segments.
func (s *Store) noteRebuilt() {
	select {
	case s.rebuilt <- struct{}{}:
	default: // one is pending already
	}
}
