package lineedit

import (
	"bufio"
	"strings"
	"unicode"
)

// op is what one key press (or one paste) asks the editor to do.
type op int

const (
	opNone op = iota
	opInsert
	opNewline // Alt-Enter (or Shift-Enter where the terminal tells): a line break inside the message
	opSubmit  // Enter
	opPaste   // a bracketed paste: text, newlines included
	opBackspace
	opDelete
	opEOF // Ctrl-D: delete at the cursor, or the end of input on an empty line
	opInterrupt
	opLeft
	opRight
	opWordLeft
	opWordRight
	opHome
	opEnd
	opUp
	opDown
	opKillEnd
	opKillStart
	opKillWord
	opKillWordForward
	opClear
)

// key is one decoded input event.
type key struct {
	op   op
	r    rune   // opInsert
	text string // opPaste
}

// pasteEnd ends a bracketed paste.
const pasteEnd = "\x1b[201~"

// readKey reads one key press from r. Escape sequences arrive whole (a
// terminal writes them at once), so ESC followed by another key is Alt
// with that key; a paste between ESC[200~ and ESC[201~ is one key.
func readKey(r *bufio.Reader) (key, error) {
	c, _, err := r.ReadRune()
	if err != nil {
		return key{}, err
	}
	switch c {
	case '\r', '\n':
		// LF too: keys typed ahead, while the terminal was not yet raw,
		// had their CR turned into LF by the terminal driver.
		return key{op: opSubmit}, nil
	case 0x7f, 0x08:
		return key{op: opBackspace}, nil
	case 0x01:
		return key{op: opHome}, nil
	case 0x02:
		return key{op: opLeft}, nil
	case 0x03:
		return key{op: opInterrupt}, nil
	case 0x04:
		return key{op: opEOF}, nil
	case 0x05:
		return key{op: opEnd}, nil
	case 0x06:
		return key{op: opRight}, nil
	case 0x0b:
		return key{op: opKillEnd}, nil
	case 0x0c:
		return key{op: opClear}, nil
	case 0x0e:
		return key{op: opDown}, nil
	case 0x10:
		return key{op: opUp}, nil
	case 0x15:
		return key{op: opKillStart}, nil
	case 0x17:
		return key{op: opKillWord}, nil
	case '\t':
		return key{op: opInsert, r: '\t'}, nil
	case 0x1b:
		return readEscape(r)
	}
	if unicode.IsControl(c) { // C0, DEL and the C1 controls (U+0080–U+009F)
		return key{op: opNone}, nil
	}
	return key{op: opInsert, r: c}, nil
}

// readEscape decodes what follows ESC.
func readEscape(r *bufio.Reader) (key, error) {
	c, _, err := r.ReadRune()
	if err != nil {
		return key{}, err
	}
	switch c {
	case '\r', '\n':
		return key{op: opNewline}, nil // Alt-Enter
	case 'b', 'B':
		return key{op: opWordLeft}, nil
	case 'f', 'F':
		return key{op: opWordRight}, nil
	case 'd':
		return key{op: opKillWordForward}, nil
	case 0x7f, 0x08:
		return key{op: opKillWord}, nil
	case 'O':
		c, _, err := r.ReadRune()
		if err != nil {
			return key{}, err
		}
		return key{op: map[rune]op{'A': opUp, 'B': opDown, 'C': opRight, 'D': opLeft, 'H': opHome, 'F': opEnd}[c]}, nil
	case '[':
		return readCSI(r)
	}
	return key{op: opNone}, nil
}

// readCSI decodes a control sequence: parameters, then a final byte.
func readCSI(r *bufio.Reader) (key, error) {
	var params strings.Builder
	for {
		c, _, err := r.ReadRune()
		if err != nil {
			return key{}, err
		}
		if c >= 0x40 && c <= 0x7e {
			return csiKey(r, params.String(), c)
		}
		params.WriteRune(c)
		if params.Len() > 32 { // not a sequence we know
			return key{op: opNone}, nil
		}
	}
}

func csiKey(r *bufio.Reader, params string, final rune) (key, error) {
	mod := ""
	if _, m, ok := strings.Cut(params, ";"); ok {
		mod = m
	}
	word := mod == "3" || mod == "5" // Alt or Ctrl with an arrow
	switch final {
	case 'A':
		return key{op: opUp}, nil
	case 'B':
		return key{op: opDown}, nil
	case 'C':
		if word {
			return key{op: opWordRight}, nil
		}
		return key{op: opRight}, nil
	case 'D':
		if word {
			return key{op: opWordLeft}, nil
		}
		return key{op: opLeft}, nil
	case 'H':
		return key{op: opHome}, nil
	case 'F':
		return key{op: opEnd}, nil
	case 'u': // kitty's and xterm's modifyOtherKeys form of Shift/Alt-Enter
		if strings.HasPrefix(params, "13;") {
			return key{op: opNewline}, nil
		}
	case '~':
		switch params {
		case "1", "7":
			return key{op: opHome}, nil
		case "4", "8":
			return key{op: opEnd}, nil
		case "3":
			return key{op: opDelete}, nil
		case "200":
			text, err := readPaste(r)
			return key{op: opPaste, text: text}, err
		}
		if strings.HasPrefix(params, "27;") && strings.HasSuffix(params, ";13") {
			return key{op: opNewline}, nil
		}
	}
	return key{op: opNone}, nil
}

// readPaste reads a bracketed paste up to its end marker. Line breaks
// (CR, LF or CRLF) become "\n"; other control characters but tab are
// dropped, so a paste cannot move the cursor or end the message.
func readPaste(r *bufio.Reader) (string, error) {
	var raw strings.Builder
	for !strings.HasSuffix(raw.String(), pasteEnd) {
		c, _, err := r.ReadRune()
		if err != nil {
			return "", err
		}
		raw.WriteRune(c)
	}
	text := strings.TrimSuffix(raw.String(), pasteEnd)
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	return strings.Map(func(c rune) rune {
		if unicode.IsControl(c) && c != '\n' && c != '\t' {
			return -1
		}
		return c
	}, text), nil
}
