//go:build unix

package tools

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/sandbox"
)

func TestBash(t *testing.T) {
	e := newEnv(t, nil, func(c *config.Config) {
		noApproval(c)
		c.Tools.ToolOutputMaxChars = 1000
	})
	if err := os.Mkdir(filepath.Join(e.ws, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    any
		isError bool
		wants   []string
		not     []string
	}{
		{"echo", map[string]any{"command": "echo hello"}, false, []string{"hello\n[exit code 0]"}, nil},
		{"stdout and stderr interleaved in order", map[string]any{"command": "echo one; echo two >&2; echo three"}, false, []string{"one\ntwo\nthree\n"}, nil},
		{"exit code", map[string]any{"command": "echo failing; exit 3"}, true, []string{"failing\n[exit code 3]"}, nil},
		{"runs in the workspace", map[string]any{"command": "pwd"}, false, []string{e.ws + "\n"}, nil},
		{"relative working_dir", map[string]any{"command": "pwd", "working_dir": "sub"}, false, []string{filepath.Join(e.ws, "sub") + "\n"}, nil},
		{"tilde working_dir", map[string]any{"command": "pwd", "working_dir": "~"}, false, []string{e.home + "\n"}, nil},
		{"missing working_dir", map[string]any{"command": "pwd", "working_dir": "nope"}, true, []string{"does not exist"}, nil},
		{"stdin is empty", map[string]any{"command": "cat; echo done"}, false, []string{"done"}, nil},
		{"no trailing newline", map[string]any{"command": "printf abc"}, false, []string{"abc\n[exit code 0]"}, nil},
		{"killed by a signal", map[string]any{"command": "kill -TERM $$"}, true, []string{"killed by signal terminated"}, nil},
		{"huge output keeps head and tail", map[string]any{"command": "echo START; yes middle | head -n 100000; echo END"}, false,
			[]string{"START\nmiddle", "bytes omitted", "middle\nEND\n[exit code 0]"}, nil},
		{"missing command", map[string]any{}, true, []string{"command is required"}, nil},
		{"negative timeout", map[string]any{"command": "true", "timeout_ms": -5}, true, []string{"timeout_ms must be positive"}, nil},
		{"string timeout", `{"command": "true", "timeout_ms": "100"}`, true, []string{"bad arguments for bash"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.call(t, context.Background(), "bash", tt.args)
			check(t, r, tt.isError, tt.wants...)
			if len(r.Content) > 1200 {
				t.Fatalf("output not capped: %d bytes", len(r.Content))
			}
		})
	}
}

// pidsIn returns the numbers printed on lines of their own.
func pidsIn(t *testing.T, s string) []int {
	t.Helper()
	var pids []int
	for _, m := range regexp.MustCompile(`(?m)^(\d+)$`).FindAllStringSubmatch(s, -1) {
		pid, _ := strconv.Atoi(m[1])
		pids = append(pids, pid)
	}
	if len(pids) == 0 {
		t.Fatalf("no pid in output:\n%s", s)
	}
	return pids
}

// waitGone waits until pid no longer runs (gone, or a zombie nobody has
// reaped yet). It fails the test if the process is still alive after a
// generous while: that is a leak, not slowness.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if errors.Is(err, os.ErrNotExist) {
			return
		}
		if err == nil {
			// The state follows the parenthesised command name.
			if f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:])); len(f) > 0 && (f[0] == "Z" || f[0] == "X") {
				return
			}
		} else if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %d is still running", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestBashTimeoutKillsTheProcessGroup(t *testing.T) {
	e := newEnv(t, nil, noApproval)
	// The timeout leaves the sandbox launcher and both shells time to
	// print their pids on a loaded machine (500 ms did not always).
	r := e.call(t, context.Background(), "bash", map[string]any{
		"command": "sleep 300 & echo $!; sh -c 'sleep 301 & echo $!; wait' & wait", "timeout_ms": 3000,
	})
	check(t, r, true, "timed out after 3s and was killed")
	if n := len(pidsIn(t, r.Content)); n != 2 {
		t.Fatalf("want both background pids before the timeout, got %d:\n%s", n, r.Content)
	}
	for _, pid := range pidsIn(t, r.Content) {
		waitGone(t, pid)
	}
}

