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
// non-empty user message with a history of user and assistant messages.
func FuzzToConversation(f *testing.F) {
	for _, seed := range []string{
		`{"messages":[{"role":"user","content":"hi"}]}`,
		`{"messages":[{"role":"system","content":"be brief"},{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}]}`,
		`{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":null},{"role":"user","content":"c"}]}`,
		`{"messages":[{"role":"tool","content":"x"}]}`,
		`{"messages":[{"role":"user","content":[{"type":"image_url"}]}]}`,
		`{"messages":[{"role":"user","content":{"text":1}}]}`,
		`{"messages":[]}`, `{}`, `[`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var req completionRequest
		if json.Unmarshal([]byte(body), &req) != nil {
			return
		}
		history, user, err := toConversation(req.Messages)
		if err != nil {
			if _, ok := err.(invalidError); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if user.Role != llm.RoleUser || strings.TrimSpace(user.Text()) == "" {
			t.Fatalf("accepted a last message %+v", user)
		}
		for _, m := range history {
			if m.Role != llm.RoleUser && m.Role != llm.RoleAssistant {
				t.Fatalf("history holds a %s message", m.Role)
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
