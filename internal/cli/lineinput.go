package cli

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"

	"github.com/peterh/liner"

	"github.com/localgpt-go/localgpt/internal/fsutil"
)

// errAborted is Ctrl-C at the prompt.
var errAborted = errors.New("aborted")

// lineInput reads chat input: with line editing and history on a
// terminal, one message per line from a pipe.
type lineInput interface {
	// ReadLine returns the next line, io.EOF at the end, errAborted on Ctrl-C.
	ReadLine(prompt string) (string, error)
	// Confirm asks a question and returns the answer (an approval prompt).
	Confirm(question string) (string, error)
	Close() error
}

// termInput is a liner line editor with history kept in historyFile.
type termInput struct {
	l           *liner.State
	historyFile string
}

func newTermInput(historyFile string) *termInput {
	l := liner.NewLiner()
	l.SetCtrlCAborts(true)
	l.SetMultiLineMode(true)
	if f, err := os.Open(historyFile); err == nil {
		l.ReadHistory(f)
		f.Close()
	}
	return &termInput{l: l, historyFile: historyFile}
}

func (t *termInput) ReadLine(prompt string) (string, error) {
	s, err := t.l.Prompt(prompt)
	if errors.Is(err, liner.ErrPromptAborted) {
		return "", errAborted
	}
	if err == nil && s != "" {
		t.l.AppendHistory(s)
	}
	return s, err
}

func (t *termInput) Confirm(q string) (string, error) {
	s, err := t.l.Prompt(q)
	if errors.Is(err, liner.ErrPromptAborted) {
		return "", errAborted
	}
	return s, err
}

// Close restores the terminal and saves the history (private to the
// user), replacing the file atomically so a crash cannot truncate it.
func (t *termInput) Close() error {
	var buf bytes.Buffer
	if _, err := t.l.WriteHistory(&buf); err == nil {
		_ = fsutil.WriteAtomic(t.historyFile, buf.Bytes(), fsutil.FileMode)
	}
	return t.l.Close()
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
