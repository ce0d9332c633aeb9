//go:build windows

package daemon

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"

	"golang.org/x/sys/windows"
)

// Windows has no SIGTERM to send another process: a stop request is a
// named event, Local\LocalGPT-daemon-stop-<pid>, which the daemon creates
// and waits on and `daemon stop` sets. The notify pipe is an inherited
// handle whose value the child reads from NotifyEnv.

// detach starts the daemon without a console, in its own process group,
// so closing the terminal (and its Ctrl-C) does not reach it.
func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{
		CreationFlags: windows.CREATE_NEW_PROCESS_GROUP | windows.DETACHED_PROCESS,
		HideWindow:    true,
	}
	cmd.Dir = filepath.VolumeName(os.TempDir()) + `\`
}

// passNotify hands w to the child and returns the value of NotifyEnv
// that lets it find w: the handle's number.
func passNotify(cmd *exec.Cmd, w *os.File) string {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.AdditionalInheritedHandles = append(cmd.SysProcAttr.AdditionalInheritedHandles, syscall.Handle(w.Fd()))
	return strconv.FormatUint(uint64(w.Fd()), 10)
}

func stopEventName(pid int) (*uint16, error) {
	return windows.UTF16PtrFromString(fmt.Sprintf(`Local\LocalGPT-daemon-stop-%d`, pid))
}

// requestStop asks the daemon pid to stop gracefully by setting its stop
// event.
func requestStop(pid int) error {
	name, err := stopEventName(pid)
	if err != nil {
		return err
	}
	h, err := windows.OpenEvent(windows.EVENT_MODIFY_STATE, false, name)
	if err != nil {
		return fmt.Errorf("pid %d takes no stop requests (is it a LocalGPT daemon?): %w", pid, err)
	}
	defer windows.CloseHandle(h)
	if err := windows.SetEvent(h); err != nil {
		return fmt.Errorf("ask pid %d to stop: %w", pid, err)
	}
	return nil
}

// stopRequests creates this process's stop event and returns a context
// that is done once it is set. release stops the wait and frees the
// event.
func stopRequests(ctx context.Context) (context.Context, func(), error) {
	name, err := stopEventName(os.Getpid())
	if err != nil {
		return ctx, func() {}, err
	}
	stop, err := windows.CreateEvent(nil, 1, 0, name)
	if err != nil {
		return ctx, func() {}, fmt.Errorf("create the stop event: %w", err)
	}
	quit, err := windows.CreateEvent(nil, 1, 0, nil)
	if err != nil {
		windows.CloseHandle(stop)
		return ctx, func() {}, fmt.Errorf("create an event: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		ev, err := windows.WaitForMultipleObjects([]windows.Handle{stop, quit}, false, windows.INFINITE)
		if err == nil && ev == windows.WAIT_OBJECT_0 {
			cancel()
		}
	}()
	return ctx, func() {
		windows.SetEvent(quit)
		<-done
		cancel()
		windows.CloseHandle(stop)
		windows.CloseHandle(quit)
	}, nil
}

// forceStopHint says how to end a daemon that does not stop.
func forceStopHint(pid int) string { return fmt.Sprintf("`taskkill /F /PID %d`", pid) }
