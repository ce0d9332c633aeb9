package cli

import (
	"io"
	"strings"
	"time"

	"github.com/localgpt-go/localgpt/internal/agent"
	"github.com/localgpt-go/localgpt/internal/clip"
	"github.com/localgpt-go/localgpt/internal/termmd"
)

// turnView prints a turn's events for a person: the answer on out
// (markdown-rendered on a colour terminal, plain otherwise), tool activity
// and reasoning compactly on stderr. A nil *turnView prints nothing.
type turnView struct {
	out      io.Writer
	terminal bool      // out is a terminal: strip the model's control characters
	text     io.Writer // out, or a markdown renderer over it
	md       *termmd.Writer
	err      io.Writer
	color    bool
	midLine  bool // the answer so far does not end in a newline
}

func newTurnView(a *app, out io.Writer) *turnView {
	v := &turnView{out: out, text: out, err: a.stderr, color: useColor(a.getenv, out), terminal: isTerminal(out)}
	if v.color {
		v.md = termmd.New(out)
		v.text = v.md
	}
	return v
}

// handle receives the agent's events; the agent never calls it concurrently.
func (v *turnView) handle(e agent.Event) {
	if v == nil {
		return
	}
	switch e.Type {
	case agent.EventText:
		if e.Text == "" {
			return
		}
		text := e.Text
		if v.terminal && v.md == nil {
			text = termmd.Sanitize(text)
		}
		io.WriteString(v.text, text)
		v.midLine = !strings.HasSuffix(e.Text, "\n")
	case agent.EventReasoning:
		if v.color { // thinking is shown only to a person watching
			v.breakLine()
			printf(v.err, "\x1b[2m%s\x1b[0m", e.Text)
		}
	case agent.EventToolStart:
		v.breakLine()
		printf(v.err, "%s %s %s\n", v.style("2", "⚙"), e.Tool.Name, v.style("2", oneLine(e.Tool.Arguments, 100)))
	case agent.EventToolEnd:
		d := e.Tool.Duration.Round(time.Millisecond)
		if e.Tool.IsError {
			// Errors are written for the model ("Error: …"); the user sees the
			// reason whole, since its end often says what to do (--yes).
			msg := oneLine(strings.TrimPrefix(e.Tool.Preview, "Error: "), agent.PreviewChars)
			if d == 0 { // refused before it ran, or as fast
				printf(v.err, "%s %s failed: %s\n", v.style("31", "✗"), e.Tool.Name, msg)
			} else {
				printf(v.err, "%s %s failed after %s: %s\n", v.style("31", "✗"), e.Tool.Name, d, msg)
			}
		} else {
			printf(v.err, "%s %s %s\n", v.style("32", "✓"), e.Tool.Name, v.style("2", d.String()))
		}
	}
}

// breakLine ends a half-written answer line before other output.
func (v *turnView) breakLine() {
	if v.md != nil {
		v.md.Flush()
	}
	if v.midLine {
		io.WriteString(v.out, "\n")
		v.midLine = false
	}
}

// finish ends the answer with a newline.
func (v *turnView) finish() {
	if v == nil {
		return
	}
	v.breakLine()
}

// style colours text that is already safe (LocalGPT's own marks, or text
// that went through oneLine).
func (v *turnView) style(code, s string) styled {
	if !v.color {
		return styled(s)
	}
	return styled("\x1b[" + code + "m" + s + "\x1b[0m")
}

// oneLine shortens s to one line of at most n runes, without control
// characters (it shows model-written arguments on the terminal).
func oneLine(s string, n int) string {
	return clip.Runes(strings.Join(strings.Fields(termmd.Sanitize(s)), " "), n, "…")
}
