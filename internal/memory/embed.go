package memory

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/localgpt-go/localgpt/internal/keylock"
)

// Embedder computes the vectors of semantic search. The composition root
// adapts the configured provider (assistant.Root).
type Embedder interface {
	// Embed returns one vector per text, in order, all of one size. The
	// embedding pass calls it with up to Options.EmbedBatch texts, one
	// call at a time; it may retry.
	Embed(ctx context.Context, texts []string) ([][]float32, error)
	// EmbedNow is Embed for someone waiting (a search's query, its
	// catch-up): it should try once and fail fast, and the search then
	// ranks by words alone, and says so.
	EmbedNow(ctx context.Context, texts []string) ([][]float32, error)
}

// ErrNoEmbeddings is returned by Embed, and by Find for the vector and
// hybrid modes, when the store has no Embedder.
var ErrNoEmbeddings = errors.New("memory: semantic search is off; turn it on with `localgpt config set memory.embeddings.enabled true` (docs/memory.md)")

// DefaultEmbedBatch is how many chunks one Embed call takes unless
// Options.EmbedBatch says otherwise.
const DefaultEmbedBatch = 32

// vector_meta keys.
const (
	vmModel   = "model"      // Options.EmbedModel of the vectors
	vmDims    = "dims"       // their size
	vmVersion = "version"    // bumped by every change to the links
	vmError   = "last_error" // "RFC3339 time\tmessage" of the last failed pass
	vmDone    = "last_pass"  // RFC3339 time of the last complete pass
)

// EmbedStats summarises one embedding pass.
type EmbedStats struct {
	// Model is the model the vectors are of (Options.EmbedModel).
	Model string `json:"model"`
	// Embedded chunks got a vector from the model now; Reused ones were
	// linked to the vector of the same text (a rebuild, an edit that
	// left them, a copy).
	Embedded int `json:"embedded"`
	Reused   int `json:"reused"`
	// Requests is how many Embed calls were made.
	Requests int `json:"requests"`
	// Covered chunks of Chunks have a vector after the pass.
	Covered int `json:"covered"`
	Chunks  int `json:"chunks"`
	// Replaced names the model (with its size) whose vectors were dropped
	// because the configured model changed; "" when none were.
	Replaced string `json:"replaced,omitempty"`
	// Busy: another process (the daemon) was embedding, so this pass did
	// nothing; it embeds the rest.
	Busy bool `json:"busy,omitempty"`
	// Skipped: more chunks were waiting than EmbedOptions.Max allowed.
	Skipped  bool          `json:"skipped,omitempty"`
	Duration time.Duration `json:"duration_ns"`
}

// EmbedOptions tune one pass.
type EmbedOptions struct {
	// Progress, if not nil, is called as chunks are done.
	Progress func(done, total int)
	// Wait waits for another process's pass to end instead of returning
	// at once with Busy.
	Wait bool
	// Max, when above 0, does nothing (Skipped) if more chunks than Max
	// wait: a search's catch-up, bounded to one request, which is tried
	// once (Embedder.EmbedNow).
	Max int
}

// Embeddings reports whether the store computes vectors (has an Embedder).
func (s *Store) Embeddings() bool { return s.opts.Embedder != nil }

