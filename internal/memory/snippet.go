package memory

import (
	"bytes"
	"sort"
	"strings"
)

// The snippets of search results are made here in Go, but must be exactly
// what FTS5's snippet(chunks_fts, -1, MarkStart, MarkEnd, Ellipsis,
// snippetTokens) returns for the same chunk and MATCH expression
// (TestSnippetMatchesFTS5 and FuzzSnippetMatchesFTS5 compare them). Asking
// SQLite cost about a fifth of a search's CPU: to find the phrase
// instances of the ten chunks kept, FTS5 expands every prefix term of the
// expression over the whole index again. Here the chunk's own tokens are
// matched against the expression's phrases instead, and the algorithm of
// fts5_aux.c (fts5SnippetFunction) is followed step by step.

// snippetTokens is how many tokens a snippet shows (snippet()'s last
// argument).
const snippetTokens = 24

// ftsPhrase is one phrase of a MATCH expression: its folded tokens, the
// last of them a prefix when prefix is set.
type ftsPhrase struct {
	tokens []string
	prefix bool
}

// ftsPhrases lists the phrases of expr, an expression built by ftsExpr or
// mostExpr (quoted strings, each maybe followed by *, joined by AND, OR
// and parentheses), in the order they are written, which is how FTS5
// numbers them: a phrase written twice is two phrases.
func ftsPhrases(expr string) []ftsPhrase {
	var out []ftsPhrase
	var toks []u61Token
	var buf []byte
	for i := 0; i < len(expr); i++ {
		if expr[i] != '"' {
			continue
		}
		var s strings.Builder
		for i++; i < len(expr); i++ {
			if expr[i] == '"' {
				if i+1 < len(expr) && expr[i+1] == '"' {
					i++
				} else {
					break
				}
			}
			s.WriteByte(expr[i])
		}
		p := ftsPhrase{prefix: i+1 < len(expr) && expr[i+1] == '*'}
		toks, buf = u61Tokenize(s.String(), toks[:0], buf[:0])
		for _, t := range toks {
			p.tokens = append(p.tokens, string(buf[t.fs:t.fe]))
		}
		out = append(out, p)
	}
	return out
}

// ftsInst is one instance of a phrase in a column: the phrase's index and
// the position of its first token.
type ftsInst struct{ phrase, pos int }

// snippetCol is one column of the row being summarised.
type snippetCol struct {
	text  string
	toks  []u61Token
	insts []ftsInst // by position, then phrase
	first []int     // positions of the tokens that begin a sentence
}

// ftsSnippet returns what FTS5's snippet(chunks_fts, -1, MarkStart,
// MarkEnd, Ellipsis, snippetTokens) returns for the row whose columns
// are cols, matched by an expression of the given phrases ("" for SQL
// NULL). cols must not be empty.
func ftsSnippet(cols []string, phrases []ftsPhrase) string {
	var buf []byte
	sc := make([]snippetCol, len(cols))
	for i, text := range cols {
		c := &sc[i]
		c.text = text
		c.toks, buf = u61Tokenize(text, nil, buf)
		c.insts = findInstances(c.toks, buf, phrases)
		c.first = sentenceStarts(text, c.toks)
	}
	seen := make([]bool, len(phrases))
	bestCol, bestStart, bestScore, colSize := 0, 0, 0, 0
	for i := range sc {
		c := &sc[i]
		nDoc := len(c.toks)
		for _, in := range c.insts {
			score, adj := c.score(phrases, seen, nDoc, in.pos, true)
			if score > bestScore {
				bestScore, bestCol, bestStart, colSize = score, i, adj, nDoc
			}
			if len(c.first) > 0 && nDoc > snippetTokens {
				jj := 0
				for ; jj < len(c.first)-1; jj++ {
					if c.first[jj+1] > in.pos {
						break
					}
				}
				if f := c.first[jj]; f < in.pos {
					score, _ := c.score(phrases, seen, nDoc, f, false)
					if f == 0 {
						score += 120
					} else {
						score += 100
					}
					if score > bestScore {
						bestScore, bestCol, bestStart, colSize = score, i, f, nDoc
					}
				}
			}
		}
	}
	c := &sc[bestCol]
	if colSize == 0 {
		colSize = len(c.toks)
	}
	return c.highlight(phrases, bestStart, colSize)
}

