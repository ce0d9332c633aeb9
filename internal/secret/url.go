package secret

import (
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"strings"
)

// InURL reports whether a URL carries a secret: as written, percent-
// decoded (up to three times), in any letter case, or base64- or
// hex-encoded in one of its parts. web_fetch refuses such a URL, since
// fetching it would hand the key to whoever runs that server.
func (m *Masker) InURL(raw string) bool {
	t := m.table()
	if t == nil {
		return false
	}
	seen := map[string]bool{}
	var cands []string
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			cands = append(cands, s)
		}
	}
	add(raw)
	for i := 0; i < len(cands) && i < 8; i++ {
		if u, err := url.PathUnescape(cands[i]); err == nil {
			add(u)
		}
		if u, err := url.QueryUnescape(cands[i]); err == nil {
			add(u)
		}
	}
	for _, c := range append([]string(nil), cands...) {
		add(strings.ToLower(c))
		for _, part := range parts(c) {
			add(part)
			for _, tok := range append(strings.FieldsFunc(part, notEncoded), part) {
				for _, d := range decodings(tok) {
					add(d)
				}
			}
		}
	}
	for _, c := range cands {
		if len(t.scan(project(c).p, true)) > 0 {
			return true
		}
	}
	return false
}

// notEncoded separates the parts of a URL that may be base64 or hex.
func notEncoded(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '+' || r == '/' || r == '=' || r == '-' || r == '_')
}

// decodings returns what tok decodes to as base64 (any alphabet, padded
// or not) or hex; a secret is at least MinLen bytes, so shorter tokens
// are skipped.
func decodings(tok string) []string {
	if len(tok) < MinLen {
		return nil
	}
	var out []string
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(tok); err == nil {
			out = append(out, string(b))
		}
	}
	if b, err := hex.DecodeString(tok); err == nil {
		out = append(out, string(b))
	}
	return out
}

// parts splits a URL into what an encoded value could fill: the host's
// labels, the path's segments, the query's keys and values, the user
// information and the fragment.
func parts(raw string) []string {
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	out := strings.Split(u.Hostname(), ".")
	out = append(out, strings.Split(u.Path, "/")...)
	for k, vs := range u.Query() {
		out = append(out, k)
		out = append(out, vs...)
	}
	if u.User != nil {
		pw, _ := u.User.Password()
		out = append(out, u.User.Username(), pw)
	}
	return append(out, u.Fragment, u.Opaque)
}
