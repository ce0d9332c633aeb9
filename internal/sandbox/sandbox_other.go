//go:build !linux

package sandbox

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sync"
)

// Probe says what this platform can enforce: no confinement yet.
func Probe() Support {
	return Support{Detail: "no sandbox on " + runtime.GOOS + " yet: bash runs with your full permissions"}
}

// Process is a started command.
type Process struct {
	cmd     *exec.Cmd
	tmp     string
	warning string
	stop    sync.Once
}

// Runner starts commands. The zero Runner is ready; it is safe for
// concurrent use.
type Runner struct{}

// Start runs c in its own process group (on Unix; on Windows the process
// alone), unconfined; the Result's Warning says so when c.Policy asked for
// confinement. Processes that leave the group (setsid) are not killed by
// Stop on these platforms yet.
func (*Runner) Start(c Command) (*Process, error) {
	tmp, err := newTmp()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(c.Path)
	cmd.Args = c.Args
	cmd.Dir = c.Dir
	cmd.Env = withTmp(c.Env, tmp)
	cmd.Stdout, cmd.Stderr = c.Output, c.Output
	ownGroup(cmd)
	if err := cmd.Start(); err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("sandbox: start %s: %w", c.Path, err)
	}
	p := &Process{cmd: cmd, tmp: tmp}
	if c.Policy.Confine {
		p.warning = Probe().Detail
	}
	return p, nil
}

// Stop kills the command's process group.
func (p *Process) Stop() {
	p.stop.Do(func() { killGroup(p.cmd.Process) })
}

// Wait waits for the command and kills what is left of its group.
func (p *Process) Wait() (Result, error) {
	err := p.cmd.Wait()
	killGroup(p.cmd.Process)
	os.RemoveAll(p.tmp)
	if p.cmd.ProcessState == nil {
		return Result{}, fmt.Errorf("sandbox: wait: %w", err)
	}
	res := Result{Warning: p.warning, ExitCode: p.cmd.ProcessState.ExitCode()}
	if sig, ok := signalOf(p.cmd.ProcessState); ok {
		res.ExitCode, res.Signal = -1, sig
	}
	return res, nil
}

// newTmp creates the private temporary folder of one command (platforms
// without a prepared sandbox).
func newTmp() (string, error) {
	dir, err := os.MkdirTemp("", tmpPrefix)
	if err != nil {
		return "", fmt.Errorf("sandbox: create a private temporary folder: %w", err)
	}
	return dir, nil
}
