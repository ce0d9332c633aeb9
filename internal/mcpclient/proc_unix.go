//go:build unix

package mcpclient

import (
	"os/exec"
	"syscall"
)

// ownGroup runs cmd in a process group of its own: Ctrl-C at the terminal
// (which signals the foreground group) cancels LocalGPT's turn, not the
// server, and killGroup can stop everything the server started.
func ownGroup(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

// killGroup kills what is left of cmd's process group.
func killGroup(cmd *exec.Cmd) {
	if cmd != nil && cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
