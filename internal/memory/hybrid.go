package memory

import (
	"container/list"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"time"
)

// Mode says how Find ranks.
type Mode string

// Search modes.
const (
	// ModeText ranks by the words (BM25), as Search does.
	ModeText Mode = "text"
	// ModeVector ranks by meaning alone: cosine to the query's vector.
	ModeVector Mode = "vector"
	// ModeHybrid fuses both rankings (reciprocal rank fusion).
	ModeHybrid Mode = "hybrid"
)

// ParseMode checks a mode given by a user; "" is the default (hybrid when
// embeddings are on, else text).
func ParseMode(s string) (Mode, error) {
	switch m := Mode(strings.ToLower(strings.TrimSpace(s))); m {
	case "", ModeText, ModeVector, ModeHybrid:
		return m, nil
	}
	return "", fmt.Errorf("unknown search mode %q: use text, vector or hybrid", s)
}

// ErrNoVectors is returned by Find in vector mode when the index has no
// vectors of the configured model yet.
var ErrNoVectors = errors.New("vector search is not possible")

// FindOptions say how to search.
type FindOptions struct {
	// Limit is the most results; 0 means 10.
	Limit int
	// Mode is how to rank; "" means hybrid when the store has an
	// Embedder, text otherwise.
	Mode Mode
}

// Found is what Find returns.
type Found struct {
	Results []Result `json:"results"`
	// Mode is how the results were ranked: text when vectors could not be
	// used, even if hybrid was asked for.
	Mode Mode `json:"mode"`
	// TextOnly says, when not empty, which chunks could only be found by
	// their words and why: "text only: the embedding model did not
	// answer (…)", or "text only for 12 of 300 chunks: …". It is never
	// silent: callers show it with the results.
	TextOnly string `json:"text_only,omitempty"`
	// Embedded of Chunks have a vector (both 0 without embeddings).
	Embedded int `json:"embedded"`
	Chunks   int `json:"chunks"`
}

// Fusion and diversity. rrfK is the usual constant of reciprocal rank
// fusion (a document's score is Σ 1/(k + rank) over the rankings it is
// in): it lets agreement between the rankings outweigh a single top place.
// The fused score is divided by its maximum, 2/(k+1), so that it is in
// 0..1 like BM25's. mmrLambda weighs relevance against novelty in the
// diversity pass (maximal marginal relevance): a candidate's value is
// λ·score − (1−λ)·(its highest cosine to a result already chosen), so
// five near-identical chunks do not fill the top five.
const (
	rrfK      = 60
	mmrLambda = 0.7
	// queryTimeout bounds the query's embedding: the search then ranks by
	// words, and says so.
	queryTimeout = 15 * time.Second
	// queryCacheSize is how many query vectors are kept.
	queryCacheSize = 64
)

// Find searches as o says: by words (Search), by meaning, or both fused.
// When vectors cannot be used (no vector yet, another model's, the
// embedding model unreachable) a hybrid search ranks by words alone and
// Found.TextOnly says why; a vector search fails instead. Without an
// Embedder, Find is Search.
func (s *Store) Find(ctx context.Context, query string, o FindOptions) (Found, error) {
	limit := o.Limit
	if limit <= 0 {
		limit = 10
	}
	mode := o.Mode
	if mode == "" {
		mode = ModeText
		if s.opts.Embedder != nil {
			mode = ModeHybrid
		}
	}
	if mode == ModeText {
		rs, err := s.Search(ctx, query, limit)
		return Found{Results: rs, Mode: ModeText}, err
	}
	if mode != ModeVector && mode != ModeHybrid {
		return Found{}, fmt.Errorf("memory: unknown search mode %q", mode)
	}
	if s.opts.Embedder == nil {
		return Found{}, ErrNoEmbeddings
	}
	terms, _ := parseQuery(query)
	if len(terms) == 0 {
		return Found{}, ErrEmptyQuery
	}
	var f Found
	err := s.withIndex(ctx, func(ix *index) error {
		var err error
		f, err = s.find(ctx, ix, query, terms, limit, mode)
		return err
	})
	if err != nil {
		return Found{}, fmt.Errorf("memory: search: %w", err)
	}
	return f, nil
}

