package memory

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrEmptyQuery is returned by Search for a query with nothing to search
// for (only spaces or punctuation).
var ErrEmptyQuery = errors.New("memory: the query has no words to search for")

// How much of a query Search uses; the rest is ignored (QueryNote says
// so). They bound the work and the size of the MATCH expressions whatever
// a model or a client sends, and are far above what a search needs.
const (
	// MaxQueryChars is how many characters (runes) of a query are read.
	MaxQueryChars = 1000
	// MaxQueryTerms is how many terms (words or quoted phrases) are used.
	MaxQueryTerms = 32
)

// QueryNote returns a note for the user or the model when Search ignores
// part of query (it is longer than MaxQueryChars or has more than
// MaxQueryTerms terms), or "" when the whole query is used.
func QueryNote(query string) string {
	_, note := parseQuery(query)
	return note
}

// term is one thing the user asked for: a bare word or a quoted phrase.
type term struct {
	// words are the unicode61 tokens of the term (letters and digits).
	words []string
	// unspaced are its runs of CJK-like script, searched by trigram.
	unspaced []string
	// phrase: the user quoted it, so no prefix matching.
	phrase bool
	// raw is the term as typed, for substring matching.
	raw string
}

// parseQuery splits user text into terms. Double quotes delimit phrases
// (an unbalanced quote is ignored); everything else is split on
// spaces. FTS5 syntax has no meaning here: AND, OR, NOT, NEAR, -, *, :,
// ^, + and parentheses are ordinary text, and punctuation only separates
// words, exactly as the index's tokenizer does. Only the first
// MaxQueryChars characters and MaxQueryTerms terms are used; note says
// what was left out.
func parseQuery(q string) (terms []term, note string) {
	q = strings.ToValidUTF8(q, " ")
	cut := false
	if utf8.RuneCountInString(q) > MaxQueryChars {
		n := 0
		for i := range q {
			if n == MaxQueryChars {
				q = q[:i]
				break
			}
			n++
		}
		cut = true
	}
	var out []term
	dropped := 0
	add := func(s string, phrase bool) {
		if len(out) == MaxQueryTerms {
			dropped++
			return
		}
		t := term{phrase: phrase, raw: strings.TrimSpace(s)}
		t.words, t.unspaced = tokenize(s)
		if len(t.words) > 0 || len(t.unspaced) > 0 {
			out = append(out, t)
		}
	}
	for q != "" {
		i := strings.IndexByte(q, '"')
		if i < 0 {
			for _, f := range strings.Fields(q) {
				add(f, false)
			}
			break
		}
		for _, f := range strings.Fields(q[:i]) {
			add(f, false)
		}
		q = q[i+1:]
		j := strings.IndexByte(q, '"')
		if j < 0 { // an unbalanced quote is ignored: the rest are words
			continue
		}
		add(q[:j], true)
		q = q[j+1:]
	}
	switch {
	case cut && dropped > 0:
		note = fmt.Sprintf("note: the query is long; only its first %d characters and, of those, its first %d terms were searched", MaxQueryChars, MaxQueryTerms)
	case cut:
		note = fmt.Sprintf("note: the query is long; only its first %d characters were searched", MaxQueryChars)
	case dropped > 0:
		note = fmt.Sprintf("note: the query has more than %d terms; only the first %d were searched (%d ignored)", MaxQueryTerms, MaxQueryTerms, dropped)
	}
	return out, note
}

// tokenize splits s like unicode61 (letters, digits, marks and private-use
// characters form words; anything else separates them), setting apart the
// runs of unspaced scripts.
func tokenize(s string) (words, unspaced []string) {
	start, kind := -1, 0 // kind 1: word, 2: unspaced
	flush := func(end int) {
		if start >= 0 {
			if kind == 1 {
				words = append(words, s[start:end])
			} else {
				unspaced = append(unspaced, s[start:end])
			}
		}
		start, kind = -1, 0
	}
	for i, r := range s {
		k := 0
		switch {
		case isUnspaced(r):
			k = 2
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsNumber(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Co, r):
			k = 1
		}
		if k != kind {
			flush(i)
			if k != 0 {
				start, kind = i, k
			}
		}
	}
	flush(len(s))
	return words, unspaced
}

// minPrefixRunes: shorter words are matched exactly, not as prefixes,
// since a one- or two-letter prefix matches most of the index.
const minPrefixRunes = 3

