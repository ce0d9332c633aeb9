package secret

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// span is a masked stretch of text: a whole secret (secret >= 0) or a
// fragment of one (secret < 0).
type span struct{ start, end, secret int }

// scan finds the stretches of p to mask, leftmost first, longest at each
// position; with first it stops at the first one. It slides an 8-byte
// window over p: one multiply and one bit test per position, and a map
// lookup only where the filter says a secret's window may start.
func (t *table) scan(p string, first bool) []span {
	n := len(p)
	if n < MinLen {
		return nil
	}
	var spans []span
	i := 0
	g := load64(p)
	for {
		h := hash(g)
		if t.bits[h/64]&(1<<(h%64)) != 0 {
			if sp, ok := t.matchAt(p, i, g); ok {
				spans = append(spans, sp)
				if first {
					return spans
				}
				i = sp.end
				if i+MinLen > n {
					break
				}
				g = load64(p[i:])
				continue
			}
		}
		if i+MinLen >= n {
			break
		}
		g = g>>8 | uint64(p[i+MinLen])<<56
		i++
	}
	return spans
}

// matchAt returns the longest stretch to mask starting at i, whose first
// window is g.
func (t *table) matchAt(p string, i int, g uint64) (span, bool) {
	best, found := span{start: i, end: i, secret: -1}, false
	for _, r := range t.grams[g] {
		v := t.variants[r.v]
		rest := v.text[r.off:]
		l := MinLen
		for l < len(rest) && i+l < len(p) && rest[l] == p[i+l] {
			l++
		}
		sp := span{start: i, end: i + l, secret: -1}
		switch {
		case r.off == 0 && l == len(v.text):
			sp.secret = v.secret
		case v.frags:
			for k := 0; k < l; k++ {
				if isSpecial(rest[k]) {
					l = k
					break
				}
			}
			if l < t.minFrag[v.secret] {
				continue
			}
			sp.end = i + l
		default:
			continue
		}
		// Prefer a whole secret, then the longer stretch.
		if !found || (sp.secret >= 0 && best.secret < 0) || (sp.secret >= 0) == (best.secret >= 0) && sp.end > best.end {
			best, found = sp, true
		}
	}
	return best, found
}

// maskIn replaces every stretch scan finds in s.
func maskIn[T ~string | ~[]byte](t *table, s T) T {
	str := string(s)
	pr := project(str)
	spans := t.scan(pr.p, false)
	if len(spans) == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(str))
	last := 0
	for _, sp := range spans {
		start, end := sp.start, sp.end
		if pr.cuts != nil {
			start, end = pr.orig(sp.start), pr.orig(sp.end-1)+1
		}
		b.WriteString(str[last:start])
		if sp.secret >= 0 {
			b.WriteString(Display(t.secrets[sp.secret]))
		} else {
			b.WriteString(hidden)
		}
		last = end
	}
	b.WriteString(str[last:])
	return T(b.String())
}

// isTransparent reports whether r changes nothing a reader needs to
// rebuild a secret: the search highlight marks « » (memory snippets
// wrap matched words in them, which can fall inside a key) and invisible
// format characters (soft hyphen, zero-width space and joiners, word
// joiner, byte order mark).
func isTransparent(r rune) bool {
	switch r {
	case '«', '»', '\u00ad', '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff':
		return true
	}
	return false
}

// cut is a transparent character removed by project: size bytes were
// taken out before the projected byte at.
type cut struct{ at, size int }

// projection is s without its transparent characters, and where they were.
type projection struct {
	p    string
	cuts []cut // in order; nil when p is s
}

// orig maps an offset of p back to s.
func (pr projection) orig(i int) int {
	n := sort.Search(len(pr.cuts), func(k int) bool { return pr.cuts[k].at > i })
	shift := 0
	for _, c := range pr.cuts[:n] {
		shift += c.size
	}
	return i + shift
}

// project removes the transparent characters of s. Text without any (most
// text) is returned as it is after one pass over its bytes.
func project(s string) projection {
	var b strings.Builder
	var cuts []cut
	last := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != 0xC2 && c != 0xE2 && c != 0xEF { // every transparent character starts so
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isTransparent(r) {
			continue
		}
		if cuts == nil {
			b.Grow(len(s))
		}
		b.WriteString(s[last:i])
		cuts = append(cuts, cut{at: b.Len(), size: size})
		i += size - 1
		last = i + 1
	}
	if cuts == nil {
		return projection{p: s}
	}
	b.WriteString(s[last:])
	return projection{p: b.String(), cuts: cuts}
}

// stripTransparent removes transparent characters from a secret itself.
func stripTransparent(s string) string {
	return project(s).p
}
