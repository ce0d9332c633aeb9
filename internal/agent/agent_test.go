package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
	"github.com/localgpt-go/localgpt/internal/llm/openai"
)

// testTools is a tool set for loop tests: "echo" returns its text, "fail"
// fails, "wait" blocks until released or cancelled, "pair" waits until a
// second "pair" call runs at the same time (proving concurrency).
type testTools struct {
	mu      sync.Mutex
	calls   []string
	started chan string
	release chan struct{}
	pair    chan struct{}
}

func newTestTools() *testTools {
	return &testTools{started: make(chan string, 16), release: make(chan struct{}), pair: make(chan struct{})}
}

func (t *testTools) Specs(context.Context) []llm.Tool {
	schema := json.RawMessage(`{"type":"object","properties":{"text":{"type":"string"}}}`)
	var out []llm.Tool
	for _, n := range []string{"echo", "fail", "wait", "pair"} {
		out = append(out, llm.Tool{Name: n, Description: n + " tool", Parameters: schema})
	}
	return out
}

func (t *testTools) Call(ctx context.Context, name string, args json.RawMessage) (string, bool) {
	t.mu.Lock()
	t.calls = append(t.calls, name)
	t.mu.Unlock()
	t.started <- name
	var a struct{ Text string }
	json.Unmarshal(args, &a)
	switch name {
	case "echo":
		return "echo: " + a.Text, false
	case "fail":
		return "it broke", true
	case "wait":
		select {
		case <-t.release:
			return "released", false
		case <-ctx.Done():
			return "killed", true
		}
	case "pair":
		select {
		case t.pair <- struct{}{}: // the other call is waiting: concurrent
			return "paired", false
		case <-t.pair:
			return "paired", false
		case <-time.After(10 * time.Second):
			return "never met the other call: tools ran one after the other", true
		}
	}
	return "unknown tool " + name, true
}

type memFunc func(time.Time, int) (string, error)

func (f memFunc) Context(now time.Time, budget int) (string, error) { return f(now, budget) }

// newAgent returns an agent talking to a fake OpenAI server.
func newAgent(t *testing.T, tools Tools, mod func(*Options)) (*Agent, *llmtest.Server) {
	t.Helper()
	srv := llmtest.NewOpenAI(t)
	o := Options{
		Provider: openai.New(openai.Options{BaseURL: srv.URL + "/v1", APIKey: "sk-test"}),
		Model:    "gpt-4o-mini", Tools: tools, MaxIterations: 5,
		ContextWindow: 128000, ReserveTokens: 8000,
	}
	if mod != nil {
		mod(&o)
	}
	return New(o), srv
}

func collect(events *[]Event) func(Event) {
	return func(e Event) { *events = append(*events, e) }
}

func textOf(events []Event) string {
	var b strings.Builder
	for _, e := range events {
		if e.Type == EventText {
			b.WriteString(e.Text)
		}
	}
	return b.String()
}

func TestPlainAnswerStreams(t *testing.T) {
	a, srv := newAgent(t, nil, nil)
	srv.Enqueue(llmtest.Reply{Reasoning: "thinking hard", Text: "Hello there, friend.", Usage: llmtest.Usage{Prompt: 42, Completion: 7}})
	var events []Event
	turn, err := a.Run(context.Background(), nil, "hi", collect(&events))
	if err != nil {
		t.Fatal(err)
	}
	if textOf(events) != "Hello there, friend." || turn.Text != "Hello there, friend." {
		t.Fatalf("text %q, turn %q", textOf(events), turn.Text)
	}
	var deltas, reasoning int
	for _, e := range events {
		switch e.Type {
		case EventText:
			deltas++
		case EventReasoning:
			reasoning++
		}
	}
	if deltas < 3 || reasoning == 0 {
		t.Fatalf("want streamed deltas and separate reasoning, got %d text and %d reasoning events", deltas, reasoning)
	}
	if turn.Usage.PromptTokens != 42 || turn.Usage.CompletionTokens != 7 || turn.Iterations != 1 {
		t.Fatalf("turn %+v", turn)
	}
	if len(turn.Messages) != 2 || turn.Messages[0].Text() != "hi" || turn.Messages[1].Role != llm.RoleAssistant {
		t.Fatalf("messages %+v", turn.Messages)
	}
}

