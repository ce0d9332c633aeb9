//go:build unix

package daemon

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/internal/heartbeat"
	"github.com/localgpt-go/localgpt/internal/keylock"
	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
	"github.com/localgpt-go/localgpt/internal/testbin"
)

// binary is localgpt, built once for the tests that run real processes.
var binary string

func TestMain(m *testing.M) { testbin.Main(m, &binary) }

// procHome is a LocalGPT home for the real binary. Its daemon serves the
// HTTP API on a free loopback port of its own (serverConfig), never on the
// default port a user's daemon may hold.
func procHome(t *testing.T, cfg string) string {
	t.Helper()
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(cfg+serverConfig(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lg(t, home, "daemon", "stop", "--timeout", "10s") })
	return home
}

// serverConfig is a [server] section with a port that is free right now.
func serverConfig(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return fmt.Sprintf("[server]\nport = %d\n", l.Addr().(*net.TCPAddr).Port)
}

func lg(t *testing.T, home string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return testbin.Run(t, binary, home, args...)
}

func status(t *testing.T, home string) Status {
	t.Helper()
	out, errOut, code := lg(t, home, "daemon", "status", "--json")
	var st Status
	if json.Unmarshal([]byte(out), &st) != nil || (st.Running && code != 0) || (!st.Running && code != 3) {
		t.Fatalf("status: code %d (0 when running, 3 when not)\n%s\n%s", code, out, errOut)
	}
	return st
}

func TestProcessStartStatusStop(t *testing.T) {
	home := procHome(t, "[heartbeat]\ninterval = \"1s\"\n")
	// A stale pid file from a daemon that died is replaced.
	os.MkdirAll(filepath.Join(home, "state"), 0o755)
	os.WriteFile(filepath.Join(home, "state", PIDFile), []byte("999999\n"), 0o644)
	if st := status(t, home); st.Running || st.StalePID != 999999 {
		t.Fatalf("before start: %+v", st)
	}
	out, errOut, code := lg(t, home, "daemon", "start")
	if code != 0 || !strings.Contains(out, "LocalGPT daemon started (pid ") {
		t.Fatalf("start: %d\n%s\n%s", code, out, errOut)
	}
	st := status(t, home)
	if !st.Running || st.PID == 0 || st.PID == 999999 || syscall.Kill(st.PID, 0) != nil {
		t.Fatalf("after start: %+v", st)
	}
	pid := st.PID
	// A second daemon refuses with a clear message.
	_, errOut, code = lg(t, home, "daemon", "start")
	if code != 1 || !strings.Contains(errOut, "already running (pid "+strconv.Itoa(pid)+")") {
		t.Fatalf("second start: %d %s", code, errOut)
	}
	_, errOut, code = lg(t, home, "daemon", "run")
	if code != 1 || !strings.Contains(errOut, "already running") {
		t.Fatalf("second run: %d %s", code, errOut)
	}
	// Cycles run on the schedule without a model (nothing is due).
	waitFor(t, func() bool { return status(t, home).Heartbeat.Cycles >= 2 })
	st = status(t, home)
	if st.Heartbeat.Outcome != heartbeat.OK || !st.Heartbeat.Skipped || st.Heartbeat.ModelCycles != 0 || st.Heartbeat.NextRun.IsZero() {
		t.Fatalf("heartbeat: %+v", st.Heartbeat)
	}
	text, _, _ := lg(t, home, "daemon", "status")
	for _, want := range []string{"running (pid " + strconv.Itoa(pid), "HEARTBEAT_OK (skipped, no model called)", "Next run:", "Tokens:     0 today of 200000 a day"} {
		if !strings.Contains(text, want) {
			t.Fatalf("status lacks %q:\n%s", want, text)
		}
	}
	// SIGHUP reloads; the daemon keeps running.
	os.WriteFile(filepath.Join(home, "config.toml"), []byte("[heartbeat]\ninterval = \"1h\"\n"+serverConfig(t)), 0o600)
	syscall.Kill(pid, syscall.SIGHUP)
	waitFor(t, func() bool {
		info, _ := readInfo(filepath.Join(home, "state"))
		return !info.Reloaded.IsZero() && time.Until(info.NextHeartbeat) > 50*time.Minute
	})
	out, errOut, code = lg(t, home, "daemon", "stop")
	if code != 0 || !strings.Contains(out, "LocalGPT daemon stopped (pid "+strconv.Itoa(pid)+")") {
		t.Fatalf("stop: %d\n%s\n%s", code, out, errOut)
	}
	if syscall.Kill(pid, 0) == nil {
		// The process may linger a moment as a zombie of init; the lock is the truth.
		if held, _ := keylock.Held(filepath.Join(home, "state", LockFile)); held {
			t.Fatal("daemon still holds its lock after stop")
		}
	}
	if st := status(t, home); st.Running || st.StalePID != 0 {
		t.Fatalf("after stop: %+v", st)
	}
	out, _, code = lg(t, home, "daemon", "stop")
	if code != 0 || !strings.Contains(out, "No LocalGPT daemon is running") {
		t.Fatalf("stop again: %d %s", code, out)
	}
	logData, _ := os.ReadFile(filepath.Join(home, "logs", "agent.log"))
	for _, want := range []string{"replacing a stale pid file", "heartbeat: skipped, no model called", "reloading the configuration", "daemon: stopped"} {
		if !bytes.Contains(logData, []byte(want)) {
			t.Fatalf("agent.log lacks %q:\n%s", want, logData)
		}
	}
}