// Embed computes the vectors of the chunks that have none: the texts
// already embedded (by hash) are linked without a model call, the others
// are sent in batches of Options.EmbedBatch, one request at a time, and
// each batch is committed with its links, so a pass that is killed or
// fails keeps what it did and the next one resumes. A change of the
// configured model (or of the size of its vectors) drops the old vectors
// first (EmbedStats.Replaced). One pass runs at a time across processes;
// a failure is recorded for Stats until a pass succeeds.
func (s *Store) Embed(ctx context.Context, o EmbedOptions) (EmbedStats, error) {
	st := EmbedStats{Model: s.opts.EmbedModel}
	if s.opts.Embedder == nil {
		return st, ErrNoEmbeddings
	}
	s.embedMu.Lock()
	defer s.embedMu.Unlock()
	lock, err := s.lockEmbed(ctx, o.Wait)
	if errors.Is(err, keylock.ErrLocked) {
		st.Busy = true
		return st, nil
	}
	if err != nil {
		return st, err
	}
	defer lock.Unlock()
	start := time.Now()
	for range 3 { // a rebuild swapped in, or the vectors' size changed: again
		err = s.withIndex(ctx, func(ix *index) error { return s.embedPass(ctx, ix, o, &st) })
		if !errors.Is(err, errReplaced) {
			break
		}
	}
	st.Duration = time.Since(start)
	if err != nil && ctx.Err() == nil {
		s.recordEmbed(context.WithoutCancel(ctx), err)
	}
	return st, err
}

// errReplaced: the index was replaced (a rebuild swapped in) during a
// pass, which goes on with the new one.
var errReplaced = errors.New("memory: the index was replaced")

