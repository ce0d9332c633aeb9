package memory

import "sort"

// This is chunks_fts's tokenizer, unicode61 with remove_diacritics 2, in
// Go, so that ftsSnippet (snippet.go) finds the same tokens at the same
// byte offsets, folded the same way, as SQLite does. It follows SQLite's
// fts5_tokenize.c and fts5_unicode2.c rather than Go's unicode package:
// their character tables are of an older Unicode version (and take
// unassigned code points as token characters), and SQLite reads invalid
// UTF-8 its own way. The tables are in unicode61_tables.go.

// u61MaxToken is the longest token FTS5 keeps, in bytes
// (FTS5_MAX_TOKEN_SIZE): longer ones are cut, in the index and in queries.
const u61MaxToken = 32768

// u61Token is one token of a text: text[start:end], folded to
// fold[fs:fe] of the buffer the tokenizer filled.
type u61Token struct{ start, end, fs, fe int32 }

// u61Tokenize appends the tokens of text to toks and their folded forms
// to buf, and returns both.
func u61Tokenize(text string, toks []u61Token, buf []byte) ([]u61Token, []byte) {
	i := 0
	for i < len(text) {
		// Skip separators.
		start := i
		c := uint32(text[i])
		if c < 0x80 {
			i++
			if !u61ASCII(c) {
				continue
			}
		} else {
			c, i = u61Decode(text, i)
			if !u61Alnum(c) {
				continue
			}
		}
		// c, at start, begins a token: fold it and the token characters
		// (and diacritics) that follow.
		fs := len(buf)
		buf = u61Append(buf, c)
		end := i
		for i < len(text) {
			c = uint32(text[i])
			if c < 0x80 {
				if !u61ASCII(c) {
					break
				}
				i++
			} else {
				c, i = u61Decode(text, i)
				if !u61Alnum(c) && !u61Diacritic(c) {
					break // the separator is consumed, as in SQLite
				}
			}
			buf = u61Append(buf, c)
			end = i
		}
		fe := len(buf)
		if fe-fs > u61MaxToken {
			fe = fs + u61MaxToken
		}
		toks = append(toks, u61Token{start: int32(start), end: int32(end), fs: int32(fs), fe: int32(fe)})
	}
	return toks, buf
}

// u61ASCII reports whether an ASCII character is a token character.
func u61ASCII(c uint32) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// u61Decode reads the character at text[i] (not ASCII) as SQLite's
// READ_UTF8 does: a lead byte takes every continuation byte that follows,
// a lone continuation byte is a character of its own value, and an
// overlong form, a surrogate, U+FFFE or U+FFFF reads as U+FFFD.
func u61Decode(text string, i int) (uint32, int) {
	c := uint32(text[i])
	i++
	if c < 0xC0 {
		return c, i
	}
	switch b := c - 0xC0; {
	case b < 32:
		c = b
	case b < 48:
		c = b - 32
	case b < 56:
		c = b - 48
	case b < 60:
		c = b - 56
	case b < 62:
		c = b - 60
	default:
		c = 0
	}
	for i < len(text) && text[i]&0xC0 == 0x80 {
		c = c<<6 + uint32(text[i]&0x3F)
		i++
	}
	if c < 0x80 || c&0xFFFFF800 == 0xD800 || c&0xFFFFFFFE == 0xFFFE {
		c = 0xFFFD
	}
	return c, i
}

// u61Alnum reports whether a code point from 0x80 up is a token character.
func u61Alnum(c uint32) bool {
	if c >= 0x100000 {
		return true
	}
	i := sort.Search(len(u61Separators), func(i int) bool { return u61Separators[i][1] >= c })
	return i == len(u61Separators) || c < u61Separators[i][0]
}

// u61Diacritic reports whether c is one of the combining marks that
// continue a token (though they cannot begin one).
func u61Diacritic(c uint32) bool {
	const mask0, mask1 = 0x08029FDF, 0x000361F8
	switch {
	case c < 768 || c > 817:
		return false
	case c < 768+32:
		return mask0&(1<<(c-768)) != 0
	default:
		return mask1&(1<<(c-768-32)) != 0
	}
}

// u61Append appends the folded form of c to buf as SQLite writes it
// (nothing for a dropped diacritic).
func u61Append(buf []byte, c uint32) []byte {
	c = u61FoldRune(c)
	switch {
	case c == 0:
		return buf
	case c < 0x80:
		return append(buf, byte(c))
	case c < 0x800:
		return append(buf, 0xC0+byte(c>>6&0x1F), 0x80+byte(c&0x3F))
	case c < 0x10000:
		return append(buf, 0xE0+byte(c>>12&0x0F), 0x80+byte(c>>6&0x3F), 0x80+byte(c&0x3F))
	default:
		return append(buf, 0xF0+byte(c>>18&0x07), 0x80+byte(c>>12&0x3F), 0x80+byte(c>>6&0x3F), 0x80+byte(c&0x3F))
	}
}

// u61FoldRune is sqlite3Fts5UnicodeFold with remove_diacritics 2: lower
// case, then the diacritic removed.
func u61FoldRune(c uint32) uint32 {
	switch {
	case c < 0x80:
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		return c
	case c < 0x10000:
		i := sort.Search(len(u61Fold), func(i int) bool { return uint32(u61Fold[i].code) > c }) - 1
		if i >= 0 {
			e := u61Fold[i]
			if c < uint32(e.code)+uint32(e.n) && uint32(e.flags)&1&(uint32(e.code)^c) == 0 {
				c = (c + uint32(u61FoldOff[e.flags>>1])) & 0xFFFF
			}
		}
		return u61RemoveDiacritic(c)
	case c >= 66560 && c < 66600:
		return c + 40
	}
	return c
}

// u61RemoveDiacritic is fts5_remove_diacritic in its complex mode.
func u61RemoveDiacritic(c uint32) uint32 {
	key := c<<3 | 7
	i := max(sort.Search(len(u61Dia), func(i int) bool { return uint32(u61Dia[i]) > key })-1, 0)
	if d := uint32(u61Dia[i]); c > d>>3+d&7 {
		return c
	}
	return uint32(u61DiaChar[i] & 0x7F)
}
