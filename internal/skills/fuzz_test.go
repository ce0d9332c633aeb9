package skills

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse feeds arbitrary SKILL.md text to the front-matter parser: it
// must never panic, and whatever it accepts must be self-consistent (a
// body that is a suffix of the input, a name check that never panics and
// accepts only valid names).
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"---\nname: pdf\ndescription: Work with PDFs.\n---\n# Body\n",
		"\ufeff---\r\nname: a\r\ndescription: >\r\n  folded\r\n---\r\n",
		"---\nname: a\ndescription: b\nmetadata:\n  k: v\nallowed-tools: [Read, Write]\n---\n",
		"---\na: &x [*x, *x]\n---\n",
		"---\n- list\n---\n",
		"---\nname: [unclosed\n",
		"---\n...\n",
		"no front matter",
		"---\nname: \"\\u0000\"\ndescription: \"\\xff\"\n---\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, body, err := Parse(data)
		if err != nil {
			if m.Name != "" || body != "" {
				t.Fatalf("an error came with results: %+v %q", m, body)
			}
			return
		}
		if !strings.HasSuffix(string(data), body) {
			t.Fatalf("body %q is not the end of the input", body)
		}
		if _, err := m.check("dir"); err == nil {
			if !validName.MatchString(m.Name) || len(m.Name) > MaxNameLen || m.Description == "" {
				t.Fatalf("accepted %+v", m)
			}
			if !utf8.ValidString(m.Name) {
				t.Fatalf("invalid UTF-8 name %q", m.Name)
			}
		}
	})
}
