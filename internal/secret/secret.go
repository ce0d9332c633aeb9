// Package secret keeps LocalGPT's own credentials (provider API keys, the
// daemon's API token) out of everything that leaves the process: tool
// results the model reads, errors on stderr, logs/agent.log, HTTP
// responses and session files. The composition root builds one Masker from
// the configuration and passes it down; every exit applies it last, after
// highlighting, truncation and encoding, so nothing done before it can
// split a key into pieces it would not recognise.
//
// Masking is a safety net against leaks, not a sandbox: a program that
// holds a key and means to hide it (base64 in a shell, say) is not
// something a text filter can stop. That is why bash needs approval.
package secret

import (
	"cmp"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// MinLen is the length of the shortest value treated as a secret: shorter
// values are not credentials worth the name, and masking them would
// mangle ordinary text. It is also the window of the fragment index.
const MinLen = 8

// Display shows enough of a secret to recognise it and no more:
// "sk-…abcd". Secrets shorter than 12 bytes are hidden entirely; empty
// stays empty.
func Display(s string) string {
	switch {
	case s == "":
		return ""
	case len(s) < 12 || !plain(s[:3]) || !plain(s[len(s)-4:]):
		return hidden
	}
	return s[:3] + "…" + s[len(s)-4:]
}

// plain reports whether s is printable ASCII that no encoding escapes,
// so the ends Display shows never break the JSON or URL they land in.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c == '%' {
			return false
		}
	}
	return true
}

// hidden replaces a fragment of a secret, and a short secret.
const hidden = "…(hidden)"

// Masker finds the configured secrets in text and masks them. A nil
// *Masker masks nothing. It is safe for concurrent use, and Add may be
// called while others mask (a daemon reloading its configuration): old
// secrets stay masked, since a rotated key may still be valid.
type Masker struct {
	mu sync.Mutex // serialises Add
	t  atomic.Pointer[table]
}

// New returns a Masker of values; empty and short values are ignored.
func New(values ...string) *Masker {
	m := &Masker{}
	m.Add(values...)
	return m
}

// Add makes values secret too.
func (m *Masker) Add(values ...string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var old []string
	if t := m.t.Load(); t != nil {
		old = t.secrets
	}
	all := slices.Clone(old)
	for _, v := range values {
		v = stripTransparent(v)
		if len(v) >= MinLen && !slices.Contains(all, v) {
			all = append(all, v)
		}
	}
	if len(all) == len(old) && m.t.Load() != nil {
		return
	}
	m.t.Store(build(all))
}

// Len reports how many secrets are masked.
func (m *Masker) Len() int {
	if t := m.table(); t != nil {
		return len(t.secrets)
	}
	return 0
}

func (m *Masker) table() *table {
	if m == nil {
		return nil
	}
	t := m.t.Load()
	if t == nil || len(t.secrets) == 0 {
		return nil
	}
	return t
}

// Mask returns s with every secret, and every long fragment of one,
// masked: a whole secret becomes its Display form, a fragment (a secret
// cut by truncation or a snippet) becomes "…(hidden)". Highlight marks
// (« ») and invisible characters inside a secret do not hide it.
func (m *Masker) Mask(s string) string {
	t := m.table()
	if t == nil {
		return s
	}
	return maskIn(t, s)
}

// MaskBytes is Mask for a byte slice. It returns b itself when nothing
// was masked.
func (m *Masker) MaskBytes(b []byte) []byte {
	t := m.table()
	if t == nil {
		return b
	}
	return maskIn(t, b)
}

// Holds reports whether Mask would change s: whether s holds a secret or
// a long fragment of one.
func (m *Masker) Holds(s string) bool {
	t := m.table()
	if t == nil {
		return false
	}
	return len(t.scan(project(s).p, true)) > 0
}

// variant is one form of a secret searched for.
type variant struct {
	text   string
	secret int  // index into table.secrets, for the Display form
	frags  bool // long fragments of it are masked too
}

// gramRef says where an 8-byte window occurs: in variant v at offset off.
type gramRef struct{ v, off int32 }

// table is an immutable snapshot of the secrets, indexed for scanning.
type table struct {
	secrets  []string
	variants []variant
	minFrag  []int // per secret: the shortest fragment masked
	// bits is a 64 Kibit filter of the windows in grams, so that most
	// positions of a text cost one multiply and one bit test.
	bits  []uint64
	grams map[uint64][]gramRef
}

const filterBits = 16

func build(secrets []string) *table {
	t := &table{secrets: secrets, bits: make([]uint64, 1<<filterBits/64), grams: map[uint64][]gramRef{}}
	for i, s := range secrets {
		// A fragment must be long enough to matter: a third of the
		// secret, at least MinLen. Shorter pieces are left alone, so a
		// common prefix ("sk-proj-") is not masked in ordinary text.
		t.minFrag = append(t.minFrag, max(MinLen, (len(s)+2)/3))
		t.variants = append(t.variants, variant{text: s, secret: i, frags: true})
		for _, v := range forms(s) {
			if len(v) >= MinLen && !slices.ContainsFunc(t.variants, func(x variant) bool { return x.text == v }) {
				t.variants = append(t.variants, variant{text: v, secret: i})
			}
		}
	}
	// Longer variants first, so that where one secret contains another
	// the longer one is masked whole.
	slices.SortStableFunc(t.variants, func(a, b variant) int { return cmp.Compare(len(b.text), len(a.text)) })
	for vi, v := range t.variants {
		for off := 0; off+MinLen <= len(v.text); off++ {
			if off > 0 && (!v.frags || hasSpecial(v.text[off:off+MinLen])) {
				continue
			}
			g := load64(v.text[off:])
			t.grams[g] = append(t.grams[g], gramRef{int32(vi), int32(off)})
			h := hash(g)
			t.bits[h/64] |= 1 << (h % 64)
		}
	}
	return t
}

// forms are the other spellings of s found in output: JSON-escaped (in
// session files, logs and HTTP bodies), percent-encoded (in URLs and
// their logs) and lower-cased (host names).
func forms(s string) []string {
	var out []string
	for _, html := range []bool{false, true} {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(html)
		if enc.Encode(s) == nil {
			out = append(out, strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(b.String(), `"`), "\n"), `"`))
		}
	}
	return append(out, url.QueryEscape(s), url.PathEscape(s), strings.ToLower(s))
}

// hasSpecial reports whether w holds a byte that JSON escapes. Fragments
// never include one, so masking a fragment in a JSON document never cuts
// an escape sequence or a string's quotes.
func hasSpecial(w string) bool {
	return strings.ContainsFunc(w, func(r rune) bool { return r < 0x20 || r == '"' || r == '\\' })
}

func isSpecial(c byte) bool { return c < 0x20 || c == '"' || c == '\\' }

func load64[T ~string | ~[]byte](s T) uint64 {
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

func hash(g uint64) uint64 { return (g * 0x9E3779B97F4A7C15) >> (64 - filterBits) }
