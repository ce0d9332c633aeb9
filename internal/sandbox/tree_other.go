//go:build !unix && !windows

package sandbox

import (
	"os"
	"os/exec"
	"syscall"
)

// alone is the command's process alone: this platform has neither
// process groups nor job objects, so what the command starts may outlive it.
type alone struct{ p *os.Process }

func newTree(*exec.Cmd) (tree, error) { return &alone{}, nil }

func (a *alone) started(p *os.Process) error { a.p = p; return nil }
func (a *alone) kill()                       { _ = a.p.Kill() }
func (a *alone) release()                    {}

func signalOf(*os.ProcessState) (syscall.Signal, bool) { return 0, false }
