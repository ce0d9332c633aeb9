//go:build linux

package sandbox

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// killGrace is how long Stop waits for the launcher to kill the command's
// tree before it kills the launcher's process group itself.
const killGrace = 3 * time.Second

// Probe says what this kernel can enforce. It only asks the kernel; it
// never restricts the calling process.
func Probe() Support {
	abi, why := landlockABI()
	if abi == 0 {
		return Support{Detail: why}
	}
	s := Support{Confine: true, Network: abi >= 4, Detail: fmt.Sprintf("Landlock ABI %d", abi)}
	if !s.Network {
		s.Detail += " (too old to forbid network access; that needs ABI 4, Linux 6.7)"
	}
	return s
}

// Process is a started command.
type Process struct {
	cmd    *exec.Cmd
	ctl    *os.File // closing it asks the launcher to kill the tree
	status *os.File
	tmp    string
	done   chan struct{}
	stop   sync.Once
}

// Start starts c through the launcher (see the package doc). The caller
// must call Wait; Stop kills the command and everything it started.
func Start(c Command) (*Process, error) {
	return start(c, false)
}

func start(c Command, noLandlock bool) (*Process, error) {
	tmp, err := newTmp()
	if err != nil {
		return nil, err
	}
	pol := c.Policy
	pol.Writable = append(append([]string(nil), pol.Writable...), tmp)
	raw, err := json.Marshal(spec{Path: c.Path, Args: c.Args, Dir: c.Dir, Policy: pol, NoLandlock: noLandlock})
	if err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("sandbox: encode the spec: %w", err)
	}
	ctlR, ctlW, err := os.Pipe()
	if err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("sandbox: create the control pipe: %w", err)
	}
	stR, stW, err := os.Pipe()
	if err != nil {
		ctlR.Close()
		ctlW.Close()
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("sandbox: create the status pipe: %w", err)
	}
	cmd := &exec.Cmd{
		// Our own binary, even if it was replaced on disk since it started.
		Path:       "/proc/self/exe",
		Args:       []string{launcherArg0},
		Dir:        c.Dir,
		Env:        append(withTmp(c.Env, tmp), specEnv+"="+string(raw)),
		Stdout:     c.Output,
		Stderr:     c.Output,
		ExtraFiles: []*os.File{ctlR, stW}, // fds 3 and 4
		// Its own process group: a last resort for Stop.
		SysProcAttr: &syscall.SysProcAttr{Setpgid: true},
	}
	err = cmd.Start()
	ctlR.Close()
	stW.Close()
	if err != nil {
		ctlW.Close()
		stR.Close()
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("sandbox: start the launcher (%s): %w", cmd.Path, err)
	}
	return &Process{cmd: cmd, ctl: ctlW, status: stR, tmp: tmp, done: make(chan struct{})}, nil
}

// Stop kills the command and every process it started. It returns at
// once; Wait returns when they are gone. Calling it again does nothing.
func (p *Process) Stop() {
	p.stop.Do(func() {
		p.ctl.Close()
		pid := p.cmd.Process.Pid
		go func() { // in case the launcher itself does not end
			t := time.NewTimer(killGrace)
			defer t.Stop()
			select {
			case <-p.done:
			case <-t.C:
				_ = syscall.Kill(-pid, syscall.SIGKILL)
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}()
	})
}

// Wait waits for the command and every process it started to end, and
// says how the command ended. An error means the command could not be
// run at all.
func (p *Process) Wait() (Result, error) {
	waitErr := p.cmd.Wait()
	close(p.done)
	p.stop.Do(func() { p.ctl.Close() })
	// Anything of the launcher's group that is left (only possible when
	// the launcher itself was killed) goes too.
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	defer os.RemoveAll(p.tmp)
	defer p.status.Close()

	var started, ended *status
	sc := bufio.NewScanner(p.status)
	for sc.Scan() {
		var s status
		if json.Unmarshal(sc.Bytes(), &s) != nil {
			continue
		}
		switch {
		case s.Error != "":
			return Result{}, errors.New(s.Error)
		case s.Started:
			started = &s
		case s.Ended:
			ended = &s
		}
	}
	if started == nil {
		return Result{}, fmt.Errorf("sandbox: the launcher ended before starting the command: %v", waitErr)
	}
	res := Result{Confined: started.Confined, Warning: started.Warning}
	switch {
	case ended != nil && ended.Signal != 0:
		res.ExitCode, res.Signal = -1, syscall.Signal(ended.Signal)
	case ended != nil:
		res.ExitCode = ended.Exit
	default:
		// The launcher was killed (by Stop's last resort, or by the
		// command on a kernel without signal scoping).
		res.ExitCode, res.Signal = -1, syscall.SIGKILL
		if ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			res.Signal = ws.Signal()
		}
	}
	return res, nil
}
