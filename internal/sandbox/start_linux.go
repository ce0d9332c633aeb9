//go:build linux

package sandbox

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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

// Runner starts commands. It keeps the Landlock ruleset it prepared for
// the last policy (rebuilt when the policy or a folder it looked into
// changes), so that a command costs the launcher's start only. The zero
// Runner is ready; it is safe for concurrent use.
type Runner struct {
	mu    sync.Mutex
	cache *ruleset
	// noLandlock makes the Runner behave as on a kernel without Landlock
	// (tests of the fallback).
	noLandlock bool
}

// Start starts c through the launcher (see the package doc). The caller
// must call Wait; Stop kills the command and everything it started. Each
// command gets a private temporary folder ($TMPDIR), removed by Wait.
func (r *Runner) Start(c Command) (*Process, error) {
	base, err := tmpBase()
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(base, "cmd-")
	if err != nil {
		return nil, fmt.Errorf("sandbox: create a private temporary folder: %w", err)
	}
	p, err := r.start(c, base, tmp)
	if err != nil {
		os.RemoveAll(tmp)
	}
	return p, err
}

func (r *Runner) start(c Command, base, tmp string) (*Process, error) {
	sp := spec{Path: c.Path, Args: c.Args, Dir: c.Dir, RulesetFD: -1}
	var extra []*os.File
	r.mu.Lock() // held until the fork, so that the cached ruleset stays open
	defer r.mu.Unlock()
	if c.Policy.Confine {
		sp.Confine = true
		sp.NoUnixSockets = !c.Policy.UnixSockets && nativeArch != 0
		pol := c.Policy
		pol.Writable = append(append([]string(nil), pol.Writable...), base)
		rs, err := r.ruleset(pol)
		if err != nil {
			return nil, err
		}
		sp.Warning = rs.warning
		if !c.Policy.UnixSockets && nativeArch == 0 {
			sp.Warning = strings.TrimPrefix(sp.Warning+"; Unix sockets are not refused on this architecture (the sandbox knows no system call numbers of it)", "; ")
		}
		if rs.file != nil {
			extra = append(extra, rs.file)
			sp.RulesetFD = 5
		}
	}
	raw, err := json.Marshal(sp)
	if err != nil {
		return nil, fmt.Errorf("sandbox: encode the spec: %w", err)
	}
	ctlR, ctlW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("sandbox: create the control pipe: %w", err)
	}
	stR, stW, err := os.Pipe()
	if err != nil {
		ctlR.Close()
		ctlW.Close()
		return nil, fmt.Errorf("sandbox: create the status pipe: %w", err)
	}
	launcher := c.Launcher
	if launcher == "" {
		launcher = "/proc/self/exe" // our own binary, even if replaced on disk since it started
	}
	cmd := &exec.Cmd{
		Path:       launcher,
		Args:       []string{launcherArg0},
		Dir:        c.Dir,
		Env:        append(withTmp(c.Env, tmp), specEnv+"="+string(raw)),
		Stdout:     c.Output,
		Stderr:     c.Output,
		ExtraFiles: append([]*os.File{ctlR, stW}, extra...), // fds 3, 4 and the ruleset's 5
		// Its own process group: a last resort for Stop.
		SysProcAttr: &syscall.SysProcAttr{Setpgid: true},
	}
	err = cmd.Start()
	ctlR.Close()
	stW.Close()
	if err != nil {
		ctlW.Close()
		stR.Close()
		return nil, fmt.Errorf("sandbox: start the launcher (%s): %w", cmd.Path, err)
	}
	return &Process{cmd: cmd, ctl: ctlW, status: stR, tmp: tmp, done: make(chan struct{})}, nil
}

// ruleset returns the prepared ruleset of pol, from the cache while
// neither pol nor a folder it was built from changed. The caller holds
// r.mu.
func (r *Runner) ruleset(pol Policy) (*ruleset, error) {
	key, _ := json.Marshal(pol)
	if c := r.cache; c != nil && c.key == string(key) && c.fresh() {
		return c, nil
	}
	rs, err := buildRuleset(pol, r.noLandlock)
	if err != nil {
		return nil, err
	}
	rs.key = string(key)
	if old := r.cache; old != nil && old.file != nil {
		old.file.Close()
	}
	r.cache = &rs
	return &rs, nil
}

// tmpBase returns the folder of the commands' private temporary folders,
// made once per user and checked to be private.
func tmpBase() (string, error) {
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("%s%d", tmpPrefix, os.Getuid()))
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("sandbox: create %s: %w", dir, err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return "", fmt.Errorf("sandbox: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !fi.IsDir() || fi.Mode().Perm()&0o077 != 0 || !ok || int(st.Uid) != os.Getuid() {
		return "", fmt.Errorf("sandbox: %s is not a private folder of yours (%s); remove it and try again", dir, fi.Mode())
	}
	return dir, nil
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