// lockEmbed takes the lock that lets one process at a time embed.
func (s *Store) lockEmbed(ctx context.Context, wait bool) (*keylock.File, error) {
	path := s.opts.IndexPath + ".embed.lock"
	for {
		l, err := keylock.TryLockFile(path)
		if err == nil || !wait || !errors.Is(err, keylock.ErrLocked) {
			return l, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// recordEmbed keeps the error of a failed pass for Stats (and other
// processes' stats).
func (s *Store) recordEmbed(ctx context.Context, cause error) {
	ix, err := s.index(ctx)
	if err != nil {
		return
	}
	defer ix.release()
	msg := time.Now().UTC().Format(time.RFC3339) + "\t" + cause.Error()
	if _, err := ix.w.ExecContext(ctx, `INSERT OR REPLACE INTO vector_meta(key, value) VALUES(?, ?)`, vmError, msg); err != nil {
		s.log.Warn("memory: embedding error not recorded", "err", err)
	}
}

// pending is a chunk without a vector.
type pending struct {
	id    int64
	input string
	hash  []byte
}

func (s *Store) embedPass(ctx context.Context, ix *index, o EmbedOptions, st *EmbedStats) error {
	if o.Max > 0 { // a catch-up never replaces the vectors of another model
		model, _, n, err := vectorModel(ctx, ix.w)
		if err != nil {
			return err
		}
		if model != s.opts.EmbedModel && (model != "" || n > 0) {
			st.Skipped = true
			return s.coverage(ctx, ix, st)
		}
	}
	replaced, err := s.checkModel(ctx, ix.w, "")
	if err != nil {
		return err
	}
	if replaced != "" {
		st.Replaced = replaced
	}
	ids, err := pendingIDs(ctx, ix.w)
	if err != nil {
		return err
	}
	if o.Max > 0 && len(ids) > o.Max {
		st.Skipped = true
		return s.coverage(ctx, ix, st)
	}
	total, done := len(ids), 0
	if o.Progress != nil {
		o.Progress(0, total)
	}
	// The model's calls run one ahead of the writes: while a batch is
	// stored, the next one is being embedded, so that the model sets the
	// pace. There is never more than one call in flight.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan embedJob, 1)
	go s.embedAhead(ctx, ix, ids, o.Max > 0, jobs)
	for j := range jobs {
		if j.err != nil {
			return j.err
		}
		st.Requests += j.requests
		if j.vecs != nil {
			replaced, err := s.checkModel(ctx, ix.w, strconv.Itoa(len(j.vecs[0])))
			if err != nil {
				return err
			}
			if replaced != "" { // the same model answers another size: start again
				st.Replaced = replaced
				return errReplaced
			}
		}
		reused, embedded, err := storeJob(ctx, ix.w, j)
		if err != nil {
			return err
		}
		st.Reused += reused
		st.Embedded += embedded
		done += j.chunks
		if o.Progress != nil {
			o.Progress(done, total)
		}
	}
	if err := gcVectors(ctx, ix.w); err != nil {
		return err
	}
	if _, err := ix.w.ExecContext(ctx, `INSERT OR REPLACE INTO vector_meta(key, value) VALUES(?, ?), (?, '')`,
		vmDone, time.Now().UTC().Format(time.RFC3339), vmError); err != nil {
		return fmt.Errorf("memory: write the index: %w", diskFull(err))
	}
	return s.coverage(ctx, ix, st)
}

// coverage fills in how many chunks have a vector.
func (s *Store) coverage(ctx context.Context, ix *index, st *EmbedStats) error {
	err := ix.w.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM chunk_vectors), (SELECT count(*) FROM chunks)`).Scan(&st.Covered, &st.Chunks)
	if err != nil {
		return fmt.Errorf("memory: read the index: %w", err)
	}
	return nil
}

// checkModel makes the index's vectors those of the configured model:
// vectors of another model (or of another size, when dims is not "") are
// dropped, in one transaction. It returns what was dropped ("" if
// nothing).
func (s *Store) checkModel(ctx context.Context, db *sql.DB, dims string) (string, error) {
	want := s.opts.EmbedModel
	model, have, n, err := vectorModel(ctx, db)
	if err != nil {
		return "", err
	}
	sameModel := model == want
	sameDims := dims == "" || have == "" || have == dims
	if sameModel && sameDims && (model != "" || n == 0) {
		if dims != "" && have == "" {
			_, err := db.ExecContext(ctx, `INSERT OR REPLACE INTO vector_meta(key, value) VALUES(?, ?)`, vmDims, dims)
			return "", diskFull(err)
		}
		return "", nil
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("memory: start writing the index: %w", diskFull(err))
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM chunk_vectors; DELETE FROM vectors;
		DELETE FROM vector_meta WHERE key IN (?, ?);
		INSERT OR REPLACE INTO vector_meta(key, value) VALUES(?, ?), (?, ?)`,
		vmDims, vmError, vmModel, want, vmVersion, strconv.FormatInt(time.Now().UnixNano(), 10)); err != nil {
		return "", fmt.Errorf("memory: drop the old vectors: %w", diskFull(err))
	}
	if dims != "" {
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO vector_meta(key, value) VALUES(?, ?)`, vmDims, dims); err != nil {
			return "", err
		}
	}
	if err := tx.Commit(); err != nil {
		return "", fmt.Errorf("memory: drop the old vectors: %w", diskFull(err))
	}
	if n == 0 {
		return "", nil
	}
	old := model
	if old == "" {
		old = "an unknown model"
	}
	if have != "" {
		old += " (" + have + " dimensions)"
	}
	s.log.Info("memory: embedding model changed; re-embedding every chunk", "old", old, "new", want)
	return old, nil
}

// vectorModel reads the model and size of the index's vectors, and how
// many there are.
func vectorModel(ctx context.Context, db *sql.DB) (model, dims string, n int, err error) {
	err = db.QueryRowContext(ctx, `SELECT coalesce((SELECT value FROM vector_meta WHERE key = ?), ''),
		coalesce((SELECT value FROM vector_meta WHERE key = ?), ''), (SELECT count(*) FROM vectors)`, vmModel, vmDims).Scan(&model, &dims, &n)
	if err != nil {
		err = fmt.Errorf("memory: read the index: %w", err)
	}
	return model, dims, n, err
}

// pendingIDs lists the chunks without a vector, in id order. It reads
// the chunks' index by file, not their text.
func pendingIDs(ctx context.Context, db *sql.DB) ([]int64, error) {
	rows, err := db.QueryContext(ctx, `SELECT c.id FROM chunks c INDEXED BY chunks_file
		WHERE NOT EXISTS (SELECT 1 FROM chunk_vectors m WHERE m.chunk_id = c.id)`)
	if err != nil {
		return nil, fmt.Errorf("memory: read the index: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids, rows.Err()
}

// readPending reads the text of chunks (those still there) and hashes it.
func readPending(ctx context.Context, db *sql.DB, ids []int64) ([]pending, error) {
	js, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT id, heading, text FROM chunks WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`, string(js))
	if err != nil {
		return nil, fmt.Errorf("memory: read the index: %w", err)
	}
	defer rows.Close()
	out := make([]pending, 0, len(ids))
	for rows.Next() {
		var p pending
		var heading, text string
		if err := rows.Scan(&p.id, &heading, &text); err != nil {
			return nil, err
		}
		p.input = embedText(heading, text)
		p.hash = textHash(p.input)
		out = append(out, p)
	}
	return out, rows.Err()
}

// splitKnown looks up which chunks' text has a vector already: it
// returns their links, and the others, one entry per distinct text (with
// every chunk that has it).
func splitKnown(ctx context.Context, db *sql.DB, chunks []pending) ([]link, [][]pending, error) {
	hashes := make([]string, 0, len(chunks))
	for _, c := range chunks {
		hashes = append(hashes, hex.EncodeToString(c.hash))
	}
	js, err := json.Marshal(hashes)
	if err != nil {
		return nil, nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT id, hash FROM vectors WHERE hash IN (SELECT unhex(value) FROM json_each(?))`, string(js))
	if err != nil {
		return nil, nil, fmt.Errorf("memory: read the index: %w", err)
	}
	known := map[string]int64{}
	for rows.Next() {
		var id int64
		var h []byte
		if err := rows.Scan(&id, &h); err != nil {
			rows.Close()
			return nil, nil, err
		}
		known[string(h)] = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	var links []link
	var missing [][]pending
	byHash := map[string]int{}
	for _, c := range chunks {
		if id, ok := known[string(c.hash)]; ok {
			links = append(links, link{c, id})
			continue
		}
		if i, ok := byHash[string(c.hash)]; ok {
			missing[i] = append(missing[i], c)
			continue
		}
		byHash[string(c.hash)] = len(missing)
		missing = append(missing, []pending{c})
	}
	return links, missing, nil
}

// link ties a chunk, as it was read, to a vector.
type link struct {
	c      pending
	vector int64
}

// writeLinks links chunks to vectors in tx, skipping the chunks whose text
// changed since they were read (or that are gone: a later chunk may have
// taken the id), and bumps the vectors' version. It returns how many it
// linked.
func writeLinks(ctx context.Context, tx *sql.Tx, links []link) (int, error) {
	ids := make([]int64, len(links))
	for i, l := range links {
		ids[i] = l.c.id
	}
	js, err := json.Marshal(ids)
	if err != nil {
		return 0, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, heading, text FROM chunks WHERE id IN (SELECT value FROM json_each(?))`, string(js))
	if err != nil {
		return 0, fmt.Errorf("memory: read the index: %w", err)
	}
	now := map[int64][]byte{}
	for rows.Next() {
		var id int64
		var heading, text string
		if err := rows.Scan(&id, &heading, &text); err != nil {
			rows.Close()
			return 0, err
		}
		now[id] = textHash(embedText(heading, text))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	var pairs [][2]int64
	for _, l := range links {
		if h, ok := now[l.c.id]; ok && bytes.Equal(h, l.c.hash) {
			pairs = append(pairs, [2]int64{l.c.id, l.vector})
		}
	}
	if len(pairs) == 0 {
		return 0, nil
	}
	data, err := json.Marshal(pairs)
	if err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO chunk_vectors(chunk_id, vector_id)
		SELECT value->>0, value->>1 FROM json_each(?)`, string(data)); err != nil {
		return 0, fmt.Errorf("memory: write the index (vector links): %w", diskFull(err))
	}
	if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO vector_meta(key, value) VALUES(?, ?)`,
		vmVersion, strconv.FormatInt(time.Now().UnixNano(), 10)); err != nil {
		return 0, fmt.Errorf("memory: write the index: %w", diskFull(err))
	}
	return len(pairs), nil
}

// embedJob is what embedAhead hands to the writer: links to vectors
// stored before, and one batch of new vectors (texts[i] gets vecs[i]).
type embedJob struct {
	known    []link
	texts    [][]pending // each a distinct text, with every chunk of it
	vecs     [][]float32
	chunks   int // how many pending chunks the job accounts for
	requests int
	err      error
}

// embedAhead reads the chunks of ids page by page, finds those whose text
// has a vector already, embeds the others a batch at a time, and sends
// each batch (with the page's known links) to jobs, which it closes.
func (s *Store) embedAhead(ctx context.Context, ix *index, ids []int64, now bool, jobs chan<- embedJob) {
	defer close(jobs)
	send := func(j embedJob) bool {
		select {
		case jobs <- j:
			return true
		case <-ctx.Done():
			return false
		}
	}
	embed := s.opts.Embedder.Embed
	if now {
		embed = s.opts.Embedder.EmbedNow
	}
	batch := max(s.opts.EmbedBatch, 1)
	page := max(8*batch, 256)
	for len(ids) > 0 {
		if !ix.current(s.opts.IndexPath) {
			send(embedJob{err: errReplaced})
			return
		}
		n := min(page, len(ids))
		chunks, err := readPending(ctx, ix.r, ids[:n])
		ids = ids[n:]
		if err != nil {
			send(embedJob{err: err})
			return
		}
		known, missing, err := splitKnown(ctx, ix.r, chunks)
		if err != nil {
			send(embedJob{err: err})
			return
		}
		j := embedJob{known: known, chunks: len(known) + n - len(chunks)} // chunks gone meanwhile count as done
		for len(missing) > 0 || j.known != nil {
			k := min(batch, len(missing))
			if k > 0 {
				j.texts = missing[:k]
				inputs := make([]string, k)
				for i, t := range j.texts {
					inputs[i] = t[0].input
					j.chunks += len(t)
				}
				j.requests = 1
				j.vecs, err = embed(ctx, inputs)
				if err == nil && (len(j.vecs) != k || len(j.vecs[0]) == 0) {
					err = fmt.Errorf("%d vectors for %d texts", len(j.vecs), k)
				}
				if err != nil {
					send(embedJob{err: fmt.Errorf("memory: embed chunks with %s: %w", s.opts.EmbedModel, err)})
					return
				}
				missing = missing[k:]
			}
			if !send(j) {
				return
			}
			j = embedJob{}
		}
	}
}

// storeJob stores a job's vectors and links in one transaction; it
// returns how many chunks it linked to known vectors and to new ones.
func storeJob(ctx context.Context, db *sql.DB, j embedJob) (reused, embedded int, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("memory: start writing the index: %w", diskFull(err))
	}
	defer tx.Rollback()
	links := j.known
	if len(j.texts) > 0 {
		ins, err := tx.PrepareContext(ctx, `INSERT INTO vectors(hash, vec) VALUES(?, ?)
			ON CONFLICT(hash) DO UPDATE SET vec = excluded.vec RETURNING id`)
		if err != nil {
			return 0, 0, fmt.Errorf("memory: write the index (vectors): %w", diskFull(err))
		}
		defer ins.Close()
		for i, t := range j.texts {
			var id int64
			if err := ins.QueryRowContext(ctx, t[0].hash, encodeVec(j.vecs[i])).Scan(&id); err != nil {
				return 0, 0, fmt.Errorf("memory: write the index (vectors): %w", diskFull(err))
			}
			for _, c := range t {
				links = append(links, link{c, id})
			}
		}
	}
	if len(links) == 0 {
		return 0, 0, nil
	}
	linked, err := writeLinks(ctx, tx, links)
	if err != nil {
		return 0, 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, 0, fmt.Errorf("memory: commit to the index: %w", diskFull(err))
	}
	// Chunks changed meanwhile are not linked; they wait for the next pass.
	reused = min(len(j.known), linked)
	return reused, linked - reused, nil
}

