package session

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/internal/agent"
	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
)

const headerV2 = `{"type":"session","at":"2025-03-14T09:15:02Z","version":2,"id":"s1","model":"openai/m"}` + "\n"

func commitLine(n int, status string) string {
	return fmt.Sprintf(`{"type":"commit","at":"2025-03-14T09:16:00Z","count":%d,"status":%q}`, n, status) + "\n"
}

const callLine = `{"type":"message","at":"2025-03-14T09:16:00Z","message":{"role":"assistant","parts":[{"type":"tool_call","tool_call":{"id":"c1","name":"bash","arguments":{}}}]}}` + "\n"

// TestParseCommits: from format version 2 on, a turn's messages count only
// once its commit record follows them; version 1 files read as before.
func TestParseCommits(t *testing.T) {
	turn := msgLine("user", "hi") + msgLine("assistant", "hello") + commitLine(2, "")
	format := `{"type":"format","at":"2025-03-14T09:17:00Z","version":2}` + "\n"
	tests := []struct {
		name     string
		data     string
		messages int
		warnings []string
		size     int // the intact end: where the next append goes
	}{
		{"committed turn", headerV2 + turn, 2, nil, len(headerV2 + turn)},
		{"uncommitted tail dropped", headerV2 + turn + msgLine("user", "next") + callLine, 2,
			[]string{"unfinished turn of 2 messages"}, len(headerV2 + turn)},
		{"uncommitted tail with a torn line", headerV2 + turn + msgLine("user", "next") + callLine[:30], 2,
			[]string{"incomplete last line", "unfinished turn of 1 messages"}, len(headerV2 + turn)},
		{"commit torn off", headerV2 + turn + msgLine("user", "next") + commitLine(1, "")[:20], 2,
			[]string{"incomplete last line", "unfinished turn"}, len(headerV2 + turn)},
		{"cancelled turn kept", headerV2 + turn + msgLine("user", "stop") + commitLine(1, TurnCancelled), 3, nil,
			len(headerV2 + turn + msgLine("user", "stop") + commitLine(1, TurnCancelled))},
		{"count mismatch warned, kept", headerV2 + msgLine("user", "a") + commitLine(3, ""), 1, []string{"committed as 3"},
			len(headerV2 + msgLine("user", "a") + commitLine(3, ""))},
		{"version 1: every message counts", header + msgLine("user", "a") + callLine, 2, nil, len(header + msgLine("user", "a") + callLine)},
		{"version 1 continued in version 2", header + msgLine("user", "a") + msgLine("assistant", "b") + format + turn + msgLine("user", "lost"), 4,
			[]string{"unfinished turn of 1"}, len(header + msgLine("user", "a") + msgLine("assistant", "b") + format + turn)},
		{"a record amid a turn drops the turn", headerV2 + msgLine("user", "x") + `{"type":"flush","at":"2025-03-14T09:16:00Z","kind":"daily_note"}` + "\n" + turn, 2,
			[]string{"line 3: an unfinished turn of 1"}, len(headerV2 + msgLine("user", "x") + `{"type":"flush","at":"2025-03-14T09:16:00Z","kind":"daily_note"}` + "\n" + turn)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := Parse([]byte(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			if len(tr.Messages()) != tt.messages || tr.Size != int64(tt.size) || len(tr.Warnings) != len(tt.warnings) {
				t.Fatalf("messages %d size %d warnings %q; want %d, %d, %q", len(tr.Messages()), tr.Size, tr.Warnings, tt.messages, tt.size, tt.warnings)
			}
			for i, w := range tt.warnings {
				if !strings.Contains(tr.Warnings[i], w) {
					t.Errorf("warning %d = %q, want it to say %q", i, tr.Warnings[i], w)
				}
			}
		})
	}
}

// TestOpenCutsUncommittedTurn: opening a session whose last turn was never
// committed cuts it off, so the next turn is not glued to it, and a
// version 1 file continues in version 2 with one format line.
func TestOpenCutsUncommittedTurn(t *testing.T) {
	for _, tt := range []struct {
		name, head string
	}{{"version 2", headerV2}, {"version 1", header}} {
		t.Run(tt.name, func(t *testing.T) {
			st := NewStore(t.TempDir())
			path := st.Path("s1")
			body := tt.head + msgLine("user", "hi") + msgLine("assistant", "hello") + commitLine(2, "")
			tail := msgLine("user", "lost") + callLine
			if tt.head == header {
				body, tail = tt.head+msgLine("user", "hi")+msgLine("assistant", "hello"), callLine[:40]
			}
			if err := os.WriteFile(path, []byte(body+tail), 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := st.Open("s1")
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Transcript().Warnings) == 0 {
				t.Fatal("the dropped tail was not reported")
			}
			u := llm.UserText("again")
			if err := s.AppendTurn(t0, TurnAnswered, "", Entry{Type: TypeMessage, At: t0, Message: &u}); err != nil {
				t.Fatal(err)
			}
			s.Close()
			data, _ := os.ReadFile(path)
			if !strings.HasPrefix(string(data), body) || strings.Contains(string(data), "lost") || strings.Contains(string(data), `"c1"`) {
				t.Fatalf("file after the append:\n%s", data)
			}
			if n := strings.Count(string(data), `"type":"format"`); n != map[bool]int{true: 1, false: 0}[tt.head == header] {
				t.Fatalf("%d format lines:\n%s", n, data)
			}
			tr, err := st.Load("s1")
			if err != nil || len(tr.Warnings) != 0 || len(tr.Messages()) != 3 || tr.Messages()[2].Text() != "again" {
				t.Fatalf("reloaded: %v %v %d", err, tr.Warnings, len(tr.Messages()))
			}
		})
	}
}

// failedTurn runs, after one ordinary turn, a turn whose fake model first
// asks for memory_save, then answers next; with cancel, the turn is
// cancelled once the answer has begun to stream in.
func failedTurn(t *testing.T, next llmtest.Reply, cancel bool) (*env, error) {
	e := newEnv(t, 128000, 8000, false, 0)
	e.srv.Enqueue(llmtest.Text("one"))
	e.send(t, "first question")
	e.srv.Enqueue(llmtest.ToolCalls(llmtest.Call{ID: "s1", Name: "memory_save", Args: `{"content":"UNIQUE-FACT-42"}`}), next)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	toolRan := false
	_, err := e.conv.Send(ctx, "remember the fact", func(ev agent.Event) {
		switch {
		case ev.Type == agent.EventToolEnd:
			toolRan = true
		case cancel && toolRan && ev.Type == agent.EventText:
			stop()
		}
	})
	return e, err
}

// TestFailedTurnKeepsToolRounds: a turn that fails or is cancelled after a
// tool ran keeps the user message and the completed round, so the next
// request tells the model the tool already ran.
func TestFailedTurnKeepsToolRounds(t *testing.T) {
	tests := []struct {
		name   string
		next   llmtest.Reply
		cancel bool
		status string
		// partial is the answer text the user saw, kept as a fourth message.
		partial string
	}{
		{"provider error", llmtest.HTTPError(400, "bad request: something odd"), false, TurnFailed, ""},
		{"cancelled", llmtest.Reply{Text: "a long answer", ChunkSize: 6, Hang: true}, true, TurnCancelled, "a long"},
		{"failed mid-stream", llmtest.Reply{Text: "Half an answer", ChunkSize: 7, Error: "the provider fell over"}, false, TurnFailed, "Half an"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := failedTurn(t, tt.next, tt.cancel)
			if err == nil || (tt.cancel != errors.Is(err, context.Canceled)) {
				t.Fatalf("err = %v", err)
			}
			tr, _ := e.store.Load(e.conv.ID())
			commit := tr.Entries[len(tr.Entries)-1]
			count := map[bool]int{true: 4, false: 3}[tt.partial != ""]
			if commit.Type != TypeCommit || commit.Status != tt.status || commit.Count != count {
				t.Fatalf("commit %+v", commit)
			}
			msgs := tr.Messages()
			if last := msgs[len(msgs)-1]; tt.partial != "" && (last.Role != llm.RoleAssistant || last.Text() != tt.partial) {
				t.Fatalf("the partial answer was not kept: %+v", last)
			}
			e.srv.Enqueue(llmtest.Text("It is saved."))
			e.send(t, "did you save it?")
			last := e.lastRequest(t)
			for _, want := range []string{"remember the fact", "UNIQUE-FACT-42", `"tool_call_id":"s1"`, tt.partial, "did you save it?"} {
				if !strings.Contains(last, want) {
					t.Errorf("next request lacks %s: %s", want, last)
				}
			}
			if n := strings.Count(e.daily(t), "UNIQUE-FACT-42"); n != 1 {
				t.Fatalf("the fact was saved %d times", n)
			}
		})
	}
}

// TestFailedFirstTurnLeavesNoSession: a new conversation whose first turn
// fails before doing anything leaves no file behind.
func TestFailedFirstTurnLeavesNoSession(t *testing.T) {
	e := newEnv(t, 128000, 8000, true, 0)
	e.srv.Enqueue(llmtest.HTTPError(401, "invalid api key"))
	if _, err := e.conv.Send(context.Background(), "hello", nil); err == nil {
		t.Fatal("no error")
	}
	if e.conv.ID() != "" {
		t.Fatalf("a session was created: %s", e.conv.ID())
	}
	if infos, _ := e.store.List(); len(infos) != 0 {
		t.Fatalf("sessions: %+v", infos)
	}
}
