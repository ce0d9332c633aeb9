//go:build unix && !linux

package sandbox

import (
	"os"
	"os/exec"
	"syscall"
)

// group is a process group: the command leads it, and killing the group
// kills what the command started, unless a process left it (setsid),
// which no Unix but Linux (the launcher's subreaper) can follow.
type group struct{ pid int }

func newTree(cmd *exec.Cmd) (tree, error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return &group{}, nil
}

func (g *group) started(p *os.Process) error { g.pid = p.Pid; return nil }
func (g *group) kill()                       { _ = syscall.Kill(-g.pid, syscall.SIGKILL) }
func (g *group) release()                    {}

// signalOf returns the signal that ended the process, if one did.
func signalOf(st *os.ProcessState) (syscall.Signal, bool) {
	ws, ok := st.Sys().(syscall.WaitStatus)
	return ws.Signal(), ok && ws.Signaled()
}
