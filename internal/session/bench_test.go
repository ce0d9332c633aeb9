package session

import (
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/internal/llm"
)

// benchSession writes a session of n messages (user, assistant with a tool
// call, tool result, assistant answer, repeated: a turn, with its commit
// line) of realistic sizes.
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
		if i%4 == 3 || i == n-1 { // each turn ends with its commit
			batch = append(batch, Entry{Type: TypeCommit, At: t0, Count: i%4 + 1})
		}
		if len(batch) >= 500 {
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

// bigSession writes the 10,000-message session of the benchmarks, sets
// the bytes each iteration reads and starts the timer.
func bigSession(b *testing.B) (*Store, string) {
	st, id := benchSession(b, 10000)
	info, err := os.Stat(st.Path(id))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(info.Size())
	b.ResetTimer()
	return st, id
}

// BenchmarkLoadAndPrepare10k loads a 10,000-message session from disk and
// prepares the next request: the history and its token estimate.
func BenchmarkLoadAndPrepare10k(b *testing.B) {
	st, id := bigSession(b)
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

// turnEntries is one typical turn: question, tool call, result, answer,
// and its commit line.
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
	return append(out, Entry{Type: TypeCommit, At: t0, Count: len(msgs)})
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

// BenchmarkShow10k is `session show` of a 10,000-message session: its
// listing from the index, then every entry read and written as markdown.
func BenchmarkShow10k(b *testing.B) {
	st, id := bigSession(b)
	for b.Loop() {
		in, err := st.Info(id)
		if err != nil {
			b.Fatal(err)
		}
		m := NewMarkdown(io.Discard, in)
		if _, err := st.Walk(id, m.Entry); err != nil {
			b.Fatal(err)
		}
		m.Close()
	}
}

// BenchmarkList1000 lists 1,000 sessions from an index that is up to date.
func BenchmarkList1000(b *testing.B) {
	st := NewStore(b.TempDir())
	for i := range 1000 {
		s, err := st.Create("ollama/llama3.2", t0.Add(time.Duration(i)*time.Second))
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Append(turnEntries()...); err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
	if _, err := st.List(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		infos, err := st.List()
		if err != nil || len(infos) != 1000 {
			b.Fatalf("%v %d", err, len(infos))
		}
	}
}

// BenchmarkOpen10k is what `chat --resume` does with a 10,000-message
// session before the first message: open it for writing, count it and
// show the last exchange (the history is decoded with the first request,
// see BenchmarkLoadAndPrepare10k).
func BenchmarkOpen10k(b *testing.B) {
	st, id := bigSession(b)
	for b.Loop() {
		s, err := st.Open(id)
		if err != nil {
			b.Fatal(err)
		}
		t := s.Transcript()
		if t.Len() != 10000 || t.HistoryLen() != 10000 || len(t.LastExchange()) != 4 {
			b.Fatalf("%d messages, last exchange %d", t.Len(), len(t.LastExchange()))
		}
		s.Close()
	}
}
