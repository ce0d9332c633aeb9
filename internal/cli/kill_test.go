package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
	"github.com/localgpt-go/localgpt/internal/session"
	"github.com/localgpt-go/localgpt/internal/testbin"
)

// Each turn of the kill test: three rounds of four tool calls, then the
// answer. The model's script follows the conversation it is sent, so a
// chat killed anywhere and resumed is answered from where it stands.
const (
	killRounds    = 3
	killCalls     = 4
	killTurnMsgs  = 1 + 2*killRounds + 1
	killTurnsGoal = 200
	// killSessionTurns is how many turns a session gets before the next
	// chat starts a new one.
	killSessionTurns = 50
)

// killScript answers the kill test's requests and checks every one: each
// tool call answered by its result, and the user turns in the history
// numbered 0, 1, 2, … without a gap or a repeat.
type killScript struct {
	t *testing.T
	// dir holds the files the tools write: outside the workspace, so the
	// memory index does not grow with them (the chat runs with --yes).
	dir string
	mu  sync.Mutex
	// started is the highest turn a request began: every turn before it
	// was saved by the process that sent it.
	started int
}

type wireMsg struct {
	Role       string `json:"role"`
	Content    any    `json:"content"`
	ToolCallID string `json:"tool_call_id"`
	ToolCalls  []struct {
		ID string `json:"id"`
	} `json:"tool_calls"`
}

func (k *killScript) reply(r llmtest.Recorded) llmtest.Reply {
	var req struct{ Messages []wireMsg }
	if err := json.Unmarshal(r.Body, &req); err != nil || len(req.Messages) == 0 {
		return llmtest.Text("?") // cut off by the kill while it was sent: nobody reads the answer
	}
	k.check(req.Messages)
	last := req.Messages[len(req.Messages)-1]
	text, _ := last.Content.(string)
	var turn, round int
	switch {
	case last.Role == "user":
		if _, err := fmt.Sscanf(text, "turn %d", &turn); err != nil {
			k.t.Errorf("kill test: unexpected user message %q", text)
			return llmtest.Text("?")
		}
		k.mu.Lock()
		k.started = max(k.started, turn)
		k.mu.Unlock()
	case last.Role == "tool":
		if _, err := fmt.Sscanf(last.ToolCallID, "t%dr%dc", &turn, &round); err != nil {
			k.t.Errorf("kill test: unexpected tool result %q", last.ToolCallID)
			return llmtest.Text("?")
		}
	}
	if round == killRounds {
		return llmtest.Reply{Text: fmt.Sprintf("answer %d", turn), Usage: llmtest.Usage{Prompt: 100, Completion: 3}, ChunkSize: 1 << 20}
	}
	round++
	var calls []llmtest.Call
	for c := range killCalls {
		id := fmt.Sprintf("t%dr%dc%d", turn, round, c)
		path := fmt.Sprintf("%s/t%d-r%d-c%d.md", k.dir, turn, round, c)
		if round > 1 && c%2 == 1 {
			calls = append(calls, llmtest.Call{ID: id, Name: "read_file",
				Args: fmt.Sprintf(`{"path":"%s/t%d-r1-c%d.md"}`, k.dir, turn, c)}) // written in round 1
			continue
		}
		body := strings.Repeat(fmt.Sprintf("line of turn %d round %d call %d. ", turn, round, c), 2)
		calls = append(calls, llmtest.Call{ID: id, Name: "write_file", Args: fmt.Sprintf(`{"path":%q,"content":%q}`, path, body)})
	}
	return llmtest.Reply{ToolCalls: calls, Usage: llmtest.Usage{Prompt: 100, Completion: 5}, ChunkSize: 1 << 20}
}

// check fails the test on a request that pairs a tool call badly or whose
// user turns do not follow each other (n, n+1, n+2, …).
func (k *killScript) check(msgs []wireMsg) {
	want := -1
	for i, m := range msgs {
		if text, _ := m.Content.(string); m.Role == "user" && strings.HasPrefix(text, "turn ") {
			if want < 0 {
				fmt.Sscanf(text, "turn %d", &want)
			}
			if text != fmt.Sprintf("turn %d", want) {
				k.t.Errorf("kill test: request message %d is %q, want turn %d: a turn was lost or repeated", i, text, want)
			}
			want++
		}
		if text, _ := m.Content.(string); m.Role == "tool" && strings.Contains(text, "interrupted: no result") {
			k.t.Errorf("kill test: a tool result was lost: %s", m.ToolCallID)
		}
		for j, c := range m.ToolCalls {
			if n := i + 1 + j; n >= len(msgs) || msgs[n].Role != "tool" || msgs[n].ToolCallID != c.ID {
				k.t.Errorf("kill test: tool call %s is not answered right after it", c.ID)
			}
		}
	}
}

func (k *killScript) startedTurn() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.started
}

