package ollama

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Local models often print a tool call as text instead of using the tool
// call channel: `<tool_call>{"name": …, "arguments": {…}}</tool_call>`
// (Qwen, Hermes templates) or a bare JSON object naming a tool (Llama 3).
// ParseTextToolCalls and textCallFilter turn such text into real calls,
// for the tools that were offered only.

const openTag, closeTag = "<tool_call>", "</tool_call>"

// TextCall is a tool call parsed from the model's text.
type TextCall struct {
	Name      string
	Arguments json.RawMessage
}

// ParseTextToolCalls finds tool calls written as text. Every
// <tool_call>…</tool_call> block must hold a call of an offered tool, or
// the whole text must be one bare JSON object that is; otherwise ok is
// false and the text is an ordinary answer. rest is the text outside the
// blocks, trimmed.
func ParseTextToolCalls(text string, offered func(name string) bool) (calls []TextCall, rest string, ok bool) {
	if strings.Contains(text, openTag) {
		var outside strings.Builder
		s := text
		for {
			i := strings.Index(s, openTag)
			if i < 0 {
				outside.WriteString(s)
				break
			}
			outside.WriteString(s[:i])
			s = s[i+len(openTag):]
			body := s
			if j := strings.Index(s, closeTag); j >= 0 {
				body, s = s[:j], s[j+len(closeTag):]
			} else {
				s = ""
			}
			c, ok := parseCall(body, offered)
			if !ok {
				return nil, "", false
			}
			calls = append(calls, c)
		}
		return calls, strings.TrimSpace(outside.String()), true
	}
	c, ok := parseCall(text, offered)
	if !ok {
		return nil, "", false
	}
	return []TextCall{c}, "", true
}

// parseCall parses one {"name": …, "arguments": {…}} object ("parameters"
// is accepted for "arguments", and arguments given as a JSON string are
// unwrapped).
func parseCall(s string, offered func(string) bool) (TextCall, bool) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "{") || !strings.HasSuffix(s, "}") {
		return TextCall{}, false
	}
	var v struct {
		Name       string          `json:"name"`
		Arguments  json.RawMessage `json:"arguments"`
		Parameters json.RawMessage `json:"parameters"`
	}
	dec := json.NewDecoder(strings.NewReader(s))
	if err := dec.Decode(&v); err != nil || dec.More() {
		return TextCall{}, false
	}
	if v.Name == "" || !offered(v.Name) {
		return TextCall{}, false
	}
	args := v.Arguments
	if len(args) == 0 {
		args = v.Parameters
	}
	args = bytes.TrimSpace(args)
	if len(args) > 0 && args[0] == '"' {
		var inner string
		if json.Unmarshal(args, &inner) != nil {
			return TextCall{}, false
		}
		args = []byte(strings.TrimSpace(inner))
	}
	switch {
	case len(args) == 0 || string(args) == "null":
		args = []byte("{}")
	case args[0] != '{' || !json.Valid(args):
		return TextCall{}, false
	}
	var compact bytes.Buffer
	if json.Compact(&compact, args) != nil {
		return TextCall{}, false
	}
	return TextCall{Name: v.Name, Arguments: compact.Bytes()}, true
}

// filterMode is what textCallFilter does with incoming text.
type filterMode int

const (
	undecided filterMode = iota // nothing but whitespace or a tag prefix seen yet
	streaming                   // ordinary text: pass it on, watching for a tag
	buffering                   // a possible call: hold everything until the end
)

// textCallFilter sits between the streamed content and the caller when
// tools are offered. Ordinary text passes through as it comes (less any
// tail that could begin a <tool_call> tag); text that may be a call is
// held back until the end, when Flush parses it.
type textCallFilter struct {
	offered func(string) bool
	mode    filterMode
	held    string
}

// Write takes the next piece of content and returns the text that can be
// shown now.
func (f *textCallFilter) Write(s string) string {
	f.held += s
	if f.mode == undecided {
		t := strings.TrimLeft(f.held, " \t\r\n")
		switch {
		case t == "":
			return ""
		case t[0] == '{' || strings.HasPrefix(t, openTag):
			f.mode = buffering
		case strings.HasPrefix(openTag, t):
			return "" // maybe the start of a tag
		default:
			f.mode = streaming
		}
	}
	if f.mode == buffering {
		return ""
	}
	if i := strings.Index(f.held, openTag); i >= 0 {
		out := f.held[:i]
		f.held = f.held[i:]
		f.mode = buffering
		return out
	}
	keep := 0
	for n := min(len(openTag)-1, len(f.held)); n > 0; n-- {
		if strings.HasSuffix(f.held, openTag[:n]) {
			keep = n
			break
		}
	}
	out := f.held[:len(f.held)-keep]
	f.held = f.held[len(f.held)-keep:]
	return out
}

// Flush ends the content: it returns the remaining text and the calls
// found in what was held back.
func (f *textCallFilter) Flush() (string, []TextCall) {
	held := f.held
	f.held = ""
	if f.mode != streaming || strings.Contains(held, openTag) {
		if calls, rest, ok := ParseTextToolCalls(held, f.offered); ok {
			return rest, calls
		}
	}
	return held, nil
}
