//go:build unix

package daemon

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
)

// The process pieces of the daemon differ by platform; each file
// provides the same four functions. On Unix a stop request is SIGTERM,
// which main turns into a cancelled context, and the notify pipe is an
// inherited file descriptor.

// detach makes the daemon started by cmd a session leader with no
// controlling terminal, so closing the terminal does not stop it.
func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Dir = "/"
}

// passNotify hands w to the child and returns the value of NotifyEnv
// that lets it find w.
func passNotify(cmd *exec.Cmd, w *os.File) string {
	cmd.ExtraFiles = append(cmd.ExtraFiles, w)
	return strconv.Itoa(2 + len(cmd.ExtraFiles))
}

// requestStop asks the daemon pid to stop gracefully.
func requestStop(pid int) error {
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return fmt.Errorf("send SIGTERM to pid %d: %w", pid, err)
	}
	return nil
}

// stopRequests returns a context that is done when requestStop is called
// for this process. SIGTERM already cancels ctx (main), so it is ctx.
func stopRequests(ctx context.Context) (context.Context, func(), error) {
	return ctx, func() {}, nil
}

// forceStopHint says how to end a daemon that does not stop.
func forceStopHint(pid int) string { return fmt.Sprintf("`kill -9 %d`", pid) }
