package session

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/internal/agent"
	"github.com/localgpt-go/localgpt/internal/assistant"
	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
	"github.com/localgpt-go/localgpt/internal/memory"
	"github.com/localgpt-go/localgpt/internal/tokens"
	"github.com/localgpt-go/localgpt/internal/tools"
)

const chatPath = "/v1/chat/completions"

// env is a conversation over a real assistant (memory, tools, SQLite
// index, files in a temporary home) whose model is a fake OpenAI server.
type env struct {
	srv         *llmtest.Server
	as          *assistant.Assistant
	paths       config.Paths
	store       *Store
	conv        *Conversation
	now         time.Time
	reserve     int
	noTools     bool
	compactions []Compaction
	// tokens, when set, calibrates the conversations open makes.
	tokens *tokens.Calibration
}

func newEnv(t *testing.T, window, reserve int, noTools bool, soft int) *env {
	t.Helper()
	e := &env{srv: llmtest.NewOpenAI(t), now: time.Now(), reserve: reserve, noTools: noTools}
	home := t.TempDir()
	cfg := config.Default()
	cfg.Agent.DefaultModel = "openai/gpt-4o-mini"
	cfg.Agent.ContextWindow, cfg.Agent.ReserveTokens = window, reserve
	cfg.Providers.OpenAI.APIKey, cfg.Providers.OpenAI.BaseURL = "sk-test-000000000000", e.srv.URL+"/v1"
	getenv := func(k string) string { return map[string]string{"HOME": home}[k] }
	e.paths = config.ResolvePaths(home, filepath.Join(home, "config.toml"), cfg, getenv)
	if _, err := memory.EnsureWorkspace(e.paths.Workspace); err != nil {
		t.Fatal(err)
	}
	// A MEMORY.md of a fixed size (about 150 tokens in the prompt), so that
	// the turn at which these small windows compact does not depend on the
	// template's length.
	notes := "# Memory\n\n" + strings.Repeat("- The user keeps notes in plain markdown files.\n", 12)
	if err := os.WriteFile(filepath.Join(e.paths.Workspace, "MEMORY.md"), []byte(notes), 0o600); err != nil {
		t.Fatal(err)
	}
	root := assistant.NewRoot(assistant.RootOptions{Config: cfg, Paths: e.paths, Getenv: getenv})
	t.Cleanup(func() { root.Close() })
	as, err := root.Open(context.Background(), assistant.Options{NoTools: noTools, Approver: tools.AllowAll{}})
	if err != nil {
		t.Fatal(err)
	}
	e.as, e.store = as, NewStore(e.paths.Sessions)
	e.conv = e.open(nil, soft)
	t.Cleanup(func() { e.conv.Close() })
	return e
}

func (e *env) open(s *Session, soft int) *Conversation {
	return New(Options{Agent: e.as.Agent, Provider: e.as.Provider, Model: e.as.Resolved.Model, Label: e.as.Label(),
		Store: e.store, Session: s, Memory: e.as.Memory, MemoryTurn: !e.noTools, SoftTokens: soft,
		ContextWindow: e.as.ContextWindow, ReserveTokens: e.reserve, Tokens: e.tokens,
		Now: func() time.Time { return e.now }, OnCompact: func(c Compaction) { e.compactions = append(e.compactions, c) }})
}

// send runs one turn and returns the text the user saw.
func (e *env) send(t *testing.T, input string) string {
	t.Helper()
	var shown strings.Builder
	if _, err := e.conv.Send(context.Background(), input, func(ev agent.Event) {
		if ev.Type == agent.EventText {
			shown.WriteString(ev.Text)
		}
	}); err != nil {
		t.Fatalf("send %q: %v", oneWords(input), err)
	}
	return shown.String()
}

func (e *env) daily(t *testing.T) string {
	t.Helper()
	data, _ := os.ReadFile(filepath.Join(e.paths.Workspace, filepath.FromSlash(memory.DailyPath(e.now))))
	return string(data)
}

