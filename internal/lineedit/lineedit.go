// Package lineedit is the chat's line editor: a prompt on a raw terminal
// with the usual editing keys and a history, where a message may span
// several lines. Alt-Enter breaks the line, a bracketed paste
// arrives whole however many lines it has, Ctrl-C clears what was typed
// and, on an empty line, tells the caller (ErrInterrupted). No line
// editing library does all of this (liner, which chat used, sends each
// pasted line as its own message and has no multi-line input).
package lineedit

import (
	"bufio"
	"errors"
	"io"
	"unicode"
)

// ErrInterrupted is Ctrl-C on an empty line.
var ErrInterrupted = errors.New("interrupted")

// Terminal is what the editor needs of the terminal: raw mode on and off,
// and its width. Tests supply a fake.
type Terminal interface {
	MakeRaw() (restore func(), err error)
	Width() int
}

// Editor reads messages from a terminal. It is used by one goroutine.
type Editor struct {
	in   *bufio.Reader
	out  io.Writer
	term Terminal
	hist *History

	// the line being edited
	buf    []rune
	pos    int
	prompt string
	row    int // the cursor's row, counted from the prompt's first row
	// histPos is the history entry shown (len(entries) for the new line)
	// and draft the new line kept while browsing.
	histPos int
	draft   []rune
}

// New returns an editor reading keys from in and drawing on out. hist
// may be nil for no history.
func New(in io.Reader, out io.Writer, term Terminal, hist *History) *Editor {
	if hist == nil {
		hist = &History{}
	}
	return &Editor{in: bufio.NewReader(in), out: out, term: term, hist: hist}
}

// bracketedPaste asks the terminal to mark pastes (ESC[200~ … ESC[201~).
const (
	pasteOn  = "\x1b[?2004h"
	pasteOff = "\x1b[?2004l"
)

// ReadLine shows prompt and returns the message typed, without a final
// newline (inner newlines stay). It returns io.EOF for Ctrl-D on an empty
// line and ErrInterrupted for Ctrl-C on an empty line; Ctrl-C on a typed
// line clears it. Messages are added to the history; use Prompt for
// answers that should not be.
func (e *Editor) ReadLine(prompt string) (string, error) {
	s, err := e.read(prompt, true)
	if err == nil && s != "" {
		e.hist.Add(s)
	}
	return s, err
}

// Prompt is ReadLine for short answers (an approval): no history.
func (e *Editor) Prompt(prompt string) (string, error) { return e.read(prompt, false) }

func (e *Editor) read(prompt string, history bool) (string, error) {
	restore, err := e.term.MakeRaw()
	if err != nil {
		return "", err
	}
	defer restore()
	io.WriteString(e.out, pasteOn)
	defer io.WriteString(e.out, pasteOff)
	e.buf, e.pos, e.prompt, e.row = e.buf[:0], 0, prompt, 0
	e.histPos, e.draft = e.hist.Len(), nil
	e.redraw()
	for {
		k, err := readKey(e.in)
		if err != nil {
			e.finish()
			return "", err
		}
		switch k.op {
		case opSubmit:
			e.finish()
			return string(e.buf), nil
		case opEOF:
			if len(e.buf) == 0 {
				e.finish()
				return "", io.EOF
			}
			e.deleteAt(e.pos)
		case opInterrupt:
			if len(e.buf) == 0 {
				e.finish()
				return "", ErrInterrupted
			}
			e.pos = len(e.buf)
			e.redraw()
			io.WriteString(e.out, "^C\r\n")
			e.buf, e.pos, e.row = e.buf[:0], 0, 0
			e.histPos = e.hist.Len()
		case opUp, opDown:
			if !e.moveLine(k.op == opUp) && history {
				e.browse(k.op == opUp)
			}
		case opClear:
			io.WriteString(e.out, "\x1b[H\x1b[2J")
			e.row = 0
		default:
			e.edit(k)
		}
		e.redraw()
	}
}