func TestBashDefaultTimeoutFromConfig(t *testing.T) {
	e := newEnv(t, nil, func(c *config.Config) { noApproval(c); c.Tools.BashTimeoutMS = 300 })
	check(t, e.call(t, context.Background(), "bash", map[string]any{"command": "sleep 300"}), true, "timed out after 300ms")
}

func TestBashBackgroundJobsDieWithTheShell(t *testing.T) {
	e := newEnv(t, nil, noApproval)
	r := e.call(t, context.Background(), "bash", map[string]any{"command": "sleep 300 >/dev/null 2>&1 & echo $!"})
	check(t, r, false, "[exit code 0]")
	waitGone(t, pidsIn(t, r.Content)[0])
}

func TestBashCancelKillsTheCommand(t *testing.T) {
	e := newEnv(t, nil, noApproval)
	pidFile := filepath.Join(e.ws, "pid") // the sandbox lets bash write the workspace only
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan Result, 1)
	go func() {
		done <- e.reg.Call(ctx, "bash", rawArgs(t, map[string]any{
			"command": "sleep 300 & echo $! > " + pidFile + "; wait",
		}))
	}()
	var pid int
	for pid == 0 {
		if b, err := os.ReadFile(pidFile); err == nil && strings.HasSuffix(string(b), "\n") {
			pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		}
		select {
		case r := <-done:
			t.Fatalf("bash ended before it was cancelled: %s", r.Content)
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	r := <-done
	check(t, r, true, "was cancelled and killed")
	waitGone(t, pid)
}

func TestBashDoesNotSeeLocalGPTSecrets(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "sk-must-not-leak")
	t.Setenv("ANTHROPIC_API_KEY", "sk-ant-must-not-leak")
	t.Setenv("LOCALGPT_TEST_VISIBLE", "visible")
	res, _, err := runBash(context.Background(), new(sandbox.Runner), `echo "[$OPENAI_API_KEY][$ANTHROPIC_API_KEY][$LOCALGPT_TEST_VISIBLE]"`, t.TempDir(), 10*time.Second, 10000, sandbox.Policy{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Content, "[][][visible]") {
		t.Fatalf("output: %q", res.Content)
	}
}

// TestBashSandboxHidesLocalGPTFiles: a bash call (approved or not) cannot
// read LocalGPT's configuration and sessions, nor write outside the
// workspace, even with the workspace holding the home.
func TestBashSandboxHidesLocalGPTFiles(t *testing.T) {
	if s := sandbox.Probe(); !s.Confine {
		t.Skipf("no sandbox here: %s", s.Detail)
	}
	for _, layout := range []string{"default", "workspace is ~"} {
		t.Run(layout, func(t *testing.T) {
			e := newEnv(t, nil, noApproval)
			lg := filepath.Dir(e.ws)
			writeFile(t, filepath.Join(lg, "config.toml"), "[tools]\nrequire_approval = [\"bash\"]\n")
			writeFile(t, filepath.Join(lg, "sessions", "s.jsonl"), "{\"secret\":1}\n")
			if layout != "default" {
				e = newEnvAt(t, e.home, e.home)
			}
			writeFile(t, filepath.Join(e.ws, "notes", "old.md"), "old\n")
			for _, tc := range []struct {
				cmd string
				ok  bool
			}{
				// (with the home inside the workspace, the workspace's own
				// entries are fixed: new files go into its folders)
				{"echo note > " + filepath.Join(e.ws, "notes", "n.md") + " && cat " + filepath.Join(e.ws, "notes", "n.md"), true},
				{"cat " + filepath.Join(lg, "config.toml"), false},
				{"cat " + filepath.Join(lg, "sessions", "s.jsonl"), false},
				{"echo 'require_approval = []' > " + filepath.Join(lg, "config.toml"), false},
				{"echo x > " + filepath.Join(e.outside, "o"), false},
			} {
				r := e.call(t, context.Background(), "bash", map[string]any{"command": tc.cmd})
				if r.IsError == tc.ok || strings.Contains(r.Content, "secret") {
					t.Errorf("%s: %s", tc.cmd, r.Content)
				}
			}
			if readFile(t, filepath.Join(lg, "config.toml")) != "[tools]\nrequire_approval = [\"bash\"]\n" {
				t.Fatal("config.toml changed")
			}
		})
	}
}
