package memory

import (
	"strings"
	"unicode/utf8"

	"github.com/localgpt-go/localgpt/internal/mdfence"
	"github.com/localgpt-go/localgpt/internal/tokens"
)

// Chunk is a piece of a markdown file as the index stores it.
type Chunk struct {
	// LineStart and LineEnd are 1-based and inclusive.
	LineStart int
	LineEnd   int
	// Heading is the path of headings above the chunk, "Title > Section".
	Heading string
	// Text is the chunk's lines exactly as they are in the file.
	Text string
}

// HeadingSep joins the levels of a heading path.
const HeadingSep = " > "

// fenceSplitFactor: a fenced code block stays in one chunk unless it is
// larger than this many chunk sizes, in which case it is cut at lines.
const fenceSplitFactor = 4

// unit is an indivisible run of lines: one line of prose or a list, a
// heading, or a whole fenced code block.
type unit struct {
	first, last int // 0-based line indexes
	tokens      int
	blockStart  bool // starts a paragraph, list item, fence or heading
	heading     bool
	path        string // heading path in effect at this unit
}

// ChunkMarkdown cuts markdown into chunks of about size tokens (see
// internal/tokens) that repeat about overlap tokens of the previous chunk.
// Cuts fall on markdown structure: every heading starts a chunk, and a
// chunk that is full ends before the paragraph or list item that would
// overflow it, so text is cut mid-block only when one block is larger than
// a chunk. A fenced code block is never cut unless it alone is larger than
// four chunks. A blank file gives no chunks; consecutive headings with no
// text between them stay in one chunk.
func ChunkMarkdown(content string, size, overlap int) []Chunk {
	if size < 1 {
		size = 1
	}
	if overlap >= size {
		overlap = size / 2
	}
	lines := splitLines(content)
	units := buildUnits(content, lines, size)
	c := chunker{content: content, lines: lines, units: units, size: size, overlap: overlap}
	c.run()
	return c.out
}

// lineSpan is the byte range of one line without its line break.
type lineSpan struct{ start, end int }

func splitLines(s string) []lineSpan {
	lines := make([]lineSpan, 0, strings.Count(s, "\n")+1)
	start := 0
	for start < len(s) {
		i := strings.IndexByte(s[start:], '\n')
		if i < 0 {
			lines = append(lines, lineSpan{start, len(s)})
			break
		}
		end := start + i
		if end > start && s[end-1] == '\r' {
			end--
		}
		lines = append(lines, lineSpan{start, end})
		start += i + 1
	}
	return lines
}

type headingLevel struct {
	level int
	title string
}

func buildUnits(s string, lines []lineSpan, size int) []unit {
	units := make([]unit, 0, len(lines))
	var stack []headingLevel
	path := ""
	afterBreak := true // the next non-blank line starts a block
	for i := 0; i < len(lines); i++ {
		line := s[lines[i].start:lines[i].end]
		if isBlank(line) {
			afterBreak = true
			continue
		}
		if ch, n := mdfence.Open(line); n > 0 {
			end := len(lines) - 1
			for j := i + 1; j < len(lines); j++ {
				if mdfence.Closes(s[lines[j].start:lines[j].end], ch, n) {
					end = j
					break
				}
			}
			tok := tokens.ForBytes(lines[end].end - lines[i].start + 1)
			if tok <= fenceSplitFactor*size {
				units = append(units, unit{first: i, last: end, tokens: tok, blockStart: true, path: path})
			} else {
				for j := i; j <= end; j++ {
					units = append(units, unit{first: j, last: j, tokens: lineTokens(lines[j]), blockStart: j == i, path: path})
				}
			}
			i = end
			afterBreak = true
			continue
		}
		if level, title := atxHeading(line); level > 0 {
			for len(stack) > 0 && stack[len(stack)-1].level >= level {
				stack = stack[:len(stack)-1]
			}
			stack = append(stack, headingLevel{level, title})
			path = joinPath(stack)
			units = append(units, unit{first: i, last: i, tokens: lineTokens(lines[i]), blockStart: true, heading: true, path: path})
			afterBreak = true
			continue
		}
		units = append(units, unit{first: i, last: i, tokens: lineTokens(lines[i]), blockStart: afterBreak || isListItem(line), path: path})
		afterBreak = false
	}
	return units
}

func lineTokens(l lineSpan) int { return tokens.ForBytes(l.end - l.start + 1) }

func joinPath(stack []headingLevel) string {
	parts := make([]string, 0, len(stack))
	for _, h := range stack {
		if h.title != "" {
			parts = append(parts, h.title)
		}
	}
	return strings.Join(parts, HeadingSep)
}

type chunker struct {
	content  string
	lines    []lineSpan
	units    []unit
	size     int
	overlap  int
	out      []Chunk
	start    int  // first unit of the current chunk
	tokens   int  // tokens in the current chunk
	onlyHead bool // the current chunk holds headings only
}

