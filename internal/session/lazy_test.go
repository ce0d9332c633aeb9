package session

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/internal/llm"
)

// pendingCount is how many messages of t are still to be decoded.
func pendingCount(t *Transcript) int {
	n := 0
	if t.lazy != nil {
		for _, r := range t.lazy.refs {
			if r.lazy {
				n++
			}
		}
	}
	return n
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestLazyOpenMatchesLoad: a session opened for writing decodes no message
// until one is asked for, then only those asked for, and gives exactly
// what loading it whole gives — across tool calls, a compaction, a title
// and a cancelled turn, before and after appending.
func TestLazyOpenMatchesLoad(t *testing.T) {
	st := NewStore(t.TempDir())
	s, _ := st.Create("openai/m", t0)
	for i := range 6 {
		call := llm.Message{Role: llm.RoleAssistant, Parts: []llm.Part{llm.ToolCallPart(llm.ToolCall{ID: fmt.Sprint("c", i), Name: "read_file", Arguments: []byte(`{"path":"ü.md"}`)})}}
		msgs := []llm.Message{llm.UserText(fmt.Sprintf("question %d «ü»\nsecond line", i)), call,
			llm.ToolResults(llm.ToolResult{CallID: fmt.Sprint("c", i), Name: "read_file", Content: strings.Repeat("r", 100*i)}),
			llm.AssistantText(fmt.Sprintf("answer %d", i))}
		var entries []Entry
		for k := range msgs {
			entries = append(entries, Entry{Type: TypeMessage, At: t0.Add(time.Duration(i) * time.Minute), Message: &msgs[k]})
		}
		entries[3].ContextTokens, entries[3].Model = 100*(i+1), "openai/m2"
		if err := s.AppendTurn(t0, TurnAnswered, "", entries...); err != nil {
			t.Fatal(err)
		}
		if i == 3 {
			if err := s.Append(Entry{Type: TypeCompaction, At: t0, Summary: "SUM", FirstKept: 8, Replaced: 8}); err != nil {
				t.Fatal(err)
			}
		}
	}
	cancelled := llm.UserText("stop that")
	s.AppendTurn(t0, TurnCancelled, "", Entry{Type: TypeMessage, At: t0, Message: &cancelled})
	s.Append(Entry{Type: TypeTitle, At: t0, Title: "Reading files"})
	s.Close()

	eager, err := st.Load(s.ID())
	if err != nil {
		t.Fatal(err)
	}
	lazy, err := st.Open(s.ID())
	if err != nil {
		t.Fatal(err)
	}
	defer lazy.Close()
	tr := lazy.Transcript()
	if n := pendingCount(tr); n != 25 || tr.Len() != 25 {
		t.Fatalf("opening decoded %d of 25 messages", 25-n)
	}
	steps := []struct {
		name  string
		check func() bool
		left  int // messages still to decode after it
	}{
		{"info", func() bool { return jsonOf(t, InfoOf(tr, "")) == jsonOf(t, InfoOf(eager, "")) }, 24},
		{"last context tokens", func() bool {
			return tr.LastContextTokens() == eager.LastContextTokens() && tr.LastContextTokens() == 600
		}, 24},
		{"last exchange", func() bool { return len(tr.LastExchange()) == 1 && tr.LastExchange()[0].Text() == "stop that" }, 24},
		{"history", func() bool {
			return jsonOf(t, tr.History()) == jsonOf(t, eager.History()) && tr.HistoryLen() == len(eager.History())
		}, 8},
		{"messages", func() bool { return jsonOf(t, tr.Messages()) == jsonOf(t, eager.Messages()) }, 0},
		{"entries", func() bool { return jsonOf(t, tr.Entries) == jsonOf(t, eager.Entries) }, 0},
	}
	for _, step := range steps {
		if !step.check() {
			t.Fatalf("%s differs from loading the session whole", step.name)
		}
		if n := pendingCount(tr); n != step.left {
			t.Fatalf("after %s, %d messages are still to decode, want %d", step.name, n, step.left)
		}
	}

	// Appended turns join the decoded ones.
	more := llm.UserText("one more")
	if err := lazy.AppendTurn(t0, TurnAnswered, "", Entry{Type: TypeMessage, At: t0, Message: &more}); err != nil {
		t.Fatal(err)
	}
	if h := tr.History(); h[len(h)-1].Text() != "one more" || len(tr.Messages()) != 26 {
		t.Fatalf("after an append: %d messages", len(tr.Messages()))
	}
}

// TestReadReusesNoStaleFields: the reader reuses the buffers of batches
// it has handed over (read.go), so a line must never keep a field of the
// line decoded into the same place before it. Lines with and without
// usage, a model and a long message alternate across several batches,
// opened lazily and loaded whole; every entry must be exactly its own.
func TestReadReusesNoStaleFields(t *testing.T) {
	st := NewStore(t.TempDir())
	s, _ := st.Create("openai/m", t0)
	const turns = 3 * batchLines / 2 // 3 lines a turn: several batches
	for i := range turns {
		q, a := llm.UserText(fmt.Sprintf("q%d", i)), llm.AssistantText(strings.Repeat("a", 1+i%7*3000))
		e := []Entry{{Type: TypeMessage, At: t0, Message: &q}, {Type: TypeMessage, At: t0, Message: &a}}
		if i%3 == 0 {
			e[1].Usage, e[1].Model, e[1].ContextTokens = &llm.Usage{PromptTokens: i + 1}, fmt.Sprint("openai/m", i), i+1
		}
		if err := s.AppendTurn(t0, TurnAnswered, "", e...); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	check := func(name string, tr *Transcript) {
		t.Helper()
		n := 0
		for _, e := range tr.Entries {
			if e.Type != TypeMessage || e.Message == nil && tr.lazy == nil {
				continue
			}
			i, answer := n/2, n%2 == 1
			n++
			want := answer && i%3 == 0
			if got := e.Usage != nil; got != want {
				t.Fatalf("%s: message %d has usage %v, want %v", name, n-1, got, want)
			}
			if want && (e.Usage.PromptTokens != i+1 || e.Model != fmt.Sprint("openai/m", i) || e.ContextTokens != i+1) {
				t.Fatalf("%s: message %d has usage %+v, model %q, context %d", name, n-1, *e.Usage, e.Model, e.ContextTokens)
			}
			if !want && (e.Model != "" || e.ContextTokens != 0) {
				t.Fatalf("%s: message %d kept model %q, context %d of another line", name, n-1, e.Model, e.ContextTokens)
			}
		}
		if n != 2*turns {
			t.Fatalf("%s: %d messages, want %d", name, n, 2*turns)
		}
		msgs := tr.Messages()
		for i := range turns {
			if got := msgs[2*i].Text(); got != fmt.Sprintf("q%d", i) {
				t.Fatalf("%s: question %d reads %q", name, i, got)
			}
			if got := len(msgs[2*i+1].Text()); got != 1+i%7*3000 {
				t.Fatalf("%s: answer %d has %d bytes, want %d", name, i, got, 1+i%7*3000)
			}
		}
	}
	loaded, err := st.Load(s.ID())
	if err != nil {
		t.Fatal(err)
	}
	check("load", loaded)
	open, err := st.Open(s.ID())
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	check("open", open.Transcript())
}
