package llm

import (
	"encoding/json"
	"strings"
)

// InvalidArgumentsKey holds, as a string, tool-call arguments that were not
// valid JSON (a malformed call, or one cut off by the token limit), so the
// call stays valid JSON everywhere it is stored or sent again.
const InvalidArgumentsKey = "_invalid_arguments"

// InvalidArguments returns the raw text of arguments that were not valid
// JSON when the model sent them, and whether that was the case.
func (c ToolCall) InvalidArguments() (string, bool) {
	var w map[string]string
	if json.Unmarshal(c.Arguments, &w) != nil || len(w) != 1 {
		return "", false
	}
	raw, ok := w[InvalidArgumentsKey]
	return raw, ok
}

// assembler builds the final Response from the events a stream delivers,
// so adapters only decode and every provider assembles the same way.
type assembler struct {
	model    string
	parts    []Part
	text     strings.Builder // the open text or reasoning part
	open     PartType        // "" when no text or reasoning part is open
	sig      string
	usage    Usage
	stop     StopReason
	sawStop  bool
	sawUsage bool
}

func (a *assembler) add(ev Event) {
	switch ev.Type {
	case EventTextDelta:
		a.appendText(PartText, ev.Text, "")
	case EventReasoningDelta:
		a.appendText(PartReasoning, ev.Text, ev.Signature)
	case EventToolCallEnd:
		a.flush()
		c := ev.ToolCall
		switch {
		case len(c.Arguments) == 0:
			c.Arguments = json.RawMessage("{}")
		case !json.Valid(c.Arguments):
			// A cut-off or malformed call must not poison the history: every
			// later request and the session file need valid JSON here.
			wrapped, _ := json.Marshal(map[string]string{InvalidArgumentsKey: string(c.Arguments)})
			c.Arguments = wrapped
		}
		a.parts = append(a.parts, ToolCallPart(c))
	case EventUsage:
		a.usage = ev.Usage
		a.sawUsage = true
	case EventStop:
		a.stop = ev.StopReason
		a.sawStop = true
	}
}

func (a *assembler) appendText(t PartType, s, sig string) {
	if a.open != t {
		a.flush()
		a.open = t
	}
	a.text.WriteString(s)
	if sig != "" {
		a.sig += sig
	}
}

func (a *assembler) flush() {
	if a.open == "" {
		return
	}
	if a.text.Len() > 0 || a.sig != "" {
		a.parts = append(a.parts, Part{Type: a.open, Text: a.text.String(), Signature: a.sig})
	}
	a.text.Reset()
	a.open, a.sig = "", ""
}

func (a *assembler) response() *Response {
	a.flush()
	stop := a.stop
	if stop == "" {
		stop = StopEnd
	}
	u := a.usage
	if u.TotalTokens == 0 {
		u.TotalTokens = u.PromptTokens + u.CompletionTokens
	}
	return &Response{
		Model:      a.model,
		Message:    Message{Role: RoleAssistant, Parts: a.parts},
		Usage:      u,
		StopReason: stop,
	}
}