func (c *chunker) run() {
	c.start, c.onlyHead = 0, true
	for i := 0; i < len(c.units); i++ {
		u := c.units[i]
		switch {
		case i == c.start:
		case u.heading && !c.onlyHead:
			c.flush(i)
			c.start, c.tokens, c.onlyHead = i, 0, true
		case c.tokens+u.tokens > c.size && !c.onlyHead:
			cut := c.cutPoint(i)
			c.flush(cut)
			next := c.overlapStart(cut)
			c.start, c.tokens, c.onlyHead = next, 0, false
			for j := next; j < i; j++ { // overlap plus units after the cut
				c.tokens += c.units[j].tokens
			}
		}
		c.tokens += u.tokens
		if !u.heading {
			c.onlyHead = false
		}
	}
	if c.start < len(c.units) {
		c.flush(len(c.units))
	}
}

// cutPoint picks where the current chunk ends when unit i overflows it:
// before i if i starts a block, else before the latest block start that
// leaves the chunk at least half full, else before i (mid-block).
func (c *chunker) cutPoint(i int) int {
	if c.units[i].blockStart {
		return i
	}
	best := i
	tok := 0
	for j := c.start; j < i; j++ {
		if j > c.start && c.units[j].blockStart && tok >= c.size/2 {
			best = j
		}
		tok += c.units[j].tokens
	}
	return best
}

// overlapStart returns the first unit of the chunk after a cut: the cut
// itself moved back over trailing units worth at most overlap tokens, but
// never back to the start of the previous chunk and never onto a heading.
func (c *chunker) overlapStart(cut int) int {
	tok := 0
	j := cut
	for j-1 > c.start {
		u := c.units[j-1]
		if u.heading || tok+u.tokens > c.overlap {
			break
		}
		tok += u.tokens
		j--
	}
	return j
}

// flush emits units [c.start, end) as one chunk, or as several when a
// single line is larger than a chunk.
func (c *chunker) flush(end int) {
	if end <= c.start {
		return
	}
	first, last := c.units[c.start], c.units[end-1]
	text := c.content[c.lines[first.first].start:c.lines[last.last].end]
	path := c.units[c.start].path
	for j := c.start; j < end; j++ {
		if !c.units[j].heading {
			path = c.units[j].path
			break
		}
		path = c.units[j].path
	}
	ch := Chunk{LineStart: first.first + 1, LineEnd: last.last + 1, Heading: path}
	if end-c.start == 1 && first.first == first.last && first.tokens > c.size {
		for _, part := range splitLong(text, tokens.Bytes(c.size)) {
			ch.Text = part
			c.out = append(c.out, ch)
		}
		return
	}
	ch.Text = text
	c.out = append(c.out, ch)
}

// splitLong cuts one very long line into pieces of at most max bytes,
// preferring a space and never splitting a UTF-8 sequence.
func splitLong(s string, max int) []string {
	var out []string
	for len(s) > max {
		cut := max
		if sp := strings.LastIndexByte(s[:max], ' '); sp > max/2 {
			cut = sp + 1
		}
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		if cut == 0 {
			cut = max
		}
		out = append(out, s[:cut])
		s = s[cut:]
	}
	if len(s) > 0 {
		out = append(out, s)
	}
	return out
}

func isBlank(s string) bool { return strings.TrimSpace(s) == "" }

// trimIndent removes up to three leading spaces, as CommonMark allows
// before a fence or heading.
func trimIndent(s string) string {
	for i := 0; i < 3 && len(s) > 0 && s[0] == ' '; i++ {
		s = s[1:]
	}
	return s
}

// atxHeading returns the level and title of a "# Title" line, or 0.
func atxHeading(line string) (int, string) {
	t := trimIndent(line)
	n := 0
	for n < len(t) && n < 7 && t[n] == '#' {
		n++
	}
	if n == 0 || n > 6 || (n < len(t) && t[n] != ' ' && t[n] != '\t') {
		return 0, ""
	}
	title := strings.TrimSpace(t[n:])
	title = strings.TrimSpace(strings.TrimRight(title, "#"))
	return n, title
}

// isListItem reports whether line starts a list item: -, *, + or 1. / 1).
func isListItem(line string) bool {
	t := strings.TrimLeft(line, " \t")
	if len(t) >= 2 && (t[0] == '-' || t[0] == '*' || t[0] == '+') && (t[1] == ' ' || t[1] == '\t') {
		return true
	}
	n := 0
	for n < len(t) && n < 9 && t[n] >= '0' && t[n] <= '9' {
		n++
	}
	return n > 0 && n+1 < len(t) && (t[n] == '.' || t[n] == ')') && (t[n+1] == ' ' || t[n+1] == '\t')
}
