package daemon

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/fsutil"
	"github.com/localgpt-go/localgpt/internal/heartbeat"
	"github.com/localgpt-go/localgpt/internal/keylock"
)

// Status is what `localgpt daemon status` shows.
type Status struct {
	Running bool `json:"running"`
	PID     int  `json:"pid,omitempty"`
	// StalePID is the pid of a pid file left by a daemon that is gone.
	StalePID  int               `json:"stale_pid,omitempty"`
	Started   time.Time         `json:"started,omitzero"`
	UptimeSec int64             `json:"uptime_seconds,omitempty"`
	Servers   map[string]string `json:"servers,omitempty"`
	Version   string            `json:"version,omitempty"`
	Heartbeat HeartbeatStatus   `json:"heartbeat"`
}

// HeartbeatStatus is the heartbeat part of Status.
type HeartbeatStatus struct {
	Enabled         bool              `json:"enabled"`
	Interval        string            `json:"interval"`
	Model           string            `json:"model"`
	LastRun         time.Time         `json:"last_run,omitzero"`
	NextRun         time.Time         `json:"next_run,omitzero"`
	Outcome         heartbeat.Outcome `json:"outcome,omitempty"`
	Skipped         bool              `json:"skipped"`
	LastError       string            `json:"last_error,omitempty"`
	Failures        int               `json:"failures"`
	TokensToday     int               `json:"tokens_today"`
	MaxTokensPerDay int               `json:"max_tokens_per_day"`
	TotalTokens     int64             `json:"total_tokens"`
	Cycles          int64             `json:"cycles"`
	ModelCycles     int64             `json:"model_cycles"`
	// StateError says why the heartbeat's record (state/heartbeat.json)
	// cannot be read; the figures above that come from it are then zero.
	// It does not hide whether the daemon runs.
	StateError string `json:"state_error,omitempty"`
}

// Running reports whether a daemon runs for the home: it holds the daemon
// lock for as long as it lives. It never disturbs a running daemon.
func Running(paths config.Paths) bool {
	held, err := keylock.Held(filepath.Join(paths.State, LockFile))
	return err == nil && held
}

// ReadStatus reports whether a daemon runs for the home and what the
// heartbeat last did. It never disturbs a running daemon.
func ReadStatus(cfg *config.Config, paths config.Paths, now time.Time) (Status, error) {
	var s Status
	held, err := keylock.Held(filepath.Join(paths.State, LockFile))
	if err != nil {
		return s, fmt.Errorf("daemon: %w", err)
	}
	pid := readPID(paths.State)
	if held {
		info, err := readInfo(paths.State)
		if err != nil {
			return s, err
		}
		s.Running, s.PID, s.Started, s.Servers, s.Version = true, pid, info.Started, info.Servers, info.Version
		if s.PID == 0 {
			s.PID = info.PID
		}
		if !info.Started.IsZero() {
			s.UptimeSec = int64(now.Sub(info.Started).Seconds())
		}
		s.Heartbeat.NextRun = info.NextHeartbeat
	} else if pid != 0 {
		s.StalePID = pid
	}
	hb := cfg.Heartbeat
	s.Heartbeat.Enabled, s.Heartbeat.Interval, s.Heartbeat.MaxTokensPerDay = hb.Enabled, hb.Interval.String(), hb.MaxTokensPerDay
	s.Heartbeat.Model = hb.Model
	if s.Heartbeat.Model == "" {
		s.Heartbeat.Model = cfg.Agent.DefaultModel
	}
	st, err := heartbeat.LoadState(paths.State)
	if err != nil {
		s.Heartbeat.StateError = err.Error()
		return s, nil
	}
	loc, _ := cfg.Location()
	if loc == nil {
		loc = time.Local
	}
	h := &s.Heartbeat
	h.LastRun, h.Outcome, h.Skipped, h.LastError, h.Failures = st.LastRun, st.LastOutcome, st.LastSkipped, st.LastError, st.Failures
	h.TokensToday, h.TotalTokens = st.TokensOn(now.In(loc).Format(time.DateOnly)), st.TotalTokens
	h.Cycles, h.ModelCycles = st.Cycles, st.ModelCycles
	return s, nil
}

