package tools

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/internal/config"
)

func TestBashApproval(t *testing.T) {
	tests := []struct {
		name     string
		approver func() *recorder // nil: no approver at all
		isError  []bool           // per call, two calls
		wants    string
		asked    int
	}{
		{"no approver refuses with advice", nil, []bool{true, true}, "bash needs approval, which is not available in this mode; the user can allow it in `localgpt chat`, or with `localgpt ask --yes`, or by removing it from tools.require_approval", 0},
		{"approver that cannot ask", func() *recorder { return &recorder{err: ErrApprovalUnavailable} }, []bool{true, true}, "--yes", 2},
		{"approver that says how to allow it", func() *recorder {
			return &recorder{err: &UnavailableError{How: "by adding bash to heartbeat.allow_tools"}}
		}, []bool{true, true},
			"bash needs approval, which is not available in this mode; the user can allow it by adding bash to heartbeat.allow_tools or by removing it from tools.require_approval", 2},
		{"deny", func() *recorder { return &recorder{answer: Deny} }, []bool{true, true}, "the user declined to run bash: echo hi", 2},
		{"allow once asks every time", func() *recorder { return &recorder{answer: AllowOnce} }, []bool{false, false}, "hi", 2},
		{"allow always asks once", func() *recorder { return &recorder{answer: AllowAlways} }, []bool{false, false}, "hi", 1},
		{"approver failure", func() *recorder { return &recorder{err: errors.New("terminal closed")} }, []bool{true, true}, "could not ask the user to approve bash: terminal closed", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec *recorder
			var approver Approver
			if tt.approver != nil {
				rec = tt.approver()
				approver = rec
			}
			e := newEnv(t, approver, nil)
			for i, isErr := range tt.isError {
				if r := e.call(t, context.Background(), "bash", map[string]any{"command": "echo hi"}); r.IsError != isErr || !strings.Contains(r.Content, tt.wants) {
					t.Fatalf("call %d: %+v, want IsError=%v containing %q", i, r, isErr, tt.wants)
				}
			}
			if rec != nil {
				if len(rec.reqs) != tt.asked {
					t.Fatalf("asked %d times, want %d", len(rec.reqs), tt.asked)
				}
				if tt.asked > 0 {
					req := rec.reqs[0]
					if req.Tool != "bash" || req.Summary != "echo hi" || !strings.Contains(req.Reason, "require_approval") || req.Path != "" {
						t.Fatalf("request = %+v", req)
					}
				}
			}
		})
	}
}

func TestAllowAllRunsEverything(t *testing.T) {
	e := newEnv(t, AllowAll{}, nil)
	check(t, e.call(t, context.Background(), "bash", map[string]any{"command": "echo yes"}), false, "yes")
	p := filepath.Join(e.outside, "w.md")
	check(t, e.call(t, context.Background(), "write_file", map[string]any{"path": p, "content": "w"}), false, "Wrote 1 bytes")
	if readFile(t, p) != "w" {
		t.Fatal("write with --yes did not land")
	}
}

func TestWriteOutsideApproval(t *testing.T) {
	tests := []struct {
		name    string
		answer  Decision
		isError bool
		asked   int // after writing a.md, then b.md in the same folder, then c.md elsewhere
	}{
		{"deny", Deny, true, 3},
		{"once", AllowOnce, false, 3},
		{"always covers the folder", AllowAlways, false, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{answer: tt.answer}
			e := newEnv(t, rec, noApproval)
			for _, p := range []string{
				filepath.Join(e.outside, "a.md"), filepath.Join(e.outside, "sub", "b.md"), filepath.Join(e.home, "c.md"),
			} {
				r := e.call(t, context.Background(), "write_file", map[string]any{"path": p, "content": "x"})
				if r.IsError != tt.isError {
					t.Fatalf("%s: %+v", p, r)
				}
				if tt.isError && !strings.Contains(r.Content, "the user declined to run write_file") {
					t.Fatalf("refusal: %s", r.Content)
				}
			}
			if len(rec.reqs) != tt.asked {
				t.Fatalf("asked %d times, want %d: %+v", len(rec.reqs), tt.asked, rec.reqs)
			}
			if req := rec.reqs[0]; req.Path != filepath.Join(e.outside, "a.md") || !strings.Contains(req.Reason, "outside the workspace") ||
				req.Summary != "write 1 bytes to "+filepath.Join(e.outside, "a.md") {
				t.Fatalf("request = %+v", req)
			}
		})
	}
}

