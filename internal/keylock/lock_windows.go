//go:build windows

package keylock

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// lockOffsetHigh places the locked byte at 2^62, far past the end of any
// file we lock: Windows locks are mandatory, so locking real bytes would
// stop other processes from reading them (say, `session list` reading
// the header of a session another process has open).
const lockOffsetHigh = 1 << 30

// lockFile takes LockFileEx on one byte of f, exclusive or shared,
// waiting or not; a lock held elsewhere, when not waiting, is ErrLocked.
func lockFile(f *os.File, exclusive, wait bool) error {
	var flags uint32
	if exclusive {
		flags |= windows.LOCKFILE_EXCLUSIVE_LOCK
	}
	if !wait {
		flags |= windows.LOCKFILE_FAIL_IMMEDIATELY
	}
	ol := &windows.Overlapped{OffsetHigh: lockOffsetHigh}
	err := windows.LockFileEx(windows.Handle(f.Fd()), flags, 0, 1, 0, ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) || errors.Is(err, windows.ERROR_IO_PENDING) {
		return ErrLocked
	}
	return err
}
