package lineedit

import (
	"os"

	"golang.org/x/term"
)

// fileTerminal is a real terminal: keys come from in, which is put in raw
// mode while a line is read; the width is out's.
type fileTerminal struct{ in, out *os.File }

// NewTerminal returns the Terminal of in (keys) and out (the screen).
func NewTerminal(in, out *os.File) Terminal { return fileTerminal{in, out} }

func (t fileTerminal) MakeRaw() (func(), error) {
	fd := int(t.in.Fd())
	st, err := term.MakeRaw(fd)
	if err != nil {
		return nil, err
	}
	return func() { _ = term.Restore(fd, st) }, nil
}

func (t fileTerminal) Width() int {
	if w, _, err := term.GetSize(int(t.out.Fd())); err == nil && w > 0 {
		return w
	}
	return 80
}