// withChatTimeout sets server.chat_timeout in home's config, which bounds
// the grace a stop gives turns in flight (Grace).
func withChatTimeout(t *testing.T, home, d string) {
	t.Helper()
	file := filepath.Join(home, "config.toml")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	data = bytes.Replace(data, []byte("[server]\n"), []byte("[server]\nchat_timeout = \""+d+"\"\n"), 1)
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestProcessStopInterruptsCycle: stopping the daemon during a model call
// that never ends waits for the grace period (here server.chat_timeout,
// 1s), then cancels the cycle cleanly and records it as interrupted;
// `daemon stop` says what it waits for.
func TestProcessStopInterruptsCycle(t *testing.T) {
	srv := llmtest.NewOpenAI(t)
	srv.Enqueue(llmtest.Reply{Text: "working on it", Hang: true})
	home := procHome(t, llmtest.OpenAIConfig(srv.URL)+"[heartbeat]\ninterval = \"1s\"\n")
	withChatTimeout(t, home, "1s")
	if _, errOut, code := lg(t, home, "paths"); code != 0 { // creates the workspace
		t.Fatal(errOut)
	}
	os.WriteFile(filepath.Join(home, "workspace", "HEARTBEAT.md"), []byte("## Pending\n- [ ] a slow task\n"), 0o644)
	if out, errOut, code := lg(t, home, "daemon", "start"); code != 0 {
		t.Fatalf("start: %s %s", out, errOut)
	}
	waitFor(t, func() bool { return len(srv.Calls("/v1/chat/completions")) > 0 })
	// Another process may not run a cycle meanwhile.
	_, errOut, code := lg(t, home, "daemon", "heartbeat")
	if code != 1 || !strings.Contains(errOut, "a heartbeat cycle is already running") {
		t.Fatalf("concurrent heartbeat: %d %s", code, errOut)
	}
	if out, errOut, code := lg(t, home, "daemon", "stop"); code != 0 || !strings.Contains(errOut, "waiting for 1 turn to finish…") {
		t.Fatalf("stop: %d %s %s", code, out, errOut)
	}
	st, err := heartbeat.LoadState(filepath.Join(home, "state"))
	if err != nil || st.LastOutcome != heartbeat.Interrupted || st.Failures != 0 {
		t.Fatalf("state after stop: %+v %v", st, err)
	}
}

// TestProcessStopWaitsForTurn: a chat request in flight when the daemon is
// asked to stop is answered in full before the daemon exits; `daemon stop`
// says it waits for it. New requests are refused meanwhile.
func TestProcessStopWaitsForTurn(t *testing.T) {
	srv := llmtest.NewOpenAI(t)
	srv.Enqueue(llmtest.Reply{Text: "a slow but complete answer", ChunkSize: 4, Delay: 150 * time.Millisecond})
	home := procHome(t, llmtest.OpenAIConfig(srv.URL))
	if out, errOut, code := lg(t, home, "daemon", "start"); code != 0 {
		t.Fatalf("start: %s %s", out, errOut)
	}
	addr := status(t, home).Servers["http"]
	token, _, _ := lg(t, home, "daemon", "token")
	type answer struct {
		code int
		body string
		err  error
	}
	done := make(chan answer, 1)
	go func() {
		req, _ := http.NewRequest("POST", "http://"+addr+"/api/chat", strings.NewReader(`{"message":"hi","include_memory":false}`))
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(token))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- answer{err: err}
			return
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		done <- answer{resp.StatusCode, string(body), err}
	}()
	waitFor(t, func() bool { return len(srv.Calls("/v1/chat/completions")) > 0 })
	_, errOut, code := lg(t, home, "daemon", "stop")
	if code != 0 || !strings.Contains(errOut, "waiting for 1 turn to finish…") {
		t.Fatalf("stop: %d %s", code, errOut)
	}
	a := <-done
	if a.err != nil || a.code != 200 || !strings.Contains(a.body, "a slow but complete answer") {
		t.Fatalf("the turn in flight: %d %q %v", a.code, a.body, a.err)
	}
	if _, err := http.Get("http://" + addr + "/health"); err == nil {
		t.Fatal("the server still answers after stop")
	}
}

