package memory

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Snippet markers: matched words in Result.Snippet are wrapped in them.
// Terminal output colours what is between them; JSON keeps them.
const (
	MarkStart = "«"
	MarkEnd   = "»"
	// Ellipsis marks text left out of a snippet.
	Ellipsis = "…"
)

// Result is one matching chunk.
type Result struct {
	// File is workspace-relative with '/' ("memory/2026-01-05.md"), or
	// absolute for a file of an external path.
	File      string `json:"file"`
	LineStart int    `json:"line_start"`
	LineEnd   int    `json:"line_end"`
	// Heading is the heading path of the chunk, "Title > Section".
	Heading string `json:"heading"`
	// Snippet is a short excerpt with matches between MarkStart and MarkEnd.
	Snippet string `json:"snippet"`
	// Content is the whole chunk.
	Content string `json:"content"`
	// Score is in 0..1, higher is better: BM25 relevance mapped by
	// x/(x+5), times the recency factor of daily logs.
	Score float64 `json:"score"`
}

// minScore is the relevance of the weakest match before recency.
const minScore = 0.01

// candidatesPer: each stage fetches this many BM25-best chunks per result
// wanted (at least minCandidates), which the recency factor then reorders.
const (
	candidatesPer = 3
	minCandidates = 30
)

// Search finds the chunks that best match query, at most limit of them.
// Terms are ANDed with prefix matching; if that finds nothing, chunks with
// all terms but one are tried (three or more terms), then the terms are
// ORed; if that finds nothing either, chunks containing every term as a
// substring are returned. Quoted phrases must match as phrases. Search
// reads the index as it is: call Reindex (or CheckFresh) first to include
// recent edits.
func (s *Store) Search(ctx context.Context, query string, limit int) ([]Result, error) {
	if limit <= 0 {
		limit = 10
	}
	terms, _ := parseQuery(query)
	if len(terms) == 0 {
		return nil, ErrEmptyQuery
	}
	var out []Result
	err := s.withIndex(ctx, func(ix *index) error {
		var err error
		out, err = s.search(ctx, ix, terms, limit)
		return err
	})
	if err != nil {
		// The query is not repeated: it may be long, and it is the
		// caller's own text.
		return nil, fmt.Errorf("memory: search: %w", err)
	}
	return out, nil
}

// stage is one attempt of a search: chunks matching fts (ranked by it)
// that also match cjk, each "" when not used.
type stage struct{ fts, cjk string }

func (s *Store) search(ctx context.Context, ix *index, terms []term, limit int) ([]Result, error) {
	cs, err := s.candidates(ctx, ix, terms, max(limit*candidatesPer, minCandidates), func(cs []candidate) []candidate {
		return s.rank(cs, limit)
	})
	if err != nil {
		return nil, err
	}
	out := make([]Result, len(cs))
	for i, c := range cs {
		out[i] = c.Result
	}
	return out, nil
}

// candidates returns up to n chunks matching terms, BM25-best first, from
// the first stage that finds any, passed through keep (which may reorder
// and drop them); only the chunks keep returns get a snippet.
func (s *Store) candidates(ctx context.Context, ix *index, terms []term, n int, keep func([]candidate) []candidate) ([]candidate, error) {
	select { // wait for a turn (see index.turns)
	case ix.turns <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-ix.turns }()
	fts := shortUnspaced(terms)
	stages := []stage{{fts: ftsExpr(fts, "AND"), cjk: cjkExpr(terms, "AND")}}
	if len(terms) > 1 {
		if most := mostExpr(fts); most != "" && stages[0].cjk == "" {
			stages = append(stages, stage{fts: most})
		}
		stages = append(stages, stage{fts: ftsExpr(fts, "OR"), cjk: cjkExpr(terms, "OR")})
	}
	for _, st := range stages {
		cs, err := s.matchStage(ctx, ix, st, n)
		if err != nil {
			return nil, err
		}
		if len(cs) > 0 {
			cs = keep(cs)
			snippets(st.fts, terms, cs)
			return cs, nil
		}
	}
	cs, err := s.substringStage(ctx, ix.r, terms, n)
	if err != nil {
		return nil, err
	}
	cs = keep(cs)
	snippets("", terms, cs)
	return cs, nil
}

