package session

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/internal/agent"
	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
)

// appendTurn appends a committed turn of a user message and an answer.
func appendTurn(t *testing.T, s *Session, status, question, answer string) {
	t.Helper()
	u, a := llm.UserText(question), llm.AssistantText(answer)
	entries := []Entry{{Type: TypeMessage, At: t0, Message: &u}, {Type: TypeMessage, At: t0, Message: &a, Model: "openai/m",
		Usage: &llm.Usage{PromptTokens: 11, CompletionTokens: 3, TotalTokens: 14}}}
	if err := s.AppendTurn(t0, status, "", entries...); err != nil {
		t.Fatal(err)
	}
}

func texts(msgs []llm.Message) string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.Text())
	}
	return strings.Join(out, "|")
}

// TestWithdrawReplacesTheLastTurn: a withdrawn turn is gone from the
// transcript once the turn replacing it is written, the file keeps both,
// and a withdrawal that nothing replaced is not written at all.
func TestWithdrawReplacesTheLastTurn(t *testing.T) {
	st := NewStore(t.TempDir())
	s, err := st.Create("openai/m", t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Withdraw(t0); err == nil {
		t.Fatal("an empty session withdrew a turn")
	}
	appendTurn(t, s, TurnAnswered, "one", "first")
	appendTurn(t, s, TurnCancelled, "two", "second")
	if err := s.Withdraw(t0); err != nil {
		t.Fatal(err)
	}
	if got := texts(s.Transcript().Messages()); got != "one|first" {
		t.Fatalf("after the withdrawal: %s", got)
	}
	if err := s.SetTitle(t0, "x"); err == nil {
		t.Fatal("a title was written between a withdrawal and its turn")
	}
	appendTurn(t, s, TurnAnswered, "two again", "second again")
	s.Close()

	tr, err := st.Load(s.ID())
	if err != nil || len(tr.Warnings) > 0 {
		t.Fatal(err, tr.Warnings)
	}
	if got := texts(tr.Messages()); got != "one|first|two again|second again" {
		t.Fatalf("reloaded: %s", got)
	}
	turns := tr.Turns()
	if len(turns) != 2 || turns[1].Start != 2 || turns[1].Count != 2 || turns[1].Status != TurnAnswered ||
		turns[1].Usage.TotalTokens != 14 || turns[1].Model != "openai/m" {
		t.Fatalf("turns %+v", turns)
	}
	data, _ := os.ReadFile(st.Path(s.ID()))
	if !strings.Contains(string(data), `"second"`) || strings.Count(string(data), `"type":"withdraw"`) != 1 {
		t.Fatalf("the file should keep the withdrawn turn and one withdrawal:\n%s", data)
	}

	// A withdrawal the process never followed with a turn leaves the file as it was.
	s2, err := st.Open(s.ID())
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.Withdraw(t0); err != nil {
		t.Fatal(err)
	}
	s2.Close()
	tr, _ = st.Load(s.ID())
	if got := texts(tr.Messages()); got != "one|first|two again|second again" {
		t.Fatalf("an unwritten withdrawal changed the session: %s", got)
	}
}

// TestParseWithdraw: a withdrawal counts only with the turn after it, is
// ignored with a warning when there is nothing to take back, and cannot
// reach behind a compaction.
func TestParseWithdraw(t *testing.T) {
	withdraw := `{"type":"withdraw","at":"2025-03-14T09:17:00Z"}` + "\n"
	compaction := `{"type":"compaction","at":"2025-03-14T09:17:00Z","summary":"s","first_kept":2}` + "\n"
	one := msgLine("user", "one") + msgLine("assistant", "first") + commitLine(2, "")
	two := msgLine("user", "two") + msgLine("assistant", "second") + commitLine(2, TurnFailed)
	redo := msgLine("user", "redo") + msgLine("assistant", "again") + commitLine(2, "")
	tests := []struct {
		name, data, messages string
		warnings             int
	}{
		{"replaced", headerV2 + one + two + withdraw + redo, "one|first|redo|again", 0},
		{"twice", headerV2 + one + two + withdraw + redo + withdraw + redo, "one|first|redo|again", 0},
		{"torn replacement keeps the old turn", headerV2 + one + two + withdraw + msgLine("user", "redo"), "one|first|two|second", 1},
		{"nothing to take back", headerV2 + withdraw + redo, "redo|again", 1},
		{"not behind a compaction", headerV2 + one + two + compaction + withdraw + redo, "one|first|two|second|redo|again", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := Parse([]byte(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			if got := texts(tr.Messages()); got != tt.messages || len(tr.Warnings) != tt.warnings {
				t.Fatalf("messages %s, warnings %q; want %s and %d warnings", got, tr.Warnings, tt.messages, tt.warnings)
			}
		})
	}
}

// TestTitles: a title the user gives replaces the first message as the
// session's name, "" gives that back, titles are cleaned to one line, and
// search finds them.
func TestTitles(t *testing.T) {
	st := NewStore(t.TempDir())
	s, err := st.Create("openai/m", t0)
	if err != nil {
		t.Fatal(err)
	}
	appendTurn(t, s, TurnAnswered, "How do I prune roses?\nIn spring.", "Cut above a bud.")
	s.Close()
	tests := []struct{ give, want string }{
		{"Garden plans", "Garden plans"},
		{"  Two\nlines\t\x1b[2Jand escapes ", "Two lines [2Jand escapes"},
		{strings.Repeat("é", 300), strings.Repeat("é", MaxTitle-1) + "…"},
		{"", "How do I prune roses?"},
	}
	for _, tt := range tests {
		in, err := st.Rename(s.ID()[:10], tt.give, t0)
		if err != nil {
			t.Fatal(err)
		}
		if in.Title != tt.want {
			t.Fatalf("Rename(%q) = %q, want %q", tt.give, in.Title, tt.want)
		}
		if infos, _ := st.List(); infos[0].Title != tt.want {
			t.Fatalf("listed as %q", infos[0].Title)
		}
	}
	if _, err := st.Rename(s.ID(), "Garden plans", t0); err != nil {
		t.Fatal(err)
	}
	hits, err := st.Search(context.Background(), "garden", 0)
	if err != nil || len(hits) != 1 || hits[0].Message != -1 || hits[0].Title != "Garden plans" {
		t.Fatalf("title search: %+v %v", hits, err)
	}
	hits, _ = st.Search(context.Background(), "bud", 0)
	if len(hits) != 1 || hits[0].Message != 1 || hits[0].Title != "Garden plans" || hits[0].Line != "Cut above a bud." {
		t.Fatalf("message search: %+v", hits)
	}
	// Held open elsewhere, the session cannot be renamed.
	held, err := st.Open(s.ID())
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	if _, err := st.Rename(s.ID(), "x", t0); err == nil || !strings.Contains(err.Error(), "another localgpt process") {
		t.Fatalf("rename of a held session: %v", err)
	}
}

// TestConversationKeepsStoppedAnswer: the answer text of a cancelled
// first turn is kept (the user saw it), so a new session is created for it.
func TestConversationKeepsStoppedAnswer(t *testing.T) {
	e := newEnv(t, 128000, 8000, true, 0)
	e.srv.Enqueue(llmtest.Reply{Text: "Once upon a time", ChunkSize: 5, Hang: true})
	ctx, stop := context.WithCancel(context.Background())
	_, err := e.conv.Send(ctx, "tell me a story", func(ev agent.Event) {
		if ev.Type == agent.EventText {
			stop()
		}
	})
	if err == nil {
		t.Fatal("no error")
	}
	tr, err := e.store.Load(e.conv.ID())
	if err != nil {
		t.Fatalf("the stopped first turn left no session: %v", err)
	}
	turns := tr.Turns()
	if got := texts(tr.Messages()); got != "tell me a story|Once " || len(turns) != 1 || turns[0].Status != TurnCancelled {
		t.Fatalf("messages %s, turns %+v", got, turns)
	}
}
