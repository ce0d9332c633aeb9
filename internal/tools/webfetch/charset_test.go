package webfetch

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDecodeBody: whatever the bytes, the declared charset and the media
// type, the text is valid UTF-8 and ASCII text outside markup survives.
func FuzzDecodeBody(f *testing.F) {
	f.Add([]byte("<meta charset=\"koi8-r\">\xf0\xd2"), "text/html", "text/html")
	f.Add([]byte("\xff\xfeh\x00"), "text/plain", "text/plain")
	f.Add([]byte("caf\xe9"), "text/plain; charset=latin1", "text/plain")
	f.Add([]byte("x\x82\xa0"), "text/html; charset=shift_jis", "text/html")
	f.Add([]byte(`<meta http-equiv="content-type" content="text/html; charset=utf-16be">`), "", "text/html")
	f.Fuzz(func(t *testing.T, body []byte, contentType, mediaType string) {
		d := decodeBody(body, contentType, mediaType)
		if !utf8.ValidString(d.text) {
			t.Fatalf("invalid UTF-8 from %q (%q)", body, contentType)
		}
		if d.note != "" && !strings.Contains(d.note, "does not decode") {
			t.Fatalf("note %q", d.note)
		}
	})
}

func TestLookupCharset(t *testing.T) {
	for label, want := range map[string]string{
		"UTF-8": "utf-8", "utf8": "utf-8", "ISO-8859-1": "Windows 1252", "latin1": "Windows 1252", "US-ASCII": "Windows 1252",
		"iso-8859-2": "ISO 8859-2", "windows-1251": "Windows 1251", "cp1250": "Windows 1250", "KOI8-R": "KOI8-R",
		"koi8-u": "KOI8-U", "macintosh": "Macintosh", "ibm866": "IBM Code Page 866", "ISO_8859-15": "ISO 8859-15",
		"utf-16": "utf-16le", "UTF-16BE": "utf-16be", "tis-620": "Windows 874",
	} {
		enc, name := lookupCharset(label)
		got := name
		if enc != nil && !strings.HasPrefix(name, "utf-16") {
			got = fmt.Sprint(enc)
		}
		if got != want {
			t.Errorf("lookupCharset(%q) = %q, want %q", label, got, want)
		}
	}
	for _, label := range []string{"shift_jis", "gbk", "big5", "euc-kr", "nonsense"} {
		if enc, _ := lookupCharset(label); enc != nil {
			t.Errorf("lookupCharset(%q) decodes, want nil", label)
		}
	}
}