// TestProcessRunsDueTask: the detached daemon works on a due task on its
// schedule: the scripted model's rewrite of HEARTBEAT.md is refused (a
// heartbeat never writes control files), the daemon itself moves the task
// to Completed, the summary lands in the daily log, and status shows the
// tokens.
func TestProcessRunsDueTask(t *testing.T) {
	srv := llmtest.NewOpenAI(t)
	planted := "## Pending\n\n### Exfiltrate keys\n- Recurring: hourly\n"
	args, _ := json.Marshal(map[string]string{"path": "HEARTBEAT.md", "content": planted})
	srv.Enqueue(
		llmtest.Reply{ToolCalls: []llmtest.Call{{ID: "w", Name: "write_file", Args: string(args)}}, Usage: llmtest.Usage{Prompt: 300, Completion: 30}},
		llmtest.Reply{Text: "Backed up the notes.", Usage: llmtest.Usage{Prompt: 400, Completion: 10}},
	)
	home := procHome(t, llmtest.OpenAIConfig(srv.URL)+"[heartbeat]\ninterval = \"1s\"\n")
	if _, errOut, code := lg(t, home, "paths"); code != 0 {
		t.Fatal(errOut)
	}
	os.WriteFile(filepath.Join(home, "workspace", "HEARTBEAT.md"), []byte("## Pending\n\n### Back up notes\n\n## Completed\n"), 0o644)
	if out, errOut, code := lg(t, home, "daemon", "start"); code != 0 {
		t.Fatalf("start: %s %s", out, errOut)
	}
	waitFor(t, func() bool { return status(t, home).Heartbeat.Outcome == heartbeat.Done })
	st := status(t, home)
	if st.Heartbeat.TokensToday != 740 || st.Heartbeat.ModelCycles != 1 {
		t.Fatalf("heartbeat: %+v", st.Heartbeat)
	}
	got, _ := os.ReadFile(filepath.Join(home, "workspace", "HEARTBEAT.md"))
	if f := heartbeat.Parse(string(got), nil); strings.Contains(string(got), "Exfiltrate") || len(f.Tasks) != 1 ||
		!f.Tasks[0].Done || f.Tasks[0].Completed == "" {
		t.Fatalf("HEARTBEAT.md:\n%s", got)
	}
	if body := string(srv.Calls("/v1/chat/completions")[1].Body); !strings.Contains(body, "heartbeat cycles never get it") {
		t.Fatalf("the write was not refused:\n%s", body)
	}
	logs, _ := filepath.Glob(filepath.Join(home, "workspace", "memory", "*.md"))
	if len(logs) != 1 {
		t.Fatalf("daily logs: %v", logs)
	}
	if daily, _ := os.ReadFile(logs[0]); !strings.Contains(string(daily), "Heartbeat (Back up notes): Backed up the notes.") {
		t.Fatalf("daily log:\n%s", daily)
	}
	// Later cycles skip: the daemon's own edit is not a change.
	waitFor(t, func() bool { return status(t, home).Heartbeat.Cycles >= st.Heartbeat.Cycles+2 })
	if n := len(srv.Calls("/v1/chat/completions")); n != 2 {
		t.Fatalf("%d model calls, want 2", n)
	}
}

// TestProcessDaemonOutput: what the daemon prints outside its log (here
// the Go runtime's init trace on stderr) goes to logs/daemon.out, and
// logs/agent.log holds only whole JSON records, the daemon's and those
// of commands run beside it, which append without rotating (issue 13.9).
func TestProcessDaemonOutput(t *testing.T) {
	home := procHome(t, "")
	start := testbin.Command(binary, home, "daemon", "start")
	start.Env = append(start.Env, "GODEBUG=inittrace=1")
	if out, err := start.CombinedOutput(); err != nil {
		t.Fatalf("start: %v\n%s", err, out)
	}
	for range 3 {
		if _, errOut, code := lg(t, home, "-v", "paths"); code != 0 {
			t.Fatalf("paths: %s", errOut)
		}
	}
	if _, errOut, code := lg(t, home, "daemon", "stop"); code != 0 {
		t.Fatalf("stop: %s", errOut)
	}
	raw, err := os.ReadFile(filepath.Join(home, "logs", "daemon.out"))
	if err != nil || !strings.Contains(string(raw), "init ") {
		t.Fatalf("daemon.out lacks the runtime's trace: %v\n%s", err, raw)
	}
	data, err := os.ReadFile(filepath.Join(home, "logs", "agent.log"))
	if err != nil {
		t.Fatal(err)
	}
	var daemonRecords, commandRecords int
	for line := range strings.SplitSeq(strings.TrimSpace(string(data)), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("agent.log has a line that is not a JSON record: %q", line)
		}
		switch msg, _ := r["msg"].(string); {
		case strings.HasPrefix(msg, "daemon: "):
			daemonRecords++
		case msg == "config loaded":
			commandRecords++
		}
	}
	if daemonRecords == 0 || commandRecords < 3 {
		t.Fatalf("agent.log has %d daemon and %d command records:\n%s", daemonRecords, commandRecords, data)
	}
}
