//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package keylock

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// lockFile takes flock(2) on f, exclusive or shared, waiting or not; a
// lock held elsewhere, when not waiting, is ErrLocked. A signal that
// interrupts the call is retried.
func lockFile(f *os.File, exclusive, wait bool) error {
	how := unix.LOCK_SH
	if exclusive {
		how = unix.LOCK_EX
	}
	if !wait {
		how |= unix.LOCK_NB
	}
	for {
		err := unix.Flock(int(f.Fd()), how)
		switch {
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EWOULDBLOCK):
			return ErrLocked
		}
		return err
	}
}