// gcVectors deletes the vectors no chunk links to any more, once a pass
// had the chance to link them again (an edited file's unchanged chunks).
func gcVectors(ctx context.Context, db *sql.DB) error {
	var stored, used int
	if err := db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM vectors), (SELECT count(DISTINCT vector_id) FROM chunk_vectors)`).Scan(&stored, &used); err != nil {
		return fmt.Errorf("memory: read the index: %w", err)
	}
	if stored == used {
		return nil
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM vectors WHERE id NOT IN (SELECT vector_id FROM chunk_vectors)`); err != nil {
		return fmt.Errorf("memory: drop unused vectors: %w", diskFull(err))
	}
	return nil
}

// carryVectors copies the vectors of the index being replaced (old) into
// the rebuilt database gen before it is swapped in, and links its chunks
// to them by text: a rebuild re-embeds only the text that changed. Only
// vectors of the configured model are carried. A failure costs only
// model calls (the next pass embeds again), so it is logged, not returned.
func (s *Store) carryVectors(ctx context.Context, old *index, gen string) {
	if s.opts.Embedder == nil {
		return
	}
	if err := s.carry(ctx, old, gen); err != nil {
		s.log.Warn("memory: vectors not carried into the rebuilt index; they are computed again", "err", err)
	}
}

func (s *Store) carry(ctx context.Context, old *index, gen string) error {
	var model string
	err := old.r.QueryRowContext(ctx, `SELECT coalesce((SELECT value FROM vector_meta WHERE key = ?), '')`, vmModel).Scan(&model)
	if err != nil || model != s.opts.EmbedModel {
		return err
	}
	db, err := sql.Open("sqlite", dsn(gen, writerCacheKB, ""))
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	ins, err := tx.PrepareContext(ctx, `INSERT INTO vectors(hash, vec) VALUES(?, ?) ON CONFLICT(hash) DO NOTHING`)
	if err != nil {
		return err
	}
	rows, err := old.r.QueryContext(ctx, `SELECT hash, vec FROM vectors`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var h, v sql.RawBytes
		if err := rows.Scan(&h, &v); err != nil {
			rows.Close()
			return err
		}
		if _, err := ins.ExecContext(ctx, []byte(h), []byte(v)); err != nil {
			rows.Close()
			return err
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO vector_meta(key, value) VALUES(?, ?)`, vmModel, model); err != nil {
		return err
	}
	var dims string
	if err := old.r.QueryRowContext(ctx, `SELECT coalesce((SELECT value FROM vector_meta WHERE key = ?), '')`, vmDims).Scan(&dims); err != nil {
		return err
	}
	if dims != "" {
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO vector_meta(key, value) VALUES(?, ?)`, vmDims, dims); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	return linkAll(ctx, db)
}

// linkAll links every chunk without a vector whose text has one.
func linkAll(ctx context.Context, db *sql.DB) error {
	ids, err := pendingIDs(ctx, db)
	if err != nil {
		return err
	}
	for len(ids) > 0 {
		n := min(1000, len(ids))
		chunks, err := readPending(ctx, db, ids[:n])
		if err != nil {
			return err
		}
		ids = ids[n:]
		known, _, err := splitKnown(ctx, db, chunks)
		if err != nil {
			return err
		}
		if _, _, err := storeJob(ctx, db, embedJob{known: known}); err != nil {
			return err
		}
	}
	return nil
}

// CatchUp embeds the chunks without a vector when they fit in one request
// (Options.EmbedBatch) and no other process is embedding: what a search
// does first where no daemon keeps the vectors current, so a note added
// a moment ago is found by meaning too. More waiting chunks are left to
// the daemon or `memory reindex` (the search then says how many lack a
// vector). Without an Embedder it does nothing.
func (s *Store) CatchUp(ctx context.Context) (EmbedStats, error) {
	if s.opts.Embedder == nil {
		return EmbedStats{}, nil
	}
	return s.Embed(ctx, EmbedOptions{Max: s.opts.EmbedBatch})
}
