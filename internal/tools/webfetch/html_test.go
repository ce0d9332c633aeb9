package webfetch

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestHTMLToText(t *testing.T) {
	base, _ := url.Parse("https://example.com/a/page.html")
	tests := []struct {
		name, html, title, text string
	}{
		{"title and heading", "<title>T</title><h2>Sub  head</h2><p>Body</p>", "T", "## Sub head\n\nBody"},
		{"scripts and styles dropped", "<p>a</p><script>var x=1</script><style>p{}</style><noscript>js off</noscript><p>b</p>", "", "a\n\nb"},
		{"links become text and URL", `<p>See <a href="b.html">this</a> and <a href="https://x.org/">https://x.org/</a>.</p>`, "",
			"See this (https://example.com/a/b.html) and https://x.org/."},
		{"anchors and javascript links are plain text", `<a href="#top">top</a> <a href="javascript:void(0)">js</a>`, "", "top js"},
		{"empty link shows the URL", `<a href="/x"><img src="i.png"></a>`, "", "https://example.com/x"},
		{"image alt", `<img alt="a  cat">`, "", "[image: a cat]"},
		{"lists", "<ul><li>one</li><li>two<ul><li>deep</li></ul></li></ul><p>after</p>", "", "- one\n- two\n  - deep\n\nafter"},
		{"whitespace collapses", "<p>  lots \n\n of   space </p>", "", "lots of space"},
		{"inline elements keep spaces", "<p><b>bold</b> and <i>italic</i>text</p>", "", "bold and italictext"},
		{"br and hr", "line one<br>line two<hr>next", "", "line one\nline two\n\n---\n\nnext"},
		{"pre keeps layout", "<pre>a\n  b\n    c</pre><p>x</p>", "", "a\n  b\n    c\n\nx"},
		{"table cells", "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>", "", "a b\nc d"},
		{"forms dropped", `<p>q</p><input value="v"><button>Go</button><select><option>o</option></select>`, "", "q"},
		{"broken html", "<p>unclosed <b>bold <div>block", "", "unclosed bold\n\nblock"},
		{"entities", "<p>a &amp; b &lt;c&gt; &eacute;</p>", "", "a & b <c> é"},
		{"empty", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			title, text := HTMLToText(tt.html, base)
			if title != tt.title || text != tt.text {
				t.Fatalf("HTMLToText =\n%q, %q\nwant\n%q, %q", title, text, tt.title, tt.text)
			}
		})
	}
}

func FuzzHTMLToText(f *testing.F) {
	for _, s := range []string{
		"<title>x</title><h1>a</h1><p>b <a href='/c'>c</a></p>",
		"<ul><li><pre>x\n y</pre></li></ul><table><td>1<td>2</table>",
		"<a href=\"%zz\">bad</a><img alt=x><br><hr>",
		"<h7>not a heading</h7><svg><text>s</text></svg>",
	} {
		f.Add(s)
	}
	base, _ := url.Parse("https://example.com/")
	f.Fuzz(func(t *testing.T, doc string) {
		title, text := HTMLToText(doc, base)
		if strings.Contains(title, "\n") {
			t.Fatalf("title has a line break: %q", title)
		}
		if utf8.ValidString(doc) && !utf8.ValidString(text) {
			t.Fatalf("valid input gave invalid UTF-8: %q", text)
		}
		if text != strings.TrimSpace(text) {
			t.Fatalf("text is not trimmed: %q", text)
		}
	})
}
