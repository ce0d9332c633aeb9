package lineedit

import (
	"fmt"
	"strings"

	"github.com/mattn/go-runewidth"
)

// contPrompt starts the second and later lines of a message.
const contPrompt = "… "

// tabWidth is how many columns a tab is shown as (it stays a tab).
const tabWidth = 4

// cell is where a rune is drawn: its row (from the prompt's first row)
// and column.
type cell struct{ row, col int }

// layout places the prompt and the buffer on a terminal width columns
// wide, as the terminal will wrap them, and returns the position of each
// buffer rune, and of the end.
func layout(prompt string, buf []rune, width int) (cells []cell, end cell) {
	width = max(width, 2)
	var at cell
	place := func(w int) cell {
		if at.col+w > width {
			at = cell{at.row + 1, 0}
		}
		c := at
		at.col += w
		return c
	}
	for _, r := range prompt {
		place(runeWidth(r))
	}
	cells = make([]cell, len(buf))
	for i, r := range buf {
		if r == '\n' {
			cells[i] = at
			at = cell{at.row + 1, 0}
			for _, p := range contPrompt {
				place(runeWidth(p))
			}
			continue
		}
		cells[i] = place(runeWidth(r))
	}
	return cells, at
}

func runeWidth(r rune) int {
	if r == '\t' {
		return tabWidth
	}
	return runewidth.RuneWidth(r)
}

// redraw draws the prompt and the buffer again from the prompt's first
// row and puts the cursor where it belongs. A full last row (the terminal
// waits to wrap) is ended explicitly, so the rows counted are the rows
// the terminal used.
func (e *Editor) redraw() {
	width := e.term.Width()
	cells, end := layout(e.prompt, e.buf, width)
	var b strings.Builder
	if e.row > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", e.row)
	}
	b.WriteString("\r\x1b[J")
	b.WriteString(e.prompt)
	for _, r := range e.buf {
		switch r {
		case '\n':
			b.WriteString("\r\n" + contPrompt)
		case '\t':
			b.WriteString(strings.Repeat(" ", tabWidth))
		default:
			b.WriteRune(r)
		}
	}
	if end.col >= width {
		b.WriteString("\r\n")
		end = cell{end.row + 1, 0}
	}
	cur := end
	if e.pos < len(cells) {
		cur = cells[e.pos]
		if cur.col >= width {
			cur = cell{cur.row + 1, 0}
		}
	}
	if up := end.row - cur.row; up > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", up)
	}
	b.WriteString("\r")
	if cur.col > 0 {
		fmt.Fprintf(&b, "\x1b[%dC", cur.col)
	}
	e.row = cur.row
	e.out.Write([]byte(b.String()))
}
