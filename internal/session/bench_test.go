package session

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/internal/llm"
)

// benchSession writes a session of n messages (user, assistant with a tool
// call, tool result, assistant answer, repeated) of realistic sizes.
func benchSession(b *testing.B, n int) (*Store, string) {
	b.Helper()
	st := NewStore(b.TempDir())
	s, err := st.Create("ollama/llama3.2", t0)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	text := strings.Repeat("Some words of a realistic chat message. ", 8) // ~320 bytes
	var batch []Entry
	for i := range n {
		var m llm.Message
		switch i % 4 {
		case 0:
			m = llm.UserText(fmt.Sprintf("question %d: %s", i, text))
		case 1:
			m = llm.Message{Role: llm.RoleAssistant, Parts: []llm.Part{llm.ToolCallPart(llm.ToolCall{ID: fmt.Sprint("c", i), Name: "memory_search", Arguments: []byte(`{"query":"garden tomatoes"}`)})}}
		case 2:
			m = llm.ToolResults(llm.ToolResult{CallID: fmt.Sprint("c", i-1), Name: "memory_search", Content: text + text})
		default:
			m = llm.AssistantText(fmt.Sprintf("answer %d: %s", i, text))
		}
		e := Entry{Type: TypeMessage, At: t0, Message: &m}
		if i%4 == 3 {
			e.Usage, e.ContextTokens = &llm.Usage{PromptTokens: 1000, CompletionTokens: 80, TotalTokens: 1080}, 1000
		}
		batch = append(batch, e)
		if len(batch) == 500 {
			if err := s.Append(batch...); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	if err := s.Append(batch...); err != nil {
		b.Fatal(err)
	}
	return st, s.ID()
}

// BenchmarkLoadAndPrepare10k loads a 10,000-message session from disk and
// prepares the next request: the history and its token estimate.
func BenchmarkLoadAndPrepare10k(b *testing.B) {
	st, id := benchSession(b, 10000)
	info, _ := os.Stat(st.Path(id))
	b.SetBytes(info.Size())
	b.ResetTimer()
	for b.Loop() {
		s, err := st.Open(id)
		if err != nil {
			b.Fatal(err)
		}
		h := s.Transcript().History()
		if len(h) != 10000 || MessagesTokens(h)+MessageTokens(llm.UserText("next")) == 0 {
			b.Fatal("bad history")
		}
		s.Close()
	}
}

// turnEntries is one typical turn: question, tool call, result, answer.
func turnEntries() []Entry {
	text := strings.Repeat("Some words of a realistic chat message. ", 8)
	msgs := []llm.Message{
		llm.UserText(text),
		{Role: llm.RoleAssistant, Parts: []llm.Part{llm.ToolCallPart(llm.ToolCall{ID: "c1", Name: "memory_search", Arguments: []byte(`{"query":"x"}`)})}},
		llm.ToolResults(llm.ToolResult{CallID: "c1", Name: "memory_search", Content: text + text}),
		llm.AssistantText(text),
	}
	out := make([]Entry, len(msgs))
	for i := range msgs {
		out[i] = Entry{Type: TypeMessage, At: t0, Message: &msgs[i]}
	}
	out[3].Usage = &llm.Usage{PromptTokens: 1000, CompletionTokens: 80, TotalTokens: 1080}
	return out
}

// BenchmarkAppendTurn appends one four-message turn and fsyncs it.
func BenchmarkAppendTurn(b *testing.B) {
	st := NewStore(b.TempDir())
	s, err := st.Create("m", t0)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	entries := turnEntries()
	for b.Loop() {
		if err := s.Append(entries...); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendTurnNoSync is the append without its fsync: the cost our
// code adds (encoding, write, transcript update), apart from the disk.
func BenchmarkAppendTurnNoSync(b *testing.B) {
	st := NewStore(b.TempDir())
	s, err := st.Create("m", t0)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	entries := turnEntries()
	for b.Loop() {
		data, err := encodeLines(entries)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.f.Write(data); err != nil {
			b.Fatal(err)
		}
		for _, e := range entries {
			s.t.add(e)
		}
	}
}
