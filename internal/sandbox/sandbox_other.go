//go:build !linux

package sandbox

import (
	"fmt"
	"os"
	"os/exec"
	"sync"
)

// Process is a started command.
type Process struct {
	cmd      *exec.Cmd
	tree     tree
	tmp      string
	confined bool
	warning  string
	stop     sync.Once
}

// Runner starts commands. The zero Runner is ready; it is safe for
// concurrent use.
type Runner struct{}

// Start runs c in a process tree of its own (see tree), confined as this
// platform can (see confine); the Result's Warning says why when c.Policy
// asked for confinement that did not apply.
func (*Runner) Start(c Command) (*Process, error) {
	tmp, err := newTmp()
	if err != nil {
		return nil, err
	}
	run, confined, warning := confine(c, tmp)
	cmd := exec.Command(run.Path)
	cmd.Args = run.Args
	cmd.Dir = c.Dir
	cmd.Env = withTmp(c.Env, tmp)
	cmd.Stdout, cmd.Stderr = c.Output, c.Output
	t, err := newTree(cmd)
	if err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	if err := cmd.Start(); err != nil {
		t.release()
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("sandbox: start %s: %w", c.Path, err)
	}
	if err := t.started(cmd.Process); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.release()
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	return &Process{cmd: cmd, tree: t, tmp: tmp, confined: confined, warning: warning}, nil
}

// Stop kills the command and every process it started.
func (p *Process) Stop() {
	p.stop.Do(p.tree.kill)
}

// Wait waits for the command and kills what is left of its tree.
func (p *Process) Wait() (Result, error) {
	err := p.cmd.Wait()
	p.tree.kill()
	p.tree.release()
	os.RemoveAll(p.tmp)
	if p.cmd.ProcessState == nil {
		return Result{}, fmt.Errorf("sandbox: wait: %w", err)
	}
	res := Result{Confined: p.confined, Warning: p.warning, ExitCode: p.cmd.ProcessState.ExitCode()}
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