func TestToolApprovalCoversItsOwnPath(t *testing.T) {
	rec := &recorder{answer: AllowOnce}
	e := newEnv(t, rec, func(c *config.Config) { c.Tools.RequireApproval = []string{"edit_file"} })
	p := filepath.Join(e.outside, "o.md")
	writeFile(t, p, "before")
	check(t, e.call(t, context.Background(), "edit_file", map[string]any{"path": p, "old_string": "before", "new_string": "after"}), false)
	if len(rec.reqs) != 1 {
		t.Fatalf("asked %d times for one approved call", len(rec.reqs))
	}
	if readFile(t, p) != "after" {
		t.Fatal("edit did not land")
	}
}

// TestApprovalsAreSerialised checks that concurrent calls never have two
// prompts open at once and that "always" granted by the first is seen by
// the others.
func TestApprovalsAreSerialised(t *testing.T) {
	var mu sync.Mutex
	open, asked := 0, 0
	approver := ApproverFunc(func(ctx context.Context, req Request) (Decision, error) {
		mu.Lock()
		open++
		asked++
		if open > 1 {
			mu.Unlock()
			return Deny, errors.New("two prompts at once")
		}
		mu.Unlock()
		time.Sleep(5 * time.Millisecond) // widen the window a second prompt would open in
		mu.Lock()
		open--
		mu.Unlock()
		return AllowAlways, nil
	})
	e := newEnv(t, approver, nil)
	var wg sync.WaitGroup
	results := make([]Result, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = e.reg.Call(context.Background(), "bash", rawArgs(t, map[string]any{"command": "echo ok"}))
		}()
	}
	wg.Wait()
	for _, r := range results {
		check(t, r, false, "ok")
	}
	if asked != 1 {
		t.Fatalf("asked %d times, want 1", asked)
	}
}

func TestDecisionString(t *testing.T) {
	for d, want := range map[Decision]string{Deny: "deny", AllowOnce: "allow once", AllowAlways: "allow always", Decision(9): "deny"} {
		if d.String() != want {
			t.Fatalf("%d.String() = %q", d, d.String())
		}
	}
}

// TestCtrlCAtAPromptEndsTheTurnsPrompts: Ctrl-C at the first of several
// concurrent approval prompts cancels the turn; the calls waiting for
// their turn to ask are refused without a prompt of their own (before, the
// gate ignored the cancelled context and prompted for each of them).
func TestCtrlCAtAPromptEndsTheTurnsPrompts(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	asked := 0
	approver := ApproverFunc(func(ctx context.Context, req Request) (Decision, error) {
		mu.Lock()
		asked++
		mu.Unlock()
		time.Sleep(20 * time.Millisecond) // the other calls queue behind this prompt
		cancel()                          // the user presses Ctrl-C at the prompt
		return Deny, context.Canceled
	})
	e := newEnv(t, approver, nil)
	var wg sync.WaitGroup
	results := make([]Result, 6)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			args := map[string]any{"command": "echo should-not-run"}
			if i%2 == 1 {
				args = map[string]any{"path": filepath.Join(e.outside, "f.md"), "content": "x"}
				results[i] = e.reg.Call(ctx, "write_file", rawArgs(t, args))
				return
			}
			results[i] = e.reg.Call(ctx, "bash", rawArgs(t, args))
		}()
	}
	wg.Wait()
	if asked != 1 {
		t.Fatalf("asked %d times after Ctrl-C, want 1", asked)
	}
	for i, r := range results {
		if !r.IsError || !strings.Contains(r.Content, "cancelled") || strings.Contains(r.Content, "should-not-run") {
			t.Fatalf("call %d: %+v", i, r)
		}
	}
}