func (e *env) lastRequest(t *testing.T) string {
	t.Helper()
	return string(e.srv.Last(t, chatPath).Body)
}

func oneWords(s string) string { return firstLine(s, 30) }

// TestProactiveCompaction drives a long conversation through a small
// window: it compacts before the request that would not fit, then goes on
// with the summary and the recent turns instead of the old ones.
func TestProactiveCompaction(t *testing.T) {
	e := newEnv(t, 2048, 248, true, 0)
	filler := strings.Repeat("lorem ipsum ", 60) // about 180 tokens
	var summaries []string
	for i := range 16 {
		input := fmt.Sprintf("turn-%02d %s", i, filler)
		b := e.conv.Context()
		compacts := b.Messages > 0 && b.Estimated+MessageTokens(llm.UserText(input)) > b.Usable
		if compacts {
			summaries = append(summaries, fmt.Sprintf("SUMMARY-%02d", i))
			e.srv.Enqueue(llmtest.Text(summaries[len(summaries)-1]))
		}
		e.srv.Enqueue(llmtest.Reply{Text: fmt.Sprintf("answer-%02d", i)}) // no usage: the estimator decides
		before := len(e.compactions)
		if got := e.send(t, input); got != fmt.Sprintf("answer-%02d", i) {
			t.Fatalf("turn %d showed %q", i, got)
		}
		if !compacts {
			if len(e.compactions) != before {
				t.Fatalf("turn %d compacted unexpectedly", i)
			}
			continue
		}
		if len(e.compactions) != before+1 || e.compactions[before].Reason != ReasonProactive {
			t.Fatalf("turn %d: compactions %+v", i, e.compactions)
		}
		calls := e.srv.Calls(chatPath)
		sumReq, next := string(calls[len(calls)-2].Body), string(calls[len(calls)-1].Body)
		if len(summaries) > 1 && !strings.Contains(sumReq, summaries[len(summaries)-2]) {
			t.Fatalf("the second summary did not fold in the first: %s", sumReq)
		}
		if strings.Contains(sumReq, `"tools"`) || !strings.Contains(sumReq, "Key facts") {
			t.Fatalf("summary request: %s", sumReq)
		}
		if !strings.Contains(next, summaries[len(summaries)-1]) || !strings.Contains(next, fmt.Sprintf("turn-%02d", i)) ||
			!strings.Contains(next, fmt.Sprintf("answer-%02d", i-1)) || strings.Contains(next, "turn-00") {
			t.Fatalf("request after compaction at turn %d lacks the summary or the recent turns, or holds old ones: %s", i, next)
		}
		if strings.Contains(next, "## Memory") == false {
			t.Fatalf("memory context missing after compaction")
		}
		if !strings.Contains(e.daily(t), summaries[len(summaries)-1]) {
			t.Fatalf("daily log lacks the compaction note:\n%s", e.daily(t))
		}
	}
	if len(summaries) < 2 {
		t.Fatalf("only %d compactions in 16 turns", len(summaries))
	}
	// The file holds every message and the compactions; reopened (after
	// the conversation lets go of it), the session sends the same history.
	e.conv.Close()
	s, err := e.store.Open(e.conv.ID())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tr := s.Transcript()
	if len(tr.Messages()) != 32 || tr.Cycle() != len(summaries) || len(tr.Warnings) != 0 {
		t.Fatalf("reloaded: %d messages, %d compactions, warnings %v", len(tr.Messages()), tr.Cycle(), tr.Warnings)
	}
	if got, want := fmt.Sprint(tr.History()), fmt.Sprint(e.conv.History()); got != want {
		t.Fatalf("reloaded history differs:\n%s\n%s", got, want)
	}
}