// candidate is a Result before ranking.
type candidate struct {
	Result
	id   int64 // the chunk's
	bm25 float64
	day  sql.NullInt64
}

const resultCols = `c.id, c.line_start, c.line_end, c.heading, c.text, f.path, f.day`

// ftsWeights are the BM25 weights of chunks_fts's columns (heading, text):
// the same as its rank (schemaV1), which the match stages do not use.
// FTS5 answers ORDER BY rank by sorting every matching row with its
// position lists and preparing a statement each time; ORDER BY bm25()
// with a LIMIT keeps only the best rows, for about a third less CPU.
const ftsWeights = "2.0, 1.0"

// readQueries are the statements of a search, prepared once per index
// (index.go). The match stages return the BM25-best chunks and their BM25
// (lower is better): "fts" ranks by chunks_fts alone, "fts+cjk" keeps
// only the rows that also match a second expression (on chunks_cjk), and
// "cjk" ranks by chunks_cjk alone. The snippets of the chunks kept are
// made in Go (snippets).
var readQueries = map[string]string{
	"fts":     ftsQuery(""),
	"fts+cjk": ftsQuery(`AND rowid IN (SELECT rowid FROM chunks_cjk WHERE chunks_cjk MATCH ?)`),
	"cjk": `SELECT m.r, ` + resultCols + ` FROM (
		SELECT rowid, bm25(chunks_cjk) AS r FROM chunks_cjk WHERE chunks_cjk MATCH ? ORDER BY r LIMIT ?) m
		JOIN chunks c ON c.id = m.rowid JOIN files f ON f.id = c.file_id`,
}

func ftsQuery(filter string) string {
	return `SELECT m.r, ` + resultCols + ` FROM (
		SELECT rowid, bm25(chunks_fts, ` + ftsWeights + `) AS r
		FROM chunks_fts WHERE chunks_fts MATCH ? ` + filter + ` ORDER BY r LIMIT ?) m
		JOIN chunks c ON c.id = m.rowid JOIN files f ON f.id = c.file_id`
}

func (s *Store) matchStage(ctx context.Context, ix *index, st stage, n int) ([]candidate, error) {
	var name string
	var args []any
	switch {
	case st.fts != "" && st.cjk != "":
		name, args = "fts+cjk", []any{st.fts, st.cjk, n}
	case st.fts != "":
		name, args = "fts", []any{st.fts, n}
	case st.cjk != "":
		name, args = "cjk", []any{st.cjk, n}
	default:
		return nil, nil
	}
	rows, err := ix.stmts[name].QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []candidate
	for rows.Next() {
		var c candidate
		if err := rows.Scan(&c.bm25, &c.id, &c.LineStart, &c.LineEnd, &c.Heading, &c.Content, &c.File, &c.day); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// snippets sets the snippets of cs: for chunks found by the expression
// fts, FTS5's snippet of the chunk for it when that marks a match;
// otherwise a window around the first term (markSnippet), as for trigram
// and substring matches. FTS5's snippet is made in Go by ftsSnippet
// (snippet.go), which returns exactly what snippet(chunks_fts, -1,
// MarkStart, MarkEnd, Ellipsis, 24) does: asking SQLite for it cost about
// a fifth of a search's CPU, as FTS5 expanded every prefix term of the
// expression over the whole index again to find the matches of ten chunks.
func snippets(fts string, terms []term, cs []candidate) {
	var phrases []ftsPhrase
	if fts != "" {
		phrases = ftsPhrases(fts)
	}
	for i := range cs {
		c := &cs[i]
		if fts != "" {
			c.Snippet = ftsSnippet([]string{c.Heading, c.Content}, phrases)
		}
		if c.Snippet == "" || !strings.Contains(c.Snippet, MarkStart) {
			c.Snippet = markSnippet(c.Content, terms)
		}
		c.Snippet = strings.Join(strings.Fields(c.Snippet), " ")
	}
}

// substringStage is the last resort: chunks containing every term as a
// substring (ASCII case-insensitive), found by scanning the chunks table.
func (s *Store) substringStage(ctx context.Context, db *sql.DB, terms []term, n int) ([]candidate, error) {
	var where []string
	var args []any
	for _, t := range terms {
		if t.raw == "" {
			continue
		}
		where = append(where, `c.text LIKE ? ESCAPE '\'`)
		args = append(args, likePattern(t.raw))
	}
	if len(where) == 0 {
		return nil, nil
	}
	args = append(args, n)
	rows, err := db.QueryContext(ctx, `SELECT `+resultCols+` FROM chunks c JOIN files f ON f.id = c.file_id
		WHERE `+strings.Join(where, " AND ")+` LIMIT ?`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []candidate
	for rows.Next() {
		var c candidate
		if err := rows.Scan(&c.id, &c.LineStart, &c.LineEnd, &c.Heading, &c.Content, &c.File, &c.day); err != nil {
			return nil, err
		}
		c.bm25 = -1 // a weak match: scores 1/6 before recency
		out = append(out, c)
	}
	return out, rows.Err()
}

// rank scores candidates and returns the best limit of them, best first.
func (s *Store) rank(cs []candidate, limit int) []candidate {
	d := s.recency()
	for i := range cs {
		x := math.Max(0, -cs[i].bm25)
		// A match is never worth 0, even for a term in most chunks (where
		// BM25's IDF is close to 0), so that recency can still order them.
		cs[i].Score = d.apply(math.Max(x/(x+5), minScore), cs[i].day)
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].Score > cs[j].Score })
	return cs[:min(limit, len(cs))]
}

// decay lowers a daily log's score with its age (Options.HalfLife);
// other files (day not valid) never decay.
type decay struct {
	today    time.Time
	halfDays float64
}

func (s *Store) recency() decay {
	now := s.now()
	return decay{today: time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC), halfDays: s.opts.HalfLife.Hours() / 24}
}

