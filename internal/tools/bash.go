package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/localgpt-go/localgpt/internal/config"
)

// Limits of the bash tool.
const (
	// DefaultBashTimeout and DefaultBashOutput apply when Bash leaves
	// Timeout or MaxOutput zero.
	DefaultBashTimeout = 2 * time.Minute
	DefaultBashOutput  = 50000
	// MaxBashTimeout bounds timeout_ms whatever the model asks for.
	MaxBashTimeout = 10 * time.Minute
	// straggleWait is how long output is still read after the shell has
	// exited and its process group was killed, for a process that escaped
	// the group (setsid) and still holds the output open.
	straggleWait = 2 * time.Second
)

// Bash runs shell commands with `bash -c` in their own process group. The
// whole group is killed when the command times out, when the context is
// cancelled, and when the shell exits (so background jobs do not outlive
// the call; detach them with setsid and redirect their output to keep
// them).
type Bash struct {
	Paths PathPolicy
	// Timeout is the default timeout (tools.bash_timeout_ms); zero means
	// DefaultBashTimeout.
	Timeout time.Duration
	// MaxOutput caps the combined output kept, head and tail (bytes); zero
	// means DefaultBashOutput.
	MaxOutput int
}

type bashArgs struct {
	Command    string `json:"command"`
	WorkingDir string `json:"working_dir"`
	TimeoutMS  int64  `json:"timeout_ms"`
}

// Name implements Tool.
func (*Bash) Name() string { return "bash" }

// Description implements Tool.
func (b *Bash) Description() string {
	return fmt.Sprintf("Run a shell command with bash -c and return its combined stdout and stderr and its exit code. "+
		"Runs in the workspace unless working_dir is given. Stdin is empty; the command is killed after timeout_ms "+
		"(default %d). Long output keeps its beginning and end.", b.Timeout.Milliseconds())
}

// Parameters implements Tool.
func (*Bash) Parameters() json.RawMessage {
	return json.RawMessage(`{"type":"object","properties":{` +
		`"command":{"type":"string","description":"The command line, run with bash -c."},` +
		`"working_dir":{"type":"string","description":"Folder to run in; relative to the workspace; default the workspace."},` +
		`"timeout_ms":{"type":"integer","minimum":1,"description":"Kill the command after this many milliseconds."}` +
		`},"required":["command"],"additionalProperties":false}`)
}

// Summary implements Summarizer.
func (b *Bash) Summary(raw json.RawMessage) string {
	a, err := decodeArgs[bashArgs]("bash", raw)
	if err != nil {
		return ""
	}
	if a.WorkingDir != "" {
		return a.Command + "   (in " + a.WorkingDir + ")"
	}
	return a.Command
}

// Run implements Tool.
func (b *Bash) Run(ctx context.Context, raw json.RawMessage) (Result, error) {
	a, err := decodeArgs[bashArgs]("bash", raw, "command", "working_dir", "timeout_ms")
	if err != nil {
		return Result{}, err
	}
	if err := required("bash", "command", a.Command); err != nil {
		return Result{}, err
	}
	if a.TimeoutMS < 0 {
		return Result{}, &ArgError{"bash", fmt.Sprintf("timeout_ms must be positive, got %d", a.TimeoutMS)}
	}
	timeout, maxOutput := b.Timeout, b.MaxOutput
	if timeout <= 0 {
		timeout = DefaultBashTimeout
	}
	if maxOutput <= 0 {
		maxOutput = DefaultBashOutput
	}
	if a.TimeoutMS > 0 {
		timeout = time.Duration(min(a.TimeoutMS, MaxBashTimeout.Milliseconds())) * time.Millisecond
	}
	dir := b.Paths.Workspace
	if a.WorkingDir != "" {
		if dir, err = b.Paths.Resolve(a.WorkingDir); err != nil {
			return Result{}, &ArgError{"bash", "working_dir: " + err.Error()}
		}
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return Result{}, fmt.Errorf("the working folder %s does not exist or is not a folder", dir)
	}
	return runBash(ctx, a.Command, dir, timeout, maxOutput)
}

// runBash runs command and reports its output and how it ended.
func runBash(ctx context.Context, command, dir string, timeout time.Duration, maxOutput int) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, fmt.Errorf("bash: not started: %w", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return Result{}, fmt.Errorf("bash: create the output pipe: %w", err)
	}
	defer r.Close()
	cmd := exec.Command("bash", "-c", command)
	cmd.Dir = dir
	cmd.Env = scrubbedEnv(os.Environ())
	cmd.Stdout, cmd.Stderr = w, w // one pipe: output stays in the order it was written
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = cmd.Start()
	w.Close()
	if err != nil {
		return Result{}, fmt.Errorf("bash: start %q: %w; is bash installed and on PATH?", command, err)
	}
	pgid := cmd.Process.Pid
	// Leave room for the omission marker and the status line, so the
	// registry's own cap does not cut the output a second time.
	if maxOutput > 512 {
		maxOutput -= 128
	}
	out := newHeadTailBuffer(maxOutput)
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		_, _ = io.Copy(out, r)
	}()
	waitDone := make(chan error, 1)
	go func() { waitDone <- cmd.Wait() }()

	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var ended string
	select {
	case err = <-waitDone:
	case <-timer.C:
		ended = fmt.Sprintf("timed out after %s and was killed", timeout)
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		err = <-waitDone
	case <-ctx.Done():
		ended = "was cancelled and killed"
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		err = <-waitDone
	}
	// Background jobs of the shell die with it.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	_ = r.SetReadDeadline(time.Now().Add(straggleWait))
	<-readDone

	var text strings.Builder
	text.WriteString(out.String())
	if text.Len() > 0 && !strings.HasSuffix(text.String(), "\n") {
		text.WriteByte('\n')
	}
	var exitErr *exec.ExitError
	switch {
	case ended != "":
		fmt.Fprintf(&text, "[the command %s]", ended)
		return Result{Content: text.String(), IsError: true}, nil
	case err == nil:
		text.WriteString("[exit code 0]")
		return Result{Content: text.String()}, nil
	case errors.As(err, &exitErr):
		if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			fmt.Fprintf(&text, "[killed by signal %s]", ws.Signal())
		} else {
			fmt.Fprintf(&text, "[exit code %d]", exitErr.ExitCode())
		}
		return Result{Content: text.String(), IsError: true}, nil
	}
	return Result{}, fmt.Errorf("bash: wait for %q: %w", command, err)
}

// scrubbedEnv returns env without LocalGPT's credentials
// (config.SecretEnv). The model writes the commands bash runs, so they
// never see these: a prompt injected through a web page must not be able
// to echo the user's keys.
func scrubbedEnv(env []string) []string {
	secretEnv := config.SecretEnv()
	out := make([]string, 0, len(env))
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(secretEnv, name) {
			out = append(out, kv)
		}
	}
	return out
}