// TestMemoryTurn: past the soft threshold one silent turn asks the model to
// save facts; its NO_REPLY is never shown or kept, it runs once per cycle,
// and the flag survives a reload.
func TestMemoryTurn(t *testing.T) {
	e := newEnv(t, 8192, 192, false, 0) // usable 8000, soft threshold at 6000
	e.srv.Enqueue(llmtest.Reply{Text: "Hello Ada.", Usage: llmtest.Usage{Prompt: 6500, Completion: 3}})
	e.send(t, "I am Ada")
	e.srv.Enqueue(
		llmtest.ToolCalls(llmtest.Call{ID: "m1", Name: "memory_save", Args: `{"content":"The user is called Ada.","long_term":true}`}),
		llmtest.Text(NoReply),
		llmtest.Reply{Text: "Noted.", Usage: llmtest.Usage{Prompt: 6600, Completion: 2}},
	)
	if got := e.send(t, "I like tea"); got != "Noted." {
		t.Fatalf("shown %q", got)
	}
	mem, _ := os.ReadFile(filepath.Join(e.paths.Workspace, "MEMORY.md"))
	if !strings.Contains(string(mem), "The user is called Ada.") {
		t.Fatalf("MEMORY.md: %s", mem)
	}
	calls := e.srv.Calls(chatPath)
	if len(calls) != 4 || !strings.Contains(string(calls[1].Body), "Automatic memory flush") {
		t.Fatalf("%d calls", len(calls))
	}
	h := fmt.Sprint(e.conv.History())
	if len(e.conv.History()) != 4 || strings.Contains(h, NoReply) || strings.Contains(h, "Automatic memory flush") {
		t.Fatalf("the memory turn leaked into the history: %s", h)
	}
	if tr, err := e.store.Load(e.conv.ID()); err != nil || !tr.Flushed(FlushTurn) || tr.Flushed(FlushNote) {
		t.Fatalf("flush flag not persisted: %v", err)
	}
	// Once per cycle: the next turns, and the compaction, do not repeat it.
	e.srv.Enqueue(llmtest.Reply{Text: "Sure.", Usage: llmtest.Usage{Prompt: 7990, Completion: 2}})
	e.send(t, "and coffee")
	e.srv.Enqueue(llmtest.Text("SUMMARY: Ada likes tea and coffee."), llmtest.Text("Fine."))
	e.send(t, "thanks")
	if n := len(e.srv.Calls(chatPath)); n != 7 || len(e.compactions) != 1 || !e.compactions[0].MemoryTurn {
		t.Fatalf("%d calls, compactions %+v", n, e.compactions)
	}
	tr, _ := e.store.Load(e.conv.ID())
	if tr.Cycle() != 1 || tr.Flushed(FlushTurn) {
		t.Fatalf("a new cycle starts unflushed: cycle %d", tr.Cycle())
	}
	if !strings.Contains(e.daily(t), "SUMMARY: Ada likes tea and coffee.") {
		t.Fatalf("daily log: %s", e.daily(t))
	}
}

// TestReactiveCompaction: a context-overflow error compacts and retries
// once; a second overflow is returned, and the turn is kept as failed.
func TestReactiveCompaction(t *testing.T) {
	e := newEnv(t, 128000, 8000, true, 0)
	e.srv.Enqueue(llmtest.Text("one"), llmtest.Text("two"))
	e.send(t, "first question")
	e.send(t, "second question")
	e.srv.Enqueue(llmtest.Overflow(), llmtest.Text("SUMMARY-R"), llmtest.Text("after retry"))
	if got := e.send(t, "third question"); got != "after retry" {
		t.Fatalf("shown %q", got)
	}
	last := e.lastRequest(t)
	if !strings.Contains(last, "SUMMARY-R") || strings.Count(last, "third question") != 1 || strings.Contains(last, "first question") {
		t.Fatalf("retried request: %s", last)
	}
	if len(e.compactions) != 1 || e.compactions[0].Reason != ReasonOverflow || !strings.Contains(e.daily(t), "SUMMARY-R") {
		t.Fatalf("compactions %+v, daily %s", e.compactions, e.daily(t))
	}

	e.srv.Enqueue(llmtest.Overflow(), llmtest.Text("SUMMARY-2"), llmtest.Overflow())
	before := len(e.srv.Calls(chatPath))
	_, err := e.conv.Send(context.Background(), "fourth question", nil)
	if !llm.IsContextOverflow(err) {
		t.Fatalf("err = %v", err)
	}
	if n := len(e.srv.Calls(chatPath)) - before; n != 3 {
		t.Fatalf("%d calls after an overflow: retried more than once", n)
	}
	tr, _ := e.store.Load(e.conv.ID())
	commit := tr.Entries[len(tr.Entries)-1]
	if msgs := tr.Messages(); msgs[len(msgs)-1].Text() != "fourth question" || commit.Type != TypeCommit || commit.Status != TurnFailed || !strings.Contains(commit.Error, "context window") {
		t.Fatalf("the failed turn: %+v", commit)
	}
}

