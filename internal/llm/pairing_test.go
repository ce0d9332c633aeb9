package llm

import (
	"strings"
	"testing"
)

// shape renders messages compactly: u, a, a[c1 c2] (calls), t[c1 c2!]
// (results, ! for an interrupted one).
func shape(msgs []Message) string {
	var out []string
	for _, m := range msgs {
		switch m.Role {
		case RoleUser:
			out = append(out, "u")
		case RoleAssistant:
			s := "a"
			if calls := m.ToolCalls(); len(calls) > 0 {
				var ids []string
				for _, c := range calls {
					ids = append(ids, c.ID)
				}
				s += "[" + strings.Join(ids, " ") + "]"
			}
			out = append(out, s)
		case RoleTool:
			var ids []string
			for _, p := range m.Parts {
				if r := p.ToolResult; r != nil {
					id := r.CallID
					if r.Content == InterruptedResult && r.IsError {
						id += "!"
					}
					ids = append(ids, id)
				}
			}
			out = append(out, "t["+strings.Join(ids, " ")+"]")
		}
	}
	return strings.Join(out, " ")
}

func TestPairToolCalls(t *testing.T) {
	calls := func(ids ...string) Message {
		m := Message{Role: RoleAssistant}
		for _, id := range ids {
			m.Parts = append(m.Parts, ToolCallPart(ToolCall{ID: id, Name: "read_file", Arguments: []byte(`{}`)}))
		}
		return m
	}
	results := func(ids ...string) Message {
		var rs []ToolResult
		for _, id := range ids {
			rs = append(rs, ToolResult{CallID: id, Name: "read_file", Content: "content of " + id})
		}
		return ToolResults(rs...)
	}
	tests := []struct {
		name string
		in   []Message
		want string
		same bool // returned without copying
	}{
		{"empty", nil, "", true},
		{"plain chat", []Message{UserText("hi"), AssistantText("hello"), UserText("bye")}, "u a u", true},
		{"well paired", []Message{UserText("x"), calls("c1", "c2"), results("c1", "c2"), AssistantText("done")}, "u a[c1 c2] t[c1 c2] a", true},
		{"results missing before the next user message", []Message{UserText("x"), calls("c1", "c2"), UserText("y")}, "u a[c1 c2] t[c1! c2!] u", false},
		{"calls at the very end", []Message{UserText("x"), calls("c1")}, "u a[c1] t[c1!]", false},
		{"one of two results missing", []Message{UserText("x"), calls("c1", "c2"), results("c2"), UserText("y")}, "u a[c1 c2] t[c1! c2] u", false},
		{"results out of order", []Message{UserText("x"), calls("c1", "c2"), results("c2", "c1")}, "u a[c1 c2] t[c1 c2]", false},
		{"orphan result dropped", []Message{UserText("x"), results("c9"), AssistantText("hm")}, "u a", false},
		{"result answering another call", []Message{UserText("x"), calls("c1"), results("c2"), UserText("y")}, "u a[c1] t[c1!] u", false},
		{"two tool messages for one call", []Message{UserText("x"), calls("c1"), results("c1"), results("c1"), UserText("y")}, "u a[c1] t[c1] u", false},
		{"repeated call ids each answered", []Message{UserText("x"), calls("c", "c"), results("c")}, "u a[c c] t[c c!]", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := shape(tt.in)
			got := PairToolCalls(tt.in)
			if s := shape(got); s != tt.want {
				t.Fatalf("got %s, want %s", s, tt.want)
			}
			if shape(tt.in) != before {
				t.Fatalf("the input was modified: %s", shape(tt.in))
			}
			if same := len(got) > 0 && len(tt.in) > 0 && &got[0] == &tt.in[0]; same != (tt.same && len(tt.in) > 0) {
				t.Errorf("returned the input itself: %v, want %v", same, tt.same)
			}
			if !paired(got) {
				t.Errorf("the result is not well paired: %s", shape(got))
			}
			for _, m := range got {
				for _, p := range m.Parts {
					if r := p.ToolResult; r != nil && r.Content != InterruptedResult && !strings.HasPrefix(r.Content, "content of "+r.CallID) {
						t.Errorf("result %s carries %q", r.CallID, r.Content)
					}
				}
			}
		})
	}
}