func (d decay) apply(score float64, day sql.NullInt64) float64 {
	if day.Valid {
		if age := d.today.Sub(time.Unix(day.Int64, 0)).Hours() / 24; age > 0 {
			score *= math.Exp2(-age / d.halfDays)
		}
	}
	return score
}

func (s *Store) now() time.Time {
	if s.opts.Clock != nil {
		return s.opts.Clock()
	}
	return time.Now()
}

// wallNow is the time of the file system checks (fresh.go); tests move it.
func (s *Store) wallNow() time.Time {
	if s.wallClock != nil {
		return s.wallClock()
	}
	return time.Now()
}

// snippetBytes is about how much text markSnippet shows.
const snippetBytes = 160

// markSnippet makes a snippet for matches FTS5 cannot highlight (trigram
// and substring matches): a window around the first occurrence of a term,
// with every occurrence marked.
func markSnippet(text string, terms []term) string {
	lower := strings.ToLower(text)
	var needles []string
	for _, t := range terms {
		needles = append(needles, t.unspaced...)
		if t.phrase || len(t.words) == 0 {
			if t.raw != "" && len(t.unspaced) == 0 {
				needles = append(needles, strings.ToLower(t.raw))
			}
			continue
		}
		for _, w := range t.words {
			needles = append(needles, strings.ToLower(w))
		}
	}
	first := -1
	for _, n := range needles {
		if i := strings.Index(lower, n); i >= 0 && (first < 0 || i < first) {
			first = i
		}
	}
	if first < 0 || len(lower) != len(text) { // case folding changed lengths: no offsets
		first = 0
	}
	start := max(0, first-snippetBytes/3)
	for start > 0 && !utf8.RuneStart(text[start]) {
		start--
	}
	end := min(len(text), start+snippetBytes)
	for end < len(text) && !utf8.RuneStart(text[end]) {
		end++
	}
	var b strings.Builder
	if start > 0 {
		b.WriteString(Ellipsis)
	}
	win, lwin := text[start:end], lower[start:end]
	if len(lower) != len(text) {
		lwin = win
	}
	for i := 0; i < len(win); {
		hit := ""
		for _, n := range needles {
			if n != "" && strings.HasPrefix(lwin[i:], n) && len(n) > len(hit) {
				hit = n
			}
		}
		if hit == "" {
			_, size := utf8.DecodeRuneInString(win[i:])
			b.WriteString(win[i : i+size])
			i += size
			continue
		}
		b.WriteString(MarkStart + win[i:i+len(hit)] + MarkEnd)
		i += len(hit)
	}
	if end < len(text) {
		b.WriteString(Ellipsis)
	}
	return strings.Join(strings.Fields(b.String()), " ")
}