// ftsExpr builds the chunks_fts MATCH expression of terms joined by op
// ("AND" or "OR"), or "" when no term has words. Every token is a quoted
// FTS5 string, so no user input is ever read as FTS5 syntax.
func ftsExpr(terms []term, op string) string {
	return strings.Join(ftsParts(terms), " "+op+" ")
}

// mostExpr matches chunks holding all the terms but (at most) one. It is
// the stage between AND and OR for three or more terms: far fewer chunks
// match than with OR (so ranking them stays fast), and they are the ones
// that share most of the query. It is "" for fewer than three terms.
func mostExpr(terms []term) string {
	parts := ftsParts(terms)
	if len(parts) < 3 {
		return ""
	}
	var b strings.Builder
	allButOne(&b, parts)
	return b.String()
}

// allButOne writes an expression matching rows that hold all of parts but
// at most one (at least two parts). Listing the alternatives, (b AND c) OR
// (a AND c) OR (a AND b), grows as k² in the number of parts k (400 words
// made a 2.2 MB expression, and FTS5 refused 1,600). Instead the parts are
// halved into L and R: a row misses at most one part when it has all of L
// and misses at most one of R, or the reverse. That writes each part about
// log₂ k times, and nests only log₂ k deep; no AND/OR formula for "k−1 of
// k" is smaller than k·log k.
//
// The stage is ranked by this expression, and BM25 counts a part once per
// time it is written: three parts, the usual case, are written as
// (a OR b) AND (a OR c) AND (b OR c), twice each, and with more parts the
// counts differ by at most half. (Ranking by the OR of the parts and
// filtering by this expression weighed every part the same, but FTS5 then
// ran the whole query once per row: 70 ms for 81 rows.)
func allButOne(b *strings.Builder, parts []string) {
	switch len(parts) {
	case 2:
		b.WriteString("(" + parts[0] + " OR " + parts[1] + ")")
		return
	case 3:
		a, c, d := parts[0], parts[1], parts[2]
		b.WriteString("((" + a + " OR " + c + ") AND (" + a + " OR " + d + ") AND (" + c + " OR " + d + "))")
		return
	}
	l, r := parts[:len(parts)/2], parts[len(parts)/2:]
	b.WriteString("((")
	writeAll(b, l)
	b.WriteString(" AND ")
	allButOne(b, r) // r has at least two parts
	b.WriteString(") OR (")
	writeAll(b, r)
	b.WriteString(" AND ")
	allButOne(b, l) // so has l, from four parts up
	b.WriteString("))")
}

// writeAll writes parts joined by AND, in parentheses.
func writeAll(b *strings.Builder, parts []string) {
	b.WriteString("(")
	for i, p := range parts {
		if i > 0 {
			b.WriteString(" AND ")
		}
		b.WriteString(p)
	}
	b.WriteString(")")
}

// ftsParts is one FTS5 string (a prefix or a phrase) per term.
func ftsParts(terms []term) []string {
	var parts []string
	for _, t := range terms {
		if len(t.words) == 0 {
			continue
		}
		p := quoteFTS(strings.Join(t.words, " "))
		last := t.words[len(t.words)-1]
		if !t.phrase && utf8.RuneCountInString(last) >= minPrefixRunes {
			p += "*"
		}
		parts = append(parts, p)
	}
	return parts
}

// cjkExpr builds the chunks_cjk (trigram) MATCH expression, or "" when no
// term has an unspaced run of at least three characters (the trigram
// minimum; shorter runs are matched by prefix in chunks_fts and by the
// substring fallback).
func cjkExpr(terms []term, op string) string {
	var parts []string
	for _, t := range terms {
		for _, u := range t.unspaced {
			if utf8.RuneCountInString(u) >= 3 {
				parts = append(parts, quoteFTS(u))
			}
		}
	}
	return strings.Join(parts, " "+op+" ")
}

// shortUnspaced turns unspaced runs too short for the trigram table into
// word prefixes for chunks_fts, where unicode61 keeps a whole run as one
// token: "東京" then finds "東京で打ち合わせ".
func shortUnspaced(terms []term) []term {
	out := make([]term, 0, len(terms))
	for _, t := range terms {
		for _, u := range t.unspaced {
			if utf8.RuneCountInString(u) < 3 {
				t.words = append(t.words, u)
			}
		}
		out = append(out, t)
	}
	return out
}

// quoteFTS makes s an FTS5 string: wrapped in double quotes, with inner
// double quotes doubled.
func quoteFTS(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// likePattern makes s a LIKE pattern matching it anywhere, with % _ and
// the escape character itself escaped by a backslash.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}
