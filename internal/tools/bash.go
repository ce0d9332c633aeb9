package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/sandbox"
)

// Limits of the bash tool.
const (
	// DefaultBashTimeout and DefaultBashOutput apply when Bash leaves
	// Timeout or MaxOutput zero.
	DefaultBashTimeout = 2 * time.Minute
	DefaultBashOutput  = 50000
	// MaxBashTimeout bounds timeout_ms whatever the model asks for.
	MaxBashTimeout = 10 * time.Minute
	// straggleWait is how long output is still read after the command
	// ended, for a process that escaped the kill and still holds the
	// output open (possible only where the sandbox cannot follow the
	// whole process tree).
	straggleWait = 2 * time.Second
)

// Bash runs shell commands with `bash -c` through the sandbox (package
// sandbox): every process a command starts is killed when it ends, times
// out or is cancelled, so nothing outlives the call; with Confine, the
// command may write only the workspace, the allowed paths and a private
// temporary folder, and cannot read LocalGPT's own files.
type Bash struct {
	Paths PathPolicy
	// Timeout is the default timeout (tools.bash_timeout_ms); zero means
	// DefaultBashTimeout.
	Timeout time.Duration
	// MaxOutput caps the combined output kept, head and tail (bytes); zero
	// means DefaultBashOutput.
	MaxOutput int
	// Confine asks for the filesystem confinement (tools.bash_sandbox).
	Confine bool
	// UnixSockets lets confined commands open Unix sockets
	// (tools.bash_unix_sockets).
	UnixSockets bool
	// NoNetwork forbids commands TCP connections (tools.bash_network = false).
	NoNetwork bool
	// Unattended (heartbeat cycles) keeps the workspace's control files
	// and dot-folders read-only: nobody approved the command, so it must
	// not plant tasks or git hooks.
	Unattended bool
	// Log receives a warning whenever a command runs without the
	// confinement asked for; nil logs nothing (the result still says so).
	Log *slog.Logger
	// runner starts the commands and keeps their prepared sandbox.
	runner sandbox.Runner
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
	pol, note := b.policy()
	res, warning, err := runBash(ctx, &b.runner, a.Command, dir, timeout, maxOutput, pol)
	if err == nil && note != "" {
		res.Content += "\n[note: " + note + "]"
	}
	if warning != "" && b.Log != nil {
		b.Log.Warn("bash ran without the sandbox", "reason", warning)
	}
	return res, err
}

// runBash runs command through the sandbox and reports its output and
// how it ended. The command, and everything it started, is killed when it
// ends, times out or ctx is cancelled.
func runBash(ctx context.Context, runner *sandbox.Runner, command, dir string, timeout time.Duration, maxOutput int, pol sandbox.Policy) (Result, string, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, "", fmt.Errorf("bash: not started: %w", err)
	}
	bashPath, err := exec.LookPath("bash")
	if err != nil {
		return Result{}, "", fmt.Errorf("bash: %w; is bash installed and on PATH?", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return Result{}, "", fmt.Errorf("bash: create the output pipe: %w", err)
	}
	defer r.Close()
	p, err := runner.Start(sandbox.Command{
		Path: bashPath, Args: []string{"bash", "-c", command}, Dir: dir,
		Env: scrubbedEnv(os.Environ()), Output: w, Policy: pol,
	})
	w.Close()
	if err != nil {
		return Result{}, "", fmt.Errorf("bash: start %q: %w", command, err)
	}
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
	type waited struct {
		res sandbox.Result
		err error
	}
	waitDone := make(chan waited, 1)
	go func() {
		res, err := p.Wait()
		waitDone <- waited{res, err}
	}()

	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var ended string
	var wr waited
	select {
	case wr = <-waitDone:
	case <-timer.C:
		ended = fmt.Sprintf("timed out after %s and was killed", timeout)
		p.Stop()
		wr = <-waitDone
	case <-ctx.Done():
		ended = "was cancelled and killed"
		p.Stop()
		wr = <-waitDone
	}
	// Every process of the command is gone, so the pipe is at its end; the
	// deadline only guards against a writer that escaped (a platform that
	// cannot follow the whole tree).
	_ = r.SetReadDeadline(time.Now().Add(straggleWait))
	<-readDone
	if wr.err != nil {
		return Result{}, "", fmt.Errorf("bash: %q: %w", command, wr.err)
	}

	var text strings.Builder
	text.WriteString(out.String())
	if text.Len() > 0 && !strings.HasSuffix(text.String(), "\n") {
		text.WriteByte('\n')
	}
	res := wr.res
	switch {
	case ended != "":
		fmt.Fprintf(&text, "[the command %s]", ended)
	case res.Signal != 0:
		fmt.Fprintf(&text, "[killed by signal %s]", res.Signal)
	default:
		fmt.Fprintf(&text, "[exit code %d]", res.ExitCode)
	}
	if res.Warning != "" {
		fmt.Fprintf(&text, "\n[warning: the command ran without the sandbox: %s]", res.Warning)
	}
	return Result{Content: text.String(), IsError: ended != "" || res.ExitCode != 0}, res.Warning, nil
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
