//go:build !unix

package mcpclient

import (
	"os/exec"
	"syscall"
)

// ownGroup runs cmd in a process group of its own, so that Ctrl-C at the
// console cancels LocalGPT's turn, not the server.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: 0x00000200} // CREATE_NEW_PROCESS_GROUP
}

// killGroup kills cmd's process (Windows has no process groups to signal).
func killGroup(cmd *exec.Cmd) {
	if cmd != nil && cmd.Process != nil {
		_ = cmd.Process.Kill()
	}
}