// hit is a candidate of a hybrid search.
type hit struct {
	candidate
	row      int     // in the vecSet, -1 without a vector
	textRank int     // 1-based, 0 when the words did not find it
	vecRank  int     // 1-based, 0 when its vector is not among the nearest
	cos      float64 // to the query, when vecRank > 0
}

func (s *Store) find(ctx context.Context, ix *index, query string, terms []term, limit int, mode Mode) (Found, error) {
	set, err := s.vecs.get(ctx, ix)
	if err != nil {
		return Found{}, err
	}
	f := Found{Mode: mode, Embedded: len(set.ids), Chunks: set.chunks}
	why := ""
	var cause error // the embedding model's error, when it is why
	switch {
	case set.model != s.opts.EmbedModel && set.model != "":
		why = fmt.Sprintf("the index's vectors are of %s, not of %s; they are replaced by the next embedding pass (the daemon's, or `localgpt memory reindex`)", set.model, s.opts.EmbedModel)
	case len(set.ids) == 0 && set.chunks > 0:
		why = "no chunk has a vector yet; the daemon computes them, or run `localgpt memory reindex`"
	}
	var qv []float32
	if why == "" && set.chunks > 0 {
		if qv, err = s.queryVector(ctx, query); err != nil {
			if ctx.Err() != nil {
				return Found{}, ctx.Err()
			}
			why, cause = "the embedding model did not answer: "+err.Error(), err
		}
	}
	if why != "" {
		if mode == ModeVector {
			if cause != nil {
				return Found{}, fmt.Errorf("vector search is not possible: the embedding model did not answer: %w", cause)
			}
			return Found{}, fmt.Errorf("%w: %s", ErrNoVectors, why)
		}
		rs, err := s.search(ctx, ix, terms, limit)
		f.Results, f.Mode, f.TextOnly = rs, ModeText, "text only: "+why
		return f, err
	}
	if missing := set.chunks - len(set.ids); missing > 0 {
		f.TextOnly = fmt.Sprintf("text only for %d of %d chunks: they have no vector yet (the daemon computes them, or run `localgpt memory reindex`)", missing, set.chunks)
		if mode == ModeVector {
			f.TextOnly = fmt.Sprintf("%d of %d chunks have no vector yet and cannot be found by meaning", missing, set.chunks)
		}
	}
	n := max(limit*candidatesPer, minCandidates)
	var text []candidate
	if mode == ModeHybrid {
		if text, err = s.candidates(ctx, ix, terms, n, func(cs []candidate) []candidate { return cs }); err != nil {
			return Found{}, err
		}
	}
	hits, err := s.fuse(ctx, ix, set, text, set.top(qv, n), terms)
	if err != nil {
		return Found{}, err
	}
	d := s.recency()
	for _, h := range hits {
		if mode == ModeVector {
			h.Score = math.Max(h.cos, 0)
		} else {
			var rrf float64
			if h.textRank > 0 {
				rrf += 1 / float64(rrfK+h.textRank)
			}
			if h.vecRank > 0 {
				rrf += 1 / float64(rrfK+h.vecRank)
			}
			h.Score = rrf / (2.0 / (rrfK + 1))
		}
		h.Score = d.apply(h.Score, h.day)
	}
	f.Results = diversify(set, hits, limit)
	return f, nil
}

