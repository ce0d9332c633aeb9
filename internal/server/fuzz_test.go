package server

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/localgpt-go/localgpt/internal/llm"
)

// FuzzToConversation feeds arbitrary request bodies to the parser of
// /v1/chat/completions: it never panics, and whatever it accepts ends on a
// non-empty user message or on tool results, with a history in which
// every tool call of the assistant has its result; the request's
// parameters are checked without panicking either.
func FuzzToConversation(f *testing.F) {
	for _, seed := range []string{
		`{"messages":[{"role":"user","content":"hi"}]}`,
		`{"messages":[{"role":"system","content":"be brief"},{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}]}`,
		`{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":null},{"role":"user","content":"c"}]}`,
		`{"messages":[{"role":"user","content":"a"},{"role":"assistant","tool_calls":[{"id":"1","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"1","content":"r"}]}`,
		`{"messages":[{"role":"tool","content":"x"}]}`,
		`{"messages":[{"role":"user","content":[{"type":"image_url"}]}]}`,
		`{"messages":[{"role":"user","content":{"text":1}}]}`,
		`{"messages":[{"role":"user","content":"x"}],"n":2,"stop":["a"],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"required","response_format":{"type":"json_schema","json_schema":{"schema":{}}}}`,
		`{"messages":[]}`, `{}`, `[`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var req completionRequest
		if json.Unmarshal([]byte(body), &req) != nil {
			return
		}
		if _, err := req.params(); err != nil {
			if _, ok := err.(invalidError); !ok {
				t.Fatalf("params: error of type %T: %v", err, err)
			}
		}
		history, last, err := toConversation(req.Messages)
		if err != nil {
			if _, ok := err.(invalidError); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if !(last.Role == llm.RoleUser && strings.TrimSpace(last.Text()) != "") && last.Role != llm.RoleTool {
			t.Fatalf("accepted a last message %+v", last)
		}
		all := append(history, last)
		for i, m := range all {
			if m.Role == llm.RoleAssistant && len(m.ToolCalls()) > 0 && (i+1 >= len(all) || all[i+1].Role != llm.RoleTool) {
				t.Fatalf("a tool call without its result was accepted: %+v", all)
			}
		}
	})
}

// FuzzReadSSE checks the stream writer against the strict reader the
// tests use: any event name without a newline and any data round-trip.
func FuzzReadSSE(f *testing.F) {
	f.Add("text", "hello\nworld")
	f.Add("", "[DONE] \u2028 \"quoted\" <b>")
	f.Fuzz(func(t *testing.T, name, text string) {
		if strings.ContainsAny(name, "\r\n") || strings.HasPrefix(name, " ") {
			return
		}
		rec := newRecorder()
		w := newSSE(rec)
		w.event(name, map[string]string{"text": text})
		events := readSSE(t, strings.NewReader(rec.Body.String()))
		var got map[string]string
		if len(events) != 1 || events[0].Name != name || json.Unmarshal([]byte(events[0].Data), &got) != nil {
			t.Fatalf("%q %q → %+v", name, text, events)
		}
		if utf8.ValidString(text) && got["text"] != text { // invalid bytes become U+FFFD
			t.Fatalf("text %q, want %q", got["text"], text)
		}
	})
}

// FuzzResponsesInput feeds arbitrary bodies to the parser of
// /v1/responses: it never panics, refuses with an invalidError only, and
// what it accepts ends on a user message or tool results.
func FuzzResponsesInput(f *testing.F) {
	for _, seed := range []string{
		`{"input":"hi"}`,
		`{"input":[{"role":"user","content":[{"type":"input_text","text":"a"}]}],"instructions":"x"}`,
		`{"input":[{"role":"user","content":"a"},{"type":"function_call","call_id":"1","name":"f","arguments":"{}"},{"type":"function_call_output","call_id":"1","output":"r"}]}`,
		`{"input":[{"type":"item_reference","id":"msg_1"}]}`,
		`{"input":"x","text":{"format":{"type":"json_schema","schema":{}}},"tools":[{"type":"function","name":"f"}],"tool_choice":{"type":"function","name":"f"}}`,
		`{"input":[]}`, `{}`, `{"input":7}`,
	} {
		f.Add(seed)
	}
	var items itemStore
	items.put(inputItem{Type: "message", ID: "msg_1", Role: "assistant", Content: json.RawMessage(`"earlier"`)})
	f.Fuzz(func(t *testing.T, body string) {
		var req responsesRequest
		if json.Unmarshal([]byte(body), &req) != nil {
			return
		}
		if _, err := req.params(); err != nil {
			if _, ok := err.(invalidError); !ok {
				t.Fatalf("params: error of type %T: %v", err, err)
			}
		}
		_, last, err := req.conversation(&items)
		if err != nil {
			if _, ok := err.(invalidError); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if !(last.Role == llm.RoleUser && strings.TrimSpace(last.Text()) != "") && last.Role != llm.RoleTool {
			t.Fatalf("accepted a last message %+v", last)
		}
	})
}