// edit applies an editing key to the buffer.
func (e *Editor) edit(k key) {
	switch k.op {
	case opInsert:
		e.insert([]rune{k.r})
	case opNewline:
		e.insert([]rune{'\n'})
	case opPaste:
		e.insert([]rune(k.text))
	case opBackspace:
		if e.pos > 0 {
			e.pos--
			e.deleteAt(e.pos)
		}
	case opDelete:
		e.deleteAt(e.pos)
	case opLeft:
		e.pos = max(0, e.pos-1)
	case opRight:
		e.pos = min(len(e.buf), e.pos+1)
	case opWordLeft:
		e.pos = e.wordStart(e.pos)
	case opWordRight:
		e.pos = e.wordEnd(e.pos)
	case opHome:
		e.pos = e.lineStart(e.pos)
	case opEnd:
		e.pos = e.lineEnd(e.pos)
	case opKillEnd:
		e.buf = append(e.buf[:e.pos], e.buf[e.lineEnd(e.pos):]...)
	case opKillStart:
		start := e.lineStart(e.pos)
		e.buf = append(e.buf[:start], e.buf[e.pos:]...)
		e.pos = start
	case opKillWord:
		start := e.wordStart(e.pos)
		e.buf = append(e.buf[:start], e.buf[e.pos:]...)
		e.pos = start
	case opKillWordForward:
		end := e.wordEnd(e.pos)
		e.buf = append(e.buf[:e.pos], e.buf[end:]...)
	}
}

func (e *Editor) insert(rs []rune) {
	e.buf = append(e.buf[:e.pos], append(rs, e.buf[e.pos:]...)...)
	e.pos += len(rs)
}

func (e *Editor) deleteAt(i int) {
	if i < len(e.buf) {
		e.buf = append(e.buf[:i], e.buf[i+1:]...)
	}
}

func (e *Editor) lineStart(i int) int {
	for i > 0 && e.buf[i-1] != '\n' {
		i--
	}
	return i
}

func (e *Editor) lineEnd(i int) int {
	for i < len(e.buf) && e.buf[i] != '\n' {
		i++
	}
	return i
}

func (e *Editor) wordStart(i int) int {
	for i > 0 && !isWord(e.buf[i-1]) {
		i--
	}
	for i > 0 && isWord(e.buf[i-1]) {
		i--
	}
	return i
}

func (e *Editor) wordEnd(i int) int {
	for i < len(e.buf) && !isWord(e.buf[i]) {
		i++
	}
	for i < len(e.buf) && isWord(e.buf[i]) {
		i++
	}
	return i
}

func isWord(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' }

// moveLine moves the cursor to the line above or below within a
// multi-line message, keeping its column; false when there is none.
func (e *Editor) moveLine(up bool) bool {
	start := e.lineStart(e.pos)
	col := e.pos - start
	if up {
		if start == 0 {
			return false
		}
		prev := e.lineStart(start - 1)
		e.pos = min(prev+col, start-1)
		return true
	}
	end := e.lineEnd(e.pos)
	if end == len(e.buf) {
		return false
	}
	next := end + 1
	e.pos = min(next+col, e.lineEnd(next))
	return true
}

// browse shows the previous or next history entry; the new line is kept
// as a draft while browsing.
func (e *Editor) browse(back bool) {
	n := e.hist.Len()
	switch {
	case back && e.histPos > 0:
		if e.histPos == n {
			e.draft = append([]rune(nil), e.buf...)
		}
		e.histPos--
		e.buf = []rune(e.hist.At(e.histPos))
	case !back && e.histPos < n:
		e.histPos++
		if e.histPos == n {
			e.buf = append([]rune(nil), e.draft...)
		} else {
			e.buf = []rune(e.hist.At(e.histPos))
		}
	default:
		return
	}
	e.pos = len(e.buf)
}

// finish puts the cursor after the message and starts a new line.
func (e *Editor) finish() {
	e.pos = len(e.buf)
	e.redraw()
	io.WriteString(e.out, "\r\n")
	e.row = 0
}
