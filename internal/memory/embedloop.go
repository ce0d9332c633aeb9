package memory

import (
	"context"
	"log/slog"
	"time"
)

// Backoff of RunEmbedder after a failed pass: from embedRetryMin,
// doubling, up to embedRetryMax; a write to the index retries at once.
const (
	embedRetryMin = 30 * time.Second
	embedRetryMax = 10 * time.Minute
)

// RunEmbedder keeps the vectors of s up to date until ctx is done: it runs
// an embedding pass at once, then after every write this process makes to
// the index (the watcher's updates, memory_save, reindexes), and after a
// failure again later (30 s, doubling up to 10 min), logging each failure
// once. Another process's pass (a CLI reindex) is waited for. The daemon
// runs it next to the watcher; it returns at once without an Embedder.
func RunEmbedder(ctx context.Context, s *Store, log *slog.Logger) {
	if s.kick == nil {
		return
	}
	if log == nil {
		log = s.log
	}
	wait := time.Duration(0)
	lastErr := ""
	for {
		st, err := s.Embed(ctx, EmbedOptions{Wait: true})
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			if err.Error() != lastErr {
				log.Warn("memory: embedding failed; search ranks by words alone for the chunks without vectors", "err", err, "retry_in", max(wait*2, embedRetryMin))
				lastErr = err.Error()
			}
			wait = min(max(wait*2, embedRetryMin), embedRetryMax)
		default:
			if lastErr != "" {
				log.Info("memory: embedding works again")
			}
			lastErr, wait = "", 0
			if st.Embedded+st.Reused > 0 || st.Replaced != "" {
				log.Info("memory: chunks embedded", "model", st.Model, "embedded", st.Embedded, "reused", st.Reused,
					"covered", st.Covered, "chunks", st.Chunks, "replaced", st.Replaced, "duration", st.Duration.Round(time.Millisecond))
			}
		}
		var retry <-chan time.Time
		var t *time.Timer
		if wait > 0 {
			t = time.NewTimer(wait)
			retry = t.C
		}
		select {
		case <-ctx.Done():
		case <-s.kick:
		case <-retry:
		}
		if t != nil {
			t.Stop()
		}
	}
}

// changed tells RunEmbedder when a write of this process changed chunks.
func (s *Store) changed(st IndexStats) {
	if s.kick == nil || st.Indexed+st.Removed == 0 {
		return
	}
	select {
	case s.kick <- struct{}{}:
	default:
	}
}
