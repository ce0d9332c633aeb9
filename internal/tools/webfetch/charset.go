package webfetch

import (
	"bytes"
	"fmt"
	"mime"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// The decoders are the single-byte charsets (ISO-8859-*, windows-125*,
// KOI8, Macintosh, IBM code pages) and UTF-16, about 90 KB of tables.
// golang.org/x/net/html/charset would add the CJK ones too, but costs
// 0.8 MiB of binary (measured; docs/tools.md), for the few pages that are
// not UTF-8 today; such pages are shown with their non-ASCII bytes as
// U+FFFD and a note.

// decoded is a body as UTF-8 text, and a note when its charset is one
// web_fetch cannot decode.
type decoded struct {
	text string
	note string
}

// decodeBody returns body as UTF-8 text. The charset comes from a byte
// order mark, the Content-Type header or, for HTML, a <meta> tag in its
// first 1024 bytes (as browsers look for it). Without a declaration, a
// body that is valid UTF-8 is UTF-8 and anything else windows-1252 (the
// WHATWG default); JSON is UTF-8 unless declared otherwise.
func decodeBody(body []byte, contentType, mediaType string) decoded {
	label, certain := declaredCharset(body, contentType, isHTML(mediaType))
	if label == "" {
		if utf8.Valid(trimPartialRune(body)) || mediaType == "application/json" || strings.HasSuffix(mediaType, "+json") {
			label = "utf-8"
		} else {
			label = "windows-1252"
		}
	}
	enc, name := lookupCharset(label)
	switch {
	case name == "utf-8":
	case enc != nil:
		if out, err := enc.NewDecoder().Bytes(body); err == nil {
			body = out
		}
	case certain:
		return decoded{text: asciiOnly(body), note: fmt.Sprintf("[the page is encoded in %s, which web_fetch does not decode; its non-ASCII characters are shown as \uFFFD]", label)}
	}
	body = bytes.TrimPrefix(body, []byte("\uFEFF"))
	return decoded{text: strings.ToValidUTF8(string(body), "\uFFFD")}
}

// declaredCharset returns the charset label a byte order mark, the
// Content-Type header or a <meta> tag declares, or "".
func declaredCharset(body []byte, contentType string, isHTML bool) (label string, certain bool) {
	switch {
	case bytes.HasPrefix(body, []byte("\xEF\xBB\xBF")):
		return "utf-8", true
	case bytes.HasPrefix(body, []byte("\xFF\xFE")):
		return "utf-16le", true
	case bytes.HasPrefix(body, []byte("\xFE\xFF")):
		return "utf-16be", true
	}
	if _, params, err := mime.ParseMediaType(contentType); err == nil && params["charset"] != "" {
		return params["charset"], true
	}
	if isHTML {
		if cs := metaCharset(body); cs != "" {
			return cs, true
		}
	}
	return "", false
}

// metaCharset finds <meta charset=…> or <meta http-equiv="content-type"
// content="…; charset=…"> in the first 1024 bytes of an HTML document.
func metaCharset(body []byte) string {
	z := html.NewTokenizer(bytes.NewReader(body[:min(len(body), 1024)]))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			if string(name) != "meta" || !hasAttr {
				continue
			}
			var cs, httpEquiv, content string
			for more := true; more; {
				var k, v []byte
				k, v, more = z.TagAttr()
				switch strings.ToLower(string(k)) {
				case "charset":
					cs = string(v)
				case "http-equiv":
					httpEquiv = strings.ToLower(string(v))
				case "content":
					content = string(v)
				}
			}
			if cs != "" {
				return strings.TrimSpace(cs)
			}
			if httpEquiv == "content-type" {
				if _, params, err := mime.ParseMediaType(content); err == nil && params["charset"] != "" {
					return params["charset"]
				}
			}
		}
	}
}

// lookupCharset maps a charset label to a decoder and a canonical name:
// "utf-8" (no decoder needed), a UTF-16 or single-byte decoder, or nil
// for a charset that is not decoded.
func lookupCharset(label string) (encoding.Encoding, string) {
	key := squash(label)
	if alias, ok := charsetAliases()[key]; ok {
		key = alias
	}
	switch key {
	case "utf8":
		return nil, "utf-8"
	case "utf16le", "utf16":
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "utf-16le"
	case "utf16be":
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), "utf-16be"
	}
	for _, e := range charmap.All {
		if squash(fmt.Sprint(e)) == key { // "ISO 8859-2" → iso88592, "Windows 1250" → windows1250
			return e, label
		}
	}
	return nil, label
}

// charsetAliases maps other labels (squashed) to the squashed name of the
// charset they mean; as the WHATWG Encoding standard says, Latin-1 and
// ASCII labels mean windows-1252.
func charsetAliases() map[string]string {
	m := map[string]string{
		"unicode11utf8": "utf8", "unicode20utf8": "utf8", "xunicode20utf8": "utf8",
		"ucs2": "utf16le", "unicode": "utf16le", "csunicode": "utf16le", "iso10646ucs2": "utf16le", "unicodefeff": "utf16le",
		"unicodefffe":  "utf16be",
		"ansix3.41968": "windows1252", "ascii": "windows1252", "usascii": "windows1252", "cp819": "windows1252",
		"csisolatin1": "windows1252", "ibm819": "windows1252", "iso88591": "windows1252", "isoir100": "windows1252",
		"l1": "windows1252", "latin1": "windows1252", "iso885911987": "windows1252",
		"latin2": "iso88592", "l2": "iso88592", "latin3": "iso88593", "l3": "iso88593", "latin4": "iso88594", "l4": "iso88594",
		"cyrillic": "iso88595", "arabic": "iso88596", "greek": "iso88597", "greek8": "iso88597", "hebrew": "iso88598",
		"latin5": "windows1254", "l5": "windows1254", "iso88599": "windows1254", "latin6": "iso885910", "l6": "iso885910",
		"latin9": "iso885915", "l9": "iso885915", "koi8": "koi8r", "koi": "koi8r", "cskoi8r": "koi8r",
		"mac": "macintosh", "csmacintosh": "macintosh", "xmaccyrillic": "macintoshcyrillic",
		"ibm866": "ibmcodepage866", "cp866": "ibmcodepage866", "866": "ibmcodepage866", "csibm866": "ibmcodepage866",
		"tis620": "windows874", "iso885911": "windows874", "dos874": "windows874",
	}
	for _, n := range []string{"874", "1250", "1251", "1252", "1253", "1254", "1255", "1256", "1257", "1258"} {
		m["cp"+n], m["xcp"+n] = "windows"+n, "windows"+n
	}
	return m
}

// squash lower-cases a label and drops spaces, dashes and underscores.
func squash(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '_', '\t':
			return -1
		}
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// asciiOnly keeps the ASCII bytes of b and turns the others into U+FFFD
// (one per run), for a charset that is not decoded.
func asciiOnly(b []byte) string {
	var out strings.Builder
	bad := false
	for _, c := range b {
		if c < utf8.RuneSelf {
			out.WriteByte(c)
			bad = false
		} else if !bad {
			out.WriteRune(utf8.RuneError)
			bad = true
		}
	}
	return out.String()
}

// trimPartialRune drops an incomplete UTF-8 sequence at the end of b (a
// body cut at MaxBytes may end in the middle of one).
func trimPartialRune(b []byte) []byte {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return b[:i]
			}
			break
		}
	}
	return b
}
