package llm

// InterruptedResult is the content of a tool result made up for a call
// whose result was never recorded: the process died or the turn stopped
// between the model asking for the call and the result being saved.
const InterruptedResult = "interrupted: no result was recorded for this call (the program stopped or the turn " +
	"was cancelled before it finished). It may or may not have run: check before running it again."

// PairToolCalls returns msgs in the shape every provider accepts: each
// assistant message with tool calls is followed by one tool message
// answering every call, in call order. A missing result becomes an error
// result saying the call was interrupted (InterruptedResult); a result
// that answers no call of the assistant message just before it is
// dropped. OpenAI and Anthropic reject a call without its result with a
// 400, so one lost line must not break every later turn of a session.
//
// msgs is returned unchanged, without copying, when it is already well
// formed (the usual case); otherwise the result is a new slice and msgs
// is not modified.
func PairToolCalls(msgs []Message) []Message {
	if paired(msgs) {
		return msgs
	}
	out := make([]Message, 0, len(msgs)+1)
	for i := 0; i < len(msgs); i++ {
		m := msgs[i]
		if m.Role == RoleTool {
			continue // an answer to no call: the case below consumes real ones
		}
		out = append(out, m)
		calls := m.ToolCalls()
		if m.Role != RoleAssistant || len(calls) == 0 {
			continue
		}
		var next *Message
		if i+1 < len(msgs) && msgs[i+1].Role == RoleTool {
			next = &msgs[i+1]
			i++
		}
		out = append(out, answer(calls, next))
	}
	return out
}

// answer builds the tool message answering calls, from the results in
// next (may be nil) and made-up ones for the calls it lacks.
func answer(calls []ToolCall, next *Message) Message {
	got := map[string]ToolResult{}
	if next != nil {
		for _, p := range next.Parts {
			if p.Type == PartToolResult && p.ToolResult != nil {
				if _, dup := got[p.ToolResult.CallID]; !dup {
					got[p.ToolResult.CallID] = *p.ToolResult
				}
			}
		}
	}
	results := make([]ToolResult, len(calls))
	for i, c := range calls {
		r, ok := got[c.ID]
		if !ok {
			r = ToolResult{CallID: c.ID, Name: c.Name, Content: InterruptedResult, IsError: true}
		}
		delete(got, c.ID) // a second call with the same ID gets its own answer
		results[i] = r
	}
	return ToolResults(results...)
}

// paired reports whether msgs needs no repair: every call answered by the
// next message, in order, and no tool message answering nothing.
func paired(msgs []Message) bool {
	for i, m := range msgs {
		switch {
		case m.Role == RoleTool:
			if i == 0 || msgs[i-1].Role != RoleAssistant || !answers(msgs[i-1].ToolCalls(), m) {
				return false
			}
		case m.Role == RoleAssistant:
			if len(m.ToolCalls()) > 0 && (i+1 == len(msgs) || msgs[i+1].Role != RoleTool) {
				return false
			}
		}
	}
	return true
}

// answers reports whether tool message m answers exactly calls, in order.
func answers(calls []ToolCall, m Message) bool {
	n := 0
	for _, p := range m.Parts {
		if p.Type != PartToolResult || p.ToolResult == nil {
			continue
		}
		if n >= len(calls) || p.ToolResult.CallID != calls[n].ID {
			return false
		}
		n++
	}
	return n == len(calls)
}
