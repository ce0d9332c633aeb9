package memory

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// isUnspaced reports whether r belongs to a script written without spaces
// between words (which the unicode61 tokenizer cannot split and the
// trigram table covers).
func isUnspaced(r rune) bool {
	return r >= 0x0E00 && unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana,
		unicode.Hangul, unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar, unicode.Tibetan)
}

// hasUnspaced reports whether s contains any unspaced-script letter.
func hasUnspaced(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return strings.IndexFunc(s[i:], isUnspaced) >= 0
		}
	}
	return false
}

// unspacedRuns returns the runs of unspaced-script text in s, one per
// line, or "" when there are none (the common case, checked without
// decoding pure ASCII).
func unspacedRuns(s string) string {
	if !hasUnspaced(s) {
		return ""
	}
	var b strings.Builder
	in := false
	for _, r := range s {
		if isUnspaced(r) {
			b.WriteRune(r)
			in = true
		} else if in {
			b.WriteByte('\n')
			in = false
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}