// Stop asks the daemon to stop (SIGTERM; on Windows its stop event) and
// waits up to timeout for it to exit. While the daemon lets turns in
// flight finish (see TurnGrace), waiting, if not nil, is told how many
// are left each time that changes. It returns the daemon's pid.
func Stop(ctx context.Context, paths config.Paths, timeout time.Duration, waiting func(turns int)) (int, error) {
	lockPath := filepath.Join(paths.State, LockFile)
	held, err := keylock.Held(lockPath)
	if err != nil {
		return 0, fmt.Errorf("daemon: %w", err)
	}
	pid := readPID(paths.State)
	if !held {
		return pid, ErrNotRunning
	}
	if pid == 0 {
		return 0, fmt.Errorf("daemon: a daemon holds %s but its pid file is missing; find it with `pgrep -f 'localgpt daemon run'`", lockPath)
	}
	if err := requestStop(pid); err != nil {
		return pid, fmt.Errorf("daemon: %w", err)
	}
	deadline := time.Now().Add(timeout)
	// An idle daemon is gone in a few milliseconds: look often at first.
	poll, told := time.Millisecond, 0
	for {
		if held, err := keylock.Held(lockPath); err == nil && !held {
			return pid, nil
		}
		if info, err := readInfo(paths.State); waiting != nil && err == nil && info.Stopping && info.TurnsInFlight != told {
			told = info.TurnsInFlight
			waiting(told)
		}
		if time.Now().After(deadline) {
			return pid, fmt.Errorf("daemon: pid %d is still running %s after it was asked to stop (it may be finishing a turn); wait, or force it with %s", pid, timeout, forceStopHint(pid))
		}
		select {
		case <-ctx.Done():
			return pid, ctx.Err()
		case <-time.After(poll):
		}
		poll = min(2*poll, 50*time.Millisecond)
	}
}

// NotifyEnv names the environment variable that tells a daemon started
// by Start which file descriptor to report readiness on.
const NotifyEnv = "LOCALGPT_DAEMON_NOTIFY_FD"

// MaxOutBytes is the size past which Start rotates the daemon's raw
// output (StartOptions.OutFile).
const MaxOutBytes = 1 << 20

// StartOptions say how to start a detached daemon.
type StartOptions struct {
	// Executable and Args run the daemon in the foreground
	// (`localgpt [-c file] daemon run`).
	Executable string
	Args       []string
	Env        []string
	// OutFile receives the daemon's raw stdout and stderr (panics, the Go
	// runtime's messages): logs/daemon.out, never the JSON log, which the
	// daemon writes itself. Start rotates it (one old copy, OutFile.1)
	// once it passes MaxOutBytes, before the daemon opens it.
	OutFile string
	// Timeout bounds the wait for the daemon to report ready.
	Timeout time.Duration
}

// Start starts a detached daemon (a new session, no terminal; on Windows
// no console and a process group of its own) and waits
// until it reports ready or fails. It returns the daemon's pid.
func Start(ctx context.Context, paths config.Paths, o StartOptions) (int, error) {
	if held, err := keylock.Held(filepath.Join(paths.State, LockFile)); err != nil {
		return 0, fmt.Errorf("daemon: %w", err)
	} else if held {
		return readPID(paths.State), fmt.Errorf("%w (pid %d); stop it with `localgpt daemon stop`", ErrRunning, readPID(paths.State))
	}
	if err := os.MkdirAll(filepath.Dir(o.OutFile), fsutil.DirMode); err != nil {
		return 0, fmt.Errorf("daemon: create the log folder: %w", err)
	}
	if info, err := os.Stat(o.OutFile); err == nil && info.Size() > MaxOutBytes {
		// No daemon runs (checked above), so none has the file open.
		if err := os.Rename(o.OutFile, o.OutFile+".1"); err != nil {
			return 0, fmt.Errorf("daemon: rotate %s: %w", o.OutFile, err)
		}
	}
	out, err := os.OpenFile(o.OutFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, fsutil.FileMode)
	if err != nil {
		return 0, fmt.Errorf("daemon: open %s: %w", o.OutFile, err)
	}
	defer out.Close()
	r, w, err := os.Pipe()
	if err != nil {
		return 0, fmt.Errorf("daemon: %w", err)
	}
	defer r.Close()
	cmd := exec.Command(o.Executable, o.Args...)
	cmd.Stdout, cmd.Stderr = out, out
	detach(cmd)
	cmd.Env = append(o.Env, NotifyEnv+"="+passNotify(cmd, w))
	if err := cmd.Start(); err != nil {
		w.Close()
		return 0, fmt.Errorf("daemon: start %s: %w", o.Executable, err)
	}
	w.Close()
	pid := cmd.Process.Pid
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(io.LimitReader(r, 64<<10)).ReadString('\n')
		lines <- strings.TrimSpace(line)
	}()
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case line := <-lines:
		switch {
		case line == "ready":
			cmd.Process.Release()
			return pid, nil
		case strings.HasPrefix(line, "error: "):
			cmd.Wait()
			return pid, errors.New(strings.TrimPrefix(line, "error: "))
		}
		cmd.Wait() // the pipe closed without a word: the daemon exited
		return pid, fmt.Errorf("daemon: it exited before it was ready (exit status %d); see %s", cmd.ProcessState.ExitCode(), o.OutFile)
	case <-timer.C:
	case <-ctx.Done():
	}
	if requestStop(pid) != nil {
		cmd.Process.Kill()
	}
	go cmd.Wait() // reaped when it exits; this process ends soon after
	return pid, fmt.Errorf("daemon: pid %d did not report ready within %s and was stopped; see %s", pid, timeout, o.OutFile)
}
