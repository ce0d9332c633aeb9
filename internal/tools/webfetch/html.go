package webfetch

import (
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// HTMLToText reduces an HTML document to readable text: the title apart,
// headings as "#" lines, list items as "-" lines, links as "text (URL)"
// with URLs resolved against base, preformatted text kept, and scripts,
// styles and other non-content dropped. base may be nil.
func HTMLToText(doc string, base *url.URL) (title, text string) {
	root, err := html.Parse(strings.NewReader(doc))
	if err != nil { // html.Parse only fails on reader errors
		return "", doc
	}
	r := &renderer{base: base}
	r.walk(root)
	return r.title, strings.TrimSpace(r.b.String())
}

type renderer struct {
	b         strings.Builder
	base      *url.URL
	title     string
	pendingNL int  // line breaks owed before the next text
	space     bool // a space is owed before the next text
	pre       int  // depth of <pre>
	lists     int  // depth of lists
}

// write emits inline text, paying owed line breaks or a space first.
func (r *renderer) write(s string) {
	if s == "" {
		return
	}
	if r.pendingNL > 0 {
		if r.b.Len() > 0 {
			r.b.WriteString(strings.Repeat("\n", r.pendingNL))
		}
		r.pendingNL, r.space = 0, false
	} else if r.space && r.b.Len() > 0 {
		r.b.WriteByte(' ')
	}
	r.space = false
	r.b.WriteString(s)
}

// block owes n line breaks (1: new line, 2: new paragraph).
func (r *renderer) block(n int) { r.pendingNL = max(r.pendingNL, n) }

func (r *renderer) text(s string) {
	if r.pre > 0 {
		for i, line := range strings.Split(s, "\n") {
			if i > 0 {
				r.block(1)
			}
			r.write(strings.TrimRight(line, " \t\r"))
		}
		return
	}
	words := strings.Fields(s)
	if len(words) == 0 {
		if s != "" {
			r.space = true
		}
		return
	}
	if isSpace(s[0]) {
		r.space = true
	}
	r.write(strings.Join(words, " "))
	if isSpace(s[len(s)-1]) {
		r.space = true
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' }

func (r *renderer) walk(n *html.Node) {
	switch n.Type {
	case html.TextNode:
		r.text(n.Data)
		return
	case html.ElementNode:
		if r.element(n) {
			return
		}
	case html.CommentNode, html.DoctypeNode:
		return
	}
	r.children(n)
}

func (r *renderer) children(n *html.Node) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		r.walk(c)
	}
}

// element renders n and reports whether it handled the children itself.
func (r *renderer) element(n *html.Node) bool {
	switch n.DataAtom {
	case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Svg, atom.Iframe,
		atom.Object, atom.Embed, atom.Canvas, atom.Head, atom.Select, atom.Button, atom.Input, atom.Textarea:
		if n.DataAtom == atom.Head {
			r.findTitle(n)
		}
		return true
	case atom.Title:
		r.findTitle(n.Parent)
		return true
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		r.block(2)
		r.write(strings.Repeat("#", int(n.Data[1]-'0')))
		r.space = true
		r.children(n)
		r.block(2)
		return true
	case atom.Br:
		r.block(1)
		return true
	case atom.Hr:
		r.block(2)
		r.write("---")
		r.block(2)
		return true
	case atom.Li:
		r.block(1)
		r.write(strings.Repeat("  ", max(r.lists-1, 0)) + "-")
		r.space = true
		r.children(n)
		r.block(1)
		return true
	case atom.Ul, atom.Ol:
		r.lists++
		r.block(1)
		r.children(n)
		r.lists--
		r.block(2)
		return true
	case atom.Pre:
		r.block(2)
		r.pre++
		r.children(n)
		r.pre--
		r.block(2)
		return true
	case atom.A:
		r.link(n)
		return true
	case atom.Img:
		if alt := strings.TrimSpace(attr(n, "alt")); alt != "" {
			r.write("[image: " + strings.Join(strings.Fields(alt), " ") + "]")
		}
		return true
	case atom.Td, atom.Th:
		r.space = true
		r.children(n)
		r.space = true
		return true
	case atom.P, atom.Div, atom.Section, atom.Article, atom.Header, atom.Footer, atom.Main, atom.Nav,
		atom.Aside, atom.Blockquote, atom.Table, atom.Tr, atom.Dl, atom.Dt, atom.Dd, atom.Figure,
		atom.Figcaption, atom.Form, atom.Address, atom.Details, atom.Summary, atom.Caption:
		r.block(blockGap(n.DataAtom))
		r.children(n)
		r.block(blockGap(n.DataAtom))
		return true
	}
	return false
}

// blockGap is 2 (a blank line) around paragraphs, 1 around smaller blocks.
func blockGap(a atom.Atom) int {
	switch a {
	case atom.P, atom.Blockquote, atom.Table, atom.Figure, atom.Section, atom.Article:
		return 2
	}
	return 1
}

// link renders an anchor as "text (URL)".
func (r *renderer) link(n *html.Node) {
	start := r.b.Len()
	r.children(n)
	href := strings.TrimSpace(attr(n, "href"))
	if href == "" || strings.HasPrefix(href, "#") || strings.HasPrefix(strings.ToLower(href), "javascript:") {
		return
	}
	if u, err := url.Parse(href); err == nil && r.base != nil {
		href = r.base.ResolveReference(u).String()
	}
	if strings.HasSuffix(r.b.String()[start:], href) {
		return // the text is the URL itself
	}
	if r.b.Len() == start {
		r.write(href)
		return
	}
	r.b.WriteString(" (" + href + ")")
}

// findTitle sets the title from the first <title> below n.
func (r *renderer) findTitle(n *html.Node) {
	if r.title != "" || n == nil {
		return
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.DataAtom == atom.Title {
			var sb strings.Builder
			for t := c.FirstChild; t != nil; t = t.NextSibling {
				if t.Type == html.TextNode {
					sb.WriteString(t.Data)
				}
			}
			r.title = strings.Join(strings.Fields(sb.String()), " ")
			return
		}
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}
