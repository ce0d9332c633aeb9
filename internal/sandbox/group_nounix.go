//go:build !unix

package sandbox

import (
	"os"
	"os/exec"
	"syscall"
)

// ownGroup leaves cmd as it is: no process groups here (issue 19 gives
// Windows a job object).
func ownGroup(*exec.Cmd) {}

// killGroup kills the process itself.
func killGroup(p *os.Process) { _ = p.Kill() }

// signalOf: processes end with an exit code only.
func signalOf(*os.ProcessState) (syscall.Signal, bool) { return 0, false }