// fuse joins the chunks the words found with those nearest the query,
// reading the rows of the latter.
func (s *Store) fuse(ctx context.Context, ix *index, set *vecSet, text []candidate, nearest []near, terms []term) ([]*hit, error) {
	byID := make(map[int64]*hit, len(text)+len(nearest))
	out := make([]*hit, 0, len(text)+len(nearest))
	for i, c := range text {
		h := &hit{candidate: c, row: set.find(c.id), textRank: i + 1}
		byID[c.id] = h
		out = append(out, h)
	}
	var fetch []int64
	for i, nr := range nearest {
		id := set.ids[nr.row]
		if h, ok := byID[id]; ok {
			h.vecRank, h.cos = i+1, nr.cos
			continue
		}
		h := &hit{row: nr.row, vecRank: i + 1, cos: nr.cos}
		h.id = id
		byID[id] = h
		fetch = append(fetch, id)
	}
	if len(fetch) == 0 {
		return out, nil
	}
	js, err := json.Marshal(fetch)
	if err != nil {
		return nil, err
	}
	rows, err := ix.r.QueryContext(ctx, `SELECT `+resultCols+` FROM chunks c JOIN files f ON f.id = c.file_id
		WHERE c.id IN (SELECT value FROM json_each(?))`, string(js))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var c candidate
		if err := rows.Scan(&c.id, &c.LineStart, &c.LineEnd, &c.Heading, &c.Content, &c.File, &c.day); err != nil {
			return nil, err
		}
		h := byID[c.id]
		h.candidate = candidate{Result: c.Result, id: c.id, day: c.day}
		h.Snippet = markSnippet(c.Content, terms)
		out = append(out, h)
	}
	// A chunk deleted since the vectors were read is left out.
	return out, rows.Err()
}

// diversify picks limit hits by maximal marginal relevance: the best
// first, then each time the one whose score, less its likeness to those
// already picked, is highest. Likeness is the cosine of their vectors (0
// when one has none).
func diversify(set *vecSet, hits []*hit, limit int) []Result {
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].Score > hits[j].Score })
	out := make([]Result, 0, min(limit, len(hits)))
	closest := make([]float64, len(hits)) // highest cosine to a picked hit
	taken := make([]bool, len(hits))
	for len(out) < limit && len(out) < len(hits) {
		best, bestV := -1, math.Inf(-1)
		for i, h := range hits {
			if taken[i] {
				continue
			}
			if v := mmrLambda*h.Score - (1-mmrLambda)*closest[i]; v > bestV {
				best, bestV = i, v
			}
		}
		taken[best] = true
		out = append(out, hits[best].Result)
		if r := hits[best].row; r >= 0 {
			for i, h := range hits {
				if !taken[i] && h.row >= 0 {
					closest[i] = math.Max(closest[i], set.cosineRows(r, h.row))
				}
			}
		}
	}
	return out
}

// queryVector returns the vector of query, from the cache when it was
// asked for lately.
func (s *Store) queryVector(ctx context.Context, query string) ([]float32, error) {
	if r := []rune(query); len(r) > MaxQueryChars { // as the words are cut (QueryNote)
		query = string(r[:MaxQueryChars])
	}
	if v, ok := s.queries.get(query); ok {
		return v, nil
	}
	ctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	vs, err := s.opts.Embedder.EmbedNow(ctx, []string{query})
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("no answer within %s", queryTimeout)
		}
		return nil, err
	}
	if len(vs) != 1 {
		return nil, fmt.Errorf("%d vectors for one query", len(vs))
	}
	s.queries.put(query, vs[0])
	return vs[0], nil
}

// queryCache is a small LRU of query vectors: a conversation, a web page
// or a script often repeats a query, and each embedding is a model call.
type queryCache struct {
	mu    sync.Mutex
	size  int
	order *list.List // of *queryEntry, most recent first
	byKey map[string]*list.Element
}

type queryEntry struct {
	key string
	vec []float32
}

func newQueryCache(size int) *queryCache {
	return &queryCache{size: size, order: list.New(), byKey: map[string]*list.Element{}}
}

func (c *queryCache) get(key string) ([]float32, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byKey[key]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*queryEntry).vec, true
}

func (c *queryCache) put(key string, vec []float32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byKey[key]; ok {
		e.Value.(*queryEntry).vec = vec
		c.order.MoveToFront(e)
		return
	}
	c.byKey[key] = c.order.PushFront(&queryEntry{key, vec})
	if c.order.Len() > c.size {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.byKey, last.Value.(*queryEntry).key)
	}
}
