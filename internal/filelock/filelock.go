// Package filelock holds advisory, process-wide locks on files (flock(2)),
// which the kernel releases when the holder exits, however it exits. The
// daemon holds one for as long as it runs; heartbeat cycles hold another so
// that two processes never run a cycle at once.
package filelock

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// ErrLocked is returned when another open file description (another
// process, usually) holds the lock.
var ErrLocked = errors.New("held by another process")

// Lock is a held lock. The zero value is not usable; get one from TryLock.
type Lock struct {
	f *os.File
}

// TryLock takes the exclusive lock on path (created if missing, with its
// folder) without waiting. It returns an error wrapping ErrLocked when the
// lock is held elsewhere.
func TryLock(path string) (*Lock, error) {
	f, err := open(path)
	if err != nil {
		return nil, err
	}
	if err := flock(f, syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("lock %s: %w", path, ErrLocked)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return &Lock{f: f}, nil
}

// Unlock releases the lock. The file stays, so the next holder need not
// create it (removing it would let two processes lock different files).
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close() // closing the last descriptor releases the flock
	l.f = nil
	return err
}

// Held reports whether some process holds the lock on path, without
// taking it for longer than the check. A missing file is not held.
func Held(path string) (bool, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("check lock %s: %w", path, err)
	}
	defer f.Close()
	if err := flock(f, syscall.LOCK_SH|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return true, nil
		}
		return false, fmt.Errorf("check lock %s: %w", path, err)
	}
	return false, nil // closing f drops the shared lock at once
}

func open(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file %s: %w", path, err)
	}
	return f, nil
}

// flock retries when a signal interrupts the call.
func flock(f *os.File, how int) error {
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}
