package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
)

// countingTools records how many calls run at once and returns a result
// of the size the call asks for.
type countingTools struct {
	mu        sync.Mutex
	running   int
	peak      int
	ran       int
	holdUntil time.Duration
}

func (c *countingTools) Specs(context.Context) []llm.Tool {
	return []llm.Tool{{Name: "work", Description: "work", Parameters: json.RawMessage(`{"type":"object","properties":{"size":{"type":"integer"}}}`)}}
}

func (c *countingTools) Call(ctx context.Context, _ string, args json.RawMessage) (string, bool) {
	var a struct{ Size int }
	json.Unmarshal(args, &a)
	c.mu.Lock()
	c.running++
	c.ran++
	c.peak = max(c.peak, c.running)
	c.mu.Unlock()
	time.Sleep(c.holdUntil) // overlap with the calls started meanwhile
	c.mu.Lock()
	c.running--
	c.mu.Unlock()
	return strings.Repeat("x", a.Size), false
}

func calls(n int, size int) []llmtest.Call {
	out := make([]llmtest.Call, n)
	for i := range out {
		out[i] = llmtest.Call{ID: fmt.Sprintf("c%d", i), Name: "work", Args: fmt.Sprintf(`{"size":%d}`, size)}
	}
	return out
}

// toolResults decodes the tool messages of the request that followed the
// tool calls.
func toolResults(t *testing.T, srv *llmtest.Server) []string {
	t.Helper()
	var req struct {
		Messages []struct {
			Role    string `json:"role"`
			Content any    `json:"content"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(srv.Calls("/v1/chat/completions")[1].Body, &req); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range req.Messages {
		if m.Role == "tool" {
			out = append(out, fmt.Sprint(m.Content))
		}
	}
	return out
}

// TestReplyLimits replays a reply of 1,000 tool calls: only
// MaxCallsPerReply run, at most MaxParallel at a time, the others are
// answered with an error that says why, and the next request stays small.
func TestReplyLimits(t *testing.T) {
	tests := []struct {
		name                  string
		calls, size           int
		maxCalls, maxParallel int
		maxOutput             int
		wantRan, wantRefused  int
		wantCut               bool
		maxRequestBytes       int
	}{
		{"defaults bound 1,000 calls", 1000, 10, 0, 0, 0, DefaultMaxCallsPerReply, 1000 - DefaultMaxCallsPerReply, false, 400_000},
		{"configured limits", 10, 10, 3, 2, 0, 3, 7, false, 0},
		{"output per turn", 8, 50_000, 0, 0, 120_000, 8, 0, true, 200_000},
		{"refusals survive a spent budget", 40, 50_000, 0, 0, 120_000, DefaultMaxCallsPerReply, 8, true, 200_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tools := &countingTools{holdUntil: 20 * time.Millisecond}
			a, srv := newAgent(t, tools, func(o *Options) {
				o.MaxCallsPerReply, o.MaxParallel, o.MaxOutputPerTurn = tt.maxCalls, tt.maxParallel, tt.maxOutput
			})
			srv.Enqueue(llmtest.ToolCalls(calls(tt.calls, tt.size)...), llmtest.Text("done"))
			turn, err := a.Run(context.Background(), nil, "go", nil)
			if err != nil || turn.Text != "done" {
				t.Fatalf("%v %+v", err, turn)
			}
			parallel := orDefault(tt.maxParallel, DefaultMaxParallel)
			if tools.ran != tt.wantRan || tools.peak > parallel || tools.peak < min(2, parallel) {
				t.Fatalf("ran %d (want %d), peak %d at once (limit %d)", tools.ran, tt.wantRan, tools.peak, parallel)
			}
			results := toolResults(t, srv)
			if len(results) != tt.calls {
				t.Fatalf("%d tool results for %d calls", len(results), tt.calls)
			}
			refused, cut := 0, false
			for _, r := range results {
				if strings.Contains(r, "tools.max_calls_per_reply") {
					refused++
				}
				cut = cut || strings.Contains(r, "tools.max_output_per_turn")
			}
			if refused != tt.wantRefused || cut != tt.wantCut {
				t.Fatalf("refused %d (want %d), cut %v (want %v)", refused, tt.wantRefused, cut, tt.wantCut)
			}
			if n := len(srv.Calls("/v1/chat/completions")[1].Body); tt.maxRequestBytes > 0 && n > tt.maxRequestBytes {
				t.Fatalf("the next request is %d bytes", n)
			}
		})
	}
}

func orDefault(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}
