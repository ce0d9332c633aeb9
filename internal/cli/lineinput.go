package cli

import (
	"bufio"
	"errors"
	"io"
	"os"

	"github.com/localgpt-go/localgpt/internal/fsutil"
	"github.com/localgpt-go/localgpt/internal/lineedit"
)

// errAborted is Ctrl-C at the prompt.
var errAborted = errors.New("aborted")

// lineInput reads chat input: with a line editor and history on a
// terminal, one message per line from a pipe.
type lineInput interface {
	// ReadLine returns the next message, io.EOF at the end, errAborted on
	// Ctrl-C on an empty line. On a terminal a message may hold several
	// lines (a paste, Alt-Enter).
	ReadLine(prompt string) (string, error)
	// Confirm asks a question and returns the answer (an approval prompt).
	Confirm(question string) (string, error)
	Close() error
}

// termInput is the line editor, with history kept in historyFile.
type termInput struct {
	e           *lineedit.Editor
	hist        *lineedit.History
	historyFile string
}

func newTermInput(in, out *os.File, historyFile string) *termInput {
	hist := &lineedit.History{}
	if f, err := os.Open(historyFile); err == nil {
		_ = hist.Read(f)
		f.Close()
	}
	return &termInput{e: lineedit.New(in, out, lineedit.NewTerminal(in, out), hist), hist: hist, historyFile: historyFile}
}

func (t *termInput) ReadLine(prompt string) (string, error) {
	s, err := t.e.ReadLine(prompt)
	if errors.Is(err, lineedit.ErrInterrupted) {
		return "", errAborted
	}
	return s, err
}

func (t *termInput) Confirm(q string) (string, error) {
	s, err := t.e.Prompt(q)
	if errors.Is(err, lineedit.ErrInterrupted) {
		return "", errAborted
	}
	return s, err
}

// Close saves the history (private to the user), replacing the file
// atomically so a crash cannot truncate it.
func (t *termInput) Close() error {
	return fsutil.WriteAtomic(t.historyFile, t.hist.Bytes(), fsutil.FileMode)
}

// pipeInput reads one message per line, for scripts and tests.
type pipeInput struct{ s *bufio.Scanner }

func newPipeInput(r io.Reader) *pipeInput {
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 64<<10), 8<<20)
	return &pipeInput{s: s}
}

func (p *pipeInput) ReadLine(string) (string, error) {
	if p.s.Scan() {
		return p.s.Text(), nil
	}
	if err := p.s.Err(); err != nil {
		return "", err
	}
	return "", io.EOF
}

// Confirm has no one to ask on a pipe.
func (p *pipeInput) Confirm(string) (string, error) { return "", io.EOF }

func (p *pipeInput) Close() error { return nil }