func TestToolLoopFeedsResultsBack(t *testing.T) {
	tools := newTestTools()
	a, srv := newAgent(t, tools, nil)
	srv.Enqueue(
		llmtest.ToolCalls(
			llmtest.Call{ID: "c1", Name: "echo", Args: `{"text":"ping"}`},
			llmtest.Call{ID: "c2", Name: "fail", Args: `{}`},
		),
		llmtest.Text("All done."),
	)
	var events []Event
	turn, err := a.Run(context.Background(), []llm.Message{llm.UserText("earlier"), llm.AssistantText("ok")}, "go", collect(&events))
	if err != nil {
		t.Fatal(err)
	}
	if turn.Text != "All done." || turn.Iterations != 2 || len(turn.ToolsUsed) != 2 {
		t.Fatalf("turn %+v", turn)
	}
	if turn.ToolsUsed[0].Name != "echo" || string(turn.ToolsUsed[0].Arguments) != `{"text":"ping"}` {
		t.Fatalf("tools used %+v", turn.ToolsUsed)
	}
	// user, assistant(tool calls), tool results, assistant(answer)
	if len(turn.Messages) != 4 || turn.Messages[2].Role != llm.RoleTool {
		t.Fatalf("messages %+v", turn.Messages)
	}
	var ends []*ToolEvent
	for _, e := range events {
		if e.Type == EventToolEnd {
			ends = append(ends, e.Tool)
		}
	}
	if len(ends) != 2 {
		t.Fatalf("tool end events: %d", len(ends))
	}
	for _, e := range ends {
		if (e.Name == "fail") != e.IsError {
			t.Fatalf("tool end %+v", e)
		}
	}
	// The second request carries both results, in call order, errors marked.
	reqs := srv.Calls("/v1/chat/completions")
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	body := string(reqs[1].Body)
	i1, i2 := strings.Index(body, "echo: ping"), strings.Index(body, "it broke")
	if i1 < 0 || i2 < 0 || i1 > i2 || !strings.Contains(body, `"tool_call_id":"c1"`) {
		t.Fatalf("second request lacks the tool results in order:\n%s", body)
	}
	if !strings.Contains(string(reqs[0].Body), "earlier") {
		t.Fatal("history not sent")
	}
}

func TestIndependentToolCallsRunConcurrently(t *testing.T) {
	tools := newTestTools()
	a, srv := newAgent(t, tools, nil)
	srv.Enqueue(
		llmtest.Reply{ToolCalls: []llmtest.Call{{ID: "a", Name: "pair", Args: `{}`}, {ID: "b", Name: "pair", Args: `{}`}}, Interleave: true},
		llmtest.Text("ok"),
	)
	turn, err := a.Run(context.Background(), nil, "both", nil)
	if err != nil {
		t.Fatal(err)
	}
	body := string(srv.Calls("/v1/chat/completions")[1].Body)
	if strings.Count(body, "paired") != 2 || turn.Text != "ok" {
		t.Fatalf("tools did not run concurrently:\n%s", body)
	}
}

func TestIterationLimit(t *testing.T) {
	tools := newTestTools()
	a, srv := newAgent(t, tools, func(o *Options) { o.MaxIterations = 2 })
	for range 3 {
		srv.Enqueue(llmtest.ToolCalls(llmtest.Call{ID: "x", Name: "echo", Args: `{"text":"again"}`}))
	}
	var events []Event
	turn, err := a.Run(context.Background(), nil, "loop forever", collect(&events))
	if !errors.Is(err, ErrIterationLimit) || !strings.Contains(err.Error(), "agent.max_tool_iterations") {
		t.Fatalf("err = %v", err)
	}
	if turn.Iterations != 2 || len(srv.Calls("/v1/chat/completions")) != 2 {
		t.Fatalf("iterations %d", turn.Iterations)
	}
	if last := events[len(events)-1]; last.Type != EventError {
		t.Fatalf("last event %+v", last)
	}
	// The history stays well-formed: every tool call has its result.
	if n := len(turn.Messages); turn.Messages[n-1].Role != llm.RoleTool {
		t.Fatalf("turn ends with %s", turn.Messages[n-1].Role)
	}
}

func TestCancelWhileToolRuns(t *testing.T) {
	tools := newTestTools()
	a, srv := newAgent(t, tools, nil)
	srv.Enqueue(llmtest.ToolCalls(llmtest.Call{ID: "w", Name: "wait", Args: `{}`}), llmtest.Text("never"))
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-tools.started; cancel() }()
	done := make(chan error, 1)
	go func() { _, err := a.Run(ctx, nil, "wait", nil); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after cancellation")
	}
	if n := len(srv.Calls("/v1/chat/completions")); n != 1 {
		t.Fatalf("model called %d times after cancellation", n)
	}
}