// findInstances returns the instances of phrases among toks (folded in
// buf), by position and then phrase, as FTS5's xInst lists them.
func findInstances(toks []u61Token, buf []byte, phrases []ftsPhrase) []ftsInst {
	var out []ftsInst
	for pos := range toks {
		for ip, p := range phrases {
			n := len(p.tokens)
			if n == 0 || pos+n > len(toks) {
				continue
			}
			ok := true
			for k, want := range p.tokens {
				t := toks[pos+k]
				got := buf[t.fs:t.fe]
				if k == n-1 && p.prefix {
					ok = len(got) >= len(want) && string(got[:len(want)]) == want
				} else {
					ok = string(got) == want
				}
				if !ok {
					break
				}
			}
			if ok {
				out = append(out, ftsInst{phrase: ip, pos: pos})
			}
		}
	}
	return out
}

// sentenceStarts returns the positions of the tokens that begin a
// sentence: the first, and each one preceded by '.' or ':' and then
// whitespace (fts5SentenceFinderCb).
func sentenceStarts(text string, toks []u61Token) []int {
	var out []int
	for pos, t := range toks {
		if pos == 0 {
			out = append(out, 0)
			continue
		}
		i := int(t.start) - 1
		var c byte
		for ; i >= 0; i-- {
			c = text[i]
			if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
				break
			}
		}
		if i != int(t.start)-1 && (c == '.' || c == ':') {
			out = append(out, pos)
		}
	}
	return out
}

// score scores the snippetTokens tokens from pos as fts5SnippetScore
// does: 1000 for the first instance of each phrase, 1 for each other
// instance. With adjust it also returns where the snippet should begin
// to centre the instances found.
func (c *snippetCol) score(phrases []ftsPhrase, seen []bool, nDoc, pos int, adjust bool) (score, adj int) {
	clear(seen)
	first, last := -1, 0
	end := pos + snippetTokens
	// The instances are in order of position: those in the window follow
	// one another.
	i := sort.Search(len(c.insts), func(i int) bool { return c.insts[i].pos >= pos })
	for _, in := range c.insts[i:] {
		if in.pos >= end {
			break
		}
		if seen[in.phrase] {
			score++
		} else {
			score += 1000
		}
		seen[in.phrase] = true
		if first < 0 {
			first = in.pos
		}
		last = in.pos + len(phrases[in.phrase].tokens)
	}
	if !adjust {
		return score, 0
	}
	adj = first - (snippetTokens-(last-first))/2
	if adj+snippetTokens > nDoc {
		adj = nDoc - snippetTokens
	}
	return score, max(adj, 0)
}

// instIter walks the instances of a column merged where they overlap, as
// fts5CInstIterNext does; start and end are the first and last token of
// the current one, -1 when there are no more.
type instIter struct {
	insts      []ftsInst
	phrases    []ftsPhrase
	next       int
	start, end int
}

func (it *instIter) advance() {
	it.start, it.end = -1, -1
	for ; it.next < len(it.insts); it.next++ {
		in := it.insts[it.next]
		end := in.pos - 1 + len(it.phrases[in.phrase].tokens)
		switch {
		case it.start < 0:
			it.start, it.end = in.pos, end
		case in.pos <= it.end:
			it.end = max(it.end, end)
		default:
			return
		}
	}
}

// highlight writes the snippetTokens tokens from first, with the
// instances marked and ellipses where text is left out, as
// fts5SnippetFunction and fts5HighlightCb do; colSize is the column's
// size in tokens.
func (c *snippetCol) highlight(phrases []ftsPhrase, first, colSize int) string {
	var out bytes.Buffer
	// Each piece is cut at a NUL byte, as SQLite's "%.*s" cuts it.
	add := func(s string) {
		if i := strings.IndexByte(s, 0); i >= 0 {
			s = s[:i]
		}
		out.WriteString(s)
	}
	it := instIter{insts: c.insts, phrases: phrases}
	it.advance()
	last := first + snippetTokens - 1
	if first > 0 {
		add(Ellipsis)
	}
	for it.start >= 0 && it.start < first {
		it.advance()
	}
	off, open := 0, false
	for pos, t := range c.toks {
		if pos < first || pos > last {
			continue
		}
		start, end := int(t.start), int(t.end)
		if first > 0 && pos == first {
			off = start
		}
		if open && (pos <= it.start || it.start < 0) && start > off {
			add(MarkEnd)
			open = false
		}
		if pos == it.start && !open {
			add(c.text[off:start])
			add(MarkStart)
			off, open = start, true
		}
		if pos == it.end {
			if !open {
				add(MarkStart)
				open = true
			}
			add(c.text[off:end])
			off = end
			it.advance()
		}
		if pos == last {
			if open {
				if it.start >= 0 && pos >= it.start {
					add(c.text[off:end])
					off = end
				}
				add(MarkEnd)
				open = false
			}
			add(c.text[off:end])
			off = end
		}
	}
	if open {
		add(MarkEnd)
	}
	if last >= colSize-1 {
		add(c.text[off:])
	} else {
		add(Ellipsis)
	}
	return out.String()
}