// TestChatSurvivesSIGKILLAnywhere kills the real binary with SIGKILL at
// random points of 200 turns of many tool calls each (while it streams,
// runs tools or writes the session), then resumes. Every time, the
// sessions load and resume, hold every turn a process finished (each
// whole: user message, every call with its result, answer), and no
// request carries a call without its result. A new session starts every
// 50 turns (so requests stay small and the test quick), and at the end
// each one is resumed once more.
func TestChatSurvivesSIGKILLAnywhere(t *testing.T) {
	bin, cleanup, err := testbin.Build()
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	home, srv := fakeHome(t)
	script := &killScript{t: t, dir: t.TempDir(), started: -1}
	srv.Respond(script.reply)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	store := session.NewStore(home + "/sessions")

	committed, kills, inLatest := 0, 0, 0
	for committed < killTurnsGoal {
		args := []string{"chat", "--yes"}
		if committed > 0 && inLatest < killSessionTurns {
			args = append(args, "--resume")
		}
		killAt := len(srv.Calls("/v1/chat/completions")) + 1 + rng.IntN(50)
		runUntilKilled(t, bin, home, args, committed, func() bool {
			return len(srv.Calls("/v1/chat/completions")) >= killAt
		}, time.Duration(rng.IntN(3000))*time.Microsecond)
		kills++
		// Every session, oldest first, holds the next turns, whole.
		infos := listSessions(t, home)
		committed, inLatest = 0, 0
		for i := len(infos) - 1; i >= 0; i-- {
			if infos[i].Error != "" {
				t.Fatalf("session %s cannot be read after a kill: %s", infos[i].ID, infos[i].Error)
			}
			tr, err := store.Load(infos[i].ID)
			if err != nil {
				t.Fatalf("session %s cannot be loaded after a kill: %v", infos[i].ID, err)
			}
			inLatest = checkKillTurns(t, tr, committed)
			committed += inLatest
		}
		if started := script.startedTurn(); committed < started || committed > started+1 {
			t.Fatalf("after a kill the sessions hold %d turns; turn %d had started, so %d or %d were expected", committed, started, started, started+1)
		}
	}
	for _, in := range listSessions(t, home) {
		if r := runIn(t, home, "", "chat", "--session", in.ID); r.code != 0 || !strings.Contains(r.stderr, "Resumed session "+in.ID) {
			t.Errorf("session %s does not resume: %+v", in.ID, r)
		}
	}
	t.Logf("%d turns, %d kills", committed, kills)
}

// runUntilKilled runs `localgpt chat` with args, typing "turn N" from turn
// first on as each answer arrives, until when() says to kill it (then it
// waits delay and sends SIGKILL).
func runUntilKilled(t *testing.T, bin, home string, args []string, first int, when func() bool, delay time.Duration) {
	t.Helper()
	cmd := testbin.Command(bin, home, args...)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		fmt.Fprintf(stdin, "turn %d\n", first)
		lines := bufio.NewScanner(stdout)
		for lines.Scan() {
			if n, ok := strings.CutPrefix(lines.Text(), "answer "); ok {
				i, _ := strconv.Atoi(n)
				fmt.Fprintf(stdin, "turn %d\n", i+1)
			}
		}
	}()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for deadline := time.Now().Add(60 * time.Second); !when(); time.Sleep(200 * time.Microsecond) {
		select {
		case err := <-done:
			t.Fatalf("chat %v ended by itself: %v\n%s", args, err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("chat %v made no progress\n%s", args, stderr.String())
		}
	}
	time.Sleep(delay)
	_ = cmd.Process.Kill()
	<-done
}

// checkKillTurns checks that the transcript is whole turns first,
// first+1, … each exactly as the script made it, and returns how many
// there are.
func checkKillTurns(t *testing.T, tr *session.Transcript, first int) int {
	t.Helper()
	msgs := tr.Messages()
	if len(msgs)%killTurnMsgs != 0 {
		t.Fatalf("%d messages: not whole turns of %d", len(msgs), killTurnMsgs)
	}
	for i := 0; i < len(msgs); i += killTurnMsgs {
		turn := first + i/killTurnMsgs
		m := msgs[i : i+killTurnMsgs]
		if m[0].Role != llm.RoleUser || m[0].Text() != fmt.Sprintf("turn %d", turn) || m[killTurnMsgs-1].Text() != fmt.Sprintf("answer %d", turn) {
			t.Fatalf("turn %d is not whole: starts %q, ends %q", turn, m[0].Text(), m[killTurnMsgs-1].Text())
		}
		for r := range killRounds {
			calls, results := m[1+2*r].ToolCalls(), m[2+2*r].Parts
			if len(calls) != killCalls || len(results) != killCalls {
				t.Fatalf("turn %d round %d: %d calls, %d results", turn, r, len(calls), len(results))
			}
			for c := range calls {
				if res := results[c].ToolResult; res == nil || res.CallID != calls[c].ID || res.IsError {
					t.Fatalf("turn %d round %d: call %s answered by %+v", turn, r, calls[c].ID, res)
				}
			}
		}
	}
	return len(msgs) / killTurnMsgs
}