func TestCancelMidStream(t *testing.T) {
	a, srv := newAgent(t, nil, nil)
	srv.Enqueue(llmtest.Reply{Text: "this never ends", Hang: true})
	ctx, cancel := context.WithCancel(context.Background())
	var once sync.Once
	_, err := a.Run(ctx, nil, "talk", func(e Event) {
		if e.Type == EventText {
			once.Do(cancel)
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

func TestProviderErrorIsTypedAndEmitted(t *testing.T) {
	a, srv := newAgent(t, nil, nil)
	srv.Enqueue(llmtest.HTTPError(401, "Incorrect API key provided"))
	var events []Event
	_, err := a.Run(context.Background(), nil, "hi", collect(&events))
	var le *llm.Error
	if !errors.As(err, &le) || le.Kind != llm.KindAuth {
		t.Fatalf("err = %#v", err)
	}
	if events[len(events)-1].Type != EventError {
		t.Fatal("no error event")
	}
}

func TestSystemPrompt(t *testing.T) {
	ws := t.TempDir()
	os.WriteFile(filepath.Join(ws, "SOUL.md"), []byte("Speak like a pirate."), 0o644)
	os.WriteFile(filepath.Join(ws, "USER.md"), []byte("The user is called Ada."), 0o644)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	var budget int
	a, srv := newAgent(t, newTestTools(), func(o *Options) {
		o.Workspace = ws
		o.Location = berlin
		o.Now = func() time.Time { return time.Date(2026, 3, 5, 14, 30, 0, 0, time.UTC) }
		o.Memory = memFunc(func(now time.Time, b int) (string, error) {
			budget = b
			return "# Memory\nAda likes tea.", nil
		})
	})
	srv.Enqueue(llmtest.Text("Arr."))
	if _, err := a.Run(context.Background(), nil, "hello", nil); err != nil {
		t.Fatal(err)
	}
	body := srv.Last(t, "/v1/chat/completions").JSON(t)
	system := body["messages"].([]any)[0].(map[string]any)
	if system["role"] != "system" {
		t.Fatalf("first message %v", system)
	}
	content := system["content"].(string)
	for _, want := range []string{"You are LocalGPT", "memory_search", "Speak like a pirate.", "The user is called Ada.",
		"Thursday, 5 March 2026, 15:30 (Europe/Berlin, CET", ws, "Ada likes tea."} {
		if !strings.Contains(content, want) {
			t.Errorf("system prompt lacks %q:\n%s", want, content)
		}
	}
	if budget != (128000-8000)/4 {
		t.Errorf("memory budget %d", budget)
	}
	if tools := body["tools"].([]any); len(tools) != 4 {
		t.Errorf("%d tools offered", len(tools))
	}
}

func TestNoToolsOffersNone(t *testing.T) {
	a, srv := newAgent(t, nil, nil)
	srv.Enqueue(llmtest.Text("ok"))
	if _, err := a.Run(context.Background(), nil, "hi", nil); err != nil {
		t.Fatal(err)
	}
	body := srv.Last(t, "/v1/chat/completions").JSON(t)
	if _, ok := body["tools"]; ok {
		t.Fatal("tools offered although there are none")
	}
	if strings.Contains(body["messages"].([]any)[0].(map[string]any)["content"].(string), "## Tools") {
		t.Fatal("tool guidance without tools")
	}
}

func newBenchProvider(srv *llmtest.Server) *openai.Provider {
	return openai.New(openai.Options{BaseURL: srv.URL + "/v1", APIKey: "sk-test"})
}

// TestMalformedToolArguments: arguments that are not JSON are answered
// with an error result, and the history stays valid JSON for the next call.
func TestMalformedToolArguments(t *testing.T) {
	tools := newTestTools()
	a, srv := newAgent(t, tools, nil)
	srv.Enqueue(
		llmtest.ToolCalls(llmtest.Call{ID: "m", Name: "echo", Args: `{"text": "unterminated`}),
		llmtest.Text("Sorry."),
	)
	turn, err := a.Run(context.Background(), nil, "go", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(tools.calls) != 0 {
		t.Fatalf("a call with broken arguments ran: %v", tools.calls)
	}
	body := srv.Last(t, "/v1/chat/completions").JSON(t) // decodes: the history is valid JSON
	if !strings.Contains(fmt.Sprint(body["messages"]), "not valid JSON") || turn.Text != "Sorry." {
		t.Fatalf("second request: %v", body["messages"])
	}
	if _, err := json.Marshal(turn.Messages); err != nil {
		t.Fatalf("turn messages do not encode (sessions would lose the turn): %v", err)
	}
}

// TestCutOffToolCallsDoNotRun: a reply cut at the token limit may hold an
// incomplete call; none of its calls runs and the model is told why.
func TestCutOffToolCallsDoNotRun(t *testing.T) {
	tools := newTestTools()
	a, srv := newAgent(t, tools, nil)
	srv.Enqueue(
		llmtest.Reply{ToolCalls: []llmtest.Call{{ID: "w", Name: "echo", Args: `{"text":"partial"}`}}, Stop: "length"},
		llmtest.Text("I will write it in parts."),
	)
	turn, err := a.Run(context.Background(), nil, "write a big file", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(tools.calls) != 0 {
		t.Fatalf("tools ran from a cut-off reply: %v", tools.calls)
	}
	if body := string(srv.Last(t, "/v1/chat/completions").Body); !strings.Contains(body, "cut off at the token limit") {
		t.Fatalf("the model was not told: %s", body)
	}
	if turn.Text != "I will write it in parts." {
		t.Fatalf("turn %+v", turn)
	}
}

// TestClientTools: a client tool is offered beside the agent's own; its
// call ends the turn with the call for the caller, and the agent's own
// calls of that reply are not run. The turn's parameters reach every
// model call, the tool choice only the first.
func TestClientTools(t *testing.T) {
	tools := newTestTools()
	a, srv := newAgent(t, tools, nil)
	srv.Enqueue(
		llmtest.ToolCalls(llmtest.Call{ID: "o1", Name: "echo", Args: `{"text":"a"}`}),
		llmtest.ToolCalls(llmtest.Call{ID: "c1", Name: "get_weather", Args: `{"city":"Paris"}`}, llmtest.Call{ID: "o2", Name: "echo", Args: `{"text":"b"}`}),
	)
	temp := 0.1
	p := Params{Temperature: &temp, MaxTokens: 77, ToolChoice: "required",
		ClientTools: []llm.Tool{{Name: "get_weather", Parameters: json.RawMessage(`{"type":"object"}`)}}}
	turn, err := a.RunWith(context.Background(), nil, llm.UserText("weather?"), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(turn.ClientCalls) != 1 || turn.ClientCalls[0].ID != "c1" || turn.StopReason != llm.StopToolUse {
		t.Fatalf("turn = %+v", turn)
	}
	if strings.Join(tools.calls, ",") != "echo" {
		t.Fatalf("own tools run: %v, want only the first reply's echo", tools.calls)
	}
	calls := srv.Calls("/v1/chat/completions")
	if len(calls) != 2 {
		t.Fatalf("%d model calls", len(calls))
	}
	for i, c := range calls {
		b := c.JSON(t)
		if b["temperature"] != 0.1 || b["max_tokens"] != float64(77) {
			t.Errorf("call %d: temperature %v max_tokens %v", i, b["temperature"], b["max_tokens"])
		}
		if _, forced := b["tool_choice"]; forced != (i == 0) {
			t.Errorf("call %d: tool_choice %v", i, b["tool_choice"])
		}
		if n := len(b["tools"].([]any)); n != 5 {
			t.Errorf("call %d offered %d tools, want 4 own and 1 client", i, n)
		}
	}
}

// TestClientRetries: with ClientRetries the turn's first model call is
// not retried (the caller retries the request); later ones are.
func TestClientRetries(t *testing.T) {
	retry, waits := llmtest.Retry(3)
	srv := llmtest.NewOpenAI(t)
	a := New(Options{Provider: openai.New(openai.Options{BaseURL: srv.URL + "/v1", APIKey: "sk-test", Retry: retry}),
		Model: "gpt-4o-mini", Tools: newTestTools(), ClientRetries: true})
	srv.Enqueue(llmtest.HTTPError(503, "busy"))
	if _, err := a.Run(context.Background(), nil, "hi", nil); err == nil || len(waits.All()) != 0 {
		t.Fatalf("first call: err %v, waits %v; want the error at once", err, waits.All())
	}
	srv.Enqueue(llmtest.ToolCalls(llmtest.Call{ID: "o1", Name: "echo", Args: `{}`}), llmtest.HTTPError(503, "busy"), llmtest.Text("done"))
	turn, err := a.Run(context.Background(), nil, "hi", nil)
	if err != nil || turn.Text != "done" || len(waits.All()) != 1 {
		t.Fatalf("later call: %v %+v, waits %v; want one retry", err, turn, waits.All())
	}
}