// TestManualCompact: /compact summarises, flushes to the daily log, and
// refuses when there is nothing yet.
func TestManualCompact(t *testing.T) {
	e := newEnv(t, 128000, 8000, true, 0)
	if _, err := e.conv.Compact(context.Background()); !errors.Is(err, ErrNothingToCompact) {
		t.Fatalf("empty: %v", err)
	}
	e.srv.Enqueue(llmtest.Text("one"), llmtest.Text("two"), llmtest.Text("SUMMARY-M"))
	e.send(t, "first question")
	e.send(t, "second question")
	r, err := e.conv.Compact(context.Background())
	if err != nil || r.Replaced != 2 || r.Reason != ReasonManual || r.DailyLog != memory.DailyPath(e.now) {
		t.Fatalf("%v %+v", err, r)
	}
	h := e.conv.History()
	if len(h) != 4 || !strings.Contains(h[0].Text(), "SUMMARY-M") || h[2].Text() != "second question" {
		t.Fatalf("history %v", h)
	}
	if !strings.Contains(e.daily(t), "SUMMARY-M") || !strings.Contains(e.daily(t), e.conv.ID()) {
		t.Fatalf("daily: %s", e.daily(t))
	}
	b := e.conv.Context()
	if b.Compactions != 1 || b.Messages != 4 || b.System == 0 || b.Memory == 0 || b.Tools != 0 || b.History == 0 {
		t.Fatalf("breakdown %+v", b)
	}
}

// TestOverflowAfterToolsContinuesWithoutRerunning: when the request after
// the tool results overflows, the tools are not run a second time; the
// completed part of the turn is kept and the model continues from it.
func TestOverflowAfterToolsContinuesWithoutRerunning(t *testing.T) {
	e := newEnv(t, 128000, 8000, false, 0)
	e.srv.Enqueue(llmtest.Text("one"))
	e.send(t, "first question")
	e.srv.Enqueue(
		llmtest.ToolCalls(llmtest.Call{ID: "s1", Name: "memory_save", Args: `{"content":"UNIQUE-FACT-42"}`}),
		llmtest.Overflow(),
		llmtest.Text("SUMMARY-T"),
		llmtest.Text("Saved it."),
	)
	if got := e.send(t, "remember the fact"); !strings.Contains(got, "Saved it.") {
		t.Fatalf("shown %q", got)
	}
	if n := strings.Count(e.daily(t), "UNIQUE-FACT-42"); n != 1 {
		t.Fatalf("the tool ran %d times; daily log:\n%s", n, e.daily(t))
	}
	last := e.lastRequest(t)
	if !strings.Contains(last, "do not run them again") || !strings.Contains(last, "UNIQUE-FACT-42") {
		t.Fatalf("continuation request: %s", last)
	}
	tr, _ := e.store.Load(e.conv.ID())
	msgs := fmt.Sprint(tr.Messages())
	if !strings.Contains(msgs, "remember the fact") || !strings.Contains(msgs, "Saved it.") {
		t.Fatalf("session lost part of the turn: %s", msgs)
	}
}
