package keylock

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrLocked is returned when another open file (another process, usually)
// holds the lock.
var ErrLocked = errors.New("held by another process")

// The file locks are advisory, taken on an open file and released by the
// operating system when the file is closed or its process exits, however
// it exits. Two opens of one file exclude each other even within one
// process. Each platform provides lockFile (lock_*.go).

// LockOpen waits for the exclusive lock on the open file f; closing f
// releases it. Appends to a shared log hold it for the append.
func LockOpen(f *os.File) error {
	if err := lockFile(f, true, true); err != nil {
		return fmt.Errorf("lock %s: %w", f.Name(), err)
	}
	return nil
}

// TryLockOpen takes the exclusive lock on the open file f without
// waiting; the error wraps ErrLocked when it is held elsewhere. Closing f
// releases it.
func TryLockOpen(f *os.File) error {
	if err := lockFile(f, true, false); err != nil {
		return fmt.Errorf("lock %s: %w", f.Name(), err)
	}
	return nil
}

// File is a held lock on a lock file. Get one from TryLockFile.
type File struct {
	f *os.File
}

// TryLockFile takes the exclusive lock on the lock file at path (created
// if missing, with its folder) without waiting. The error wraps ErrLocked
// when the lock is held elsewhere.
func TryLockFile(path string) (*File, error) {
	// Private, as fsutil.DirMode and FileMode say (fsutil imports this package).
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file %s: %w", path, err)
	}
	if err := TryLockOpen(f); err != nil {
		f.Close()
		return nil, err
	}
	return &File{f: f}, nil
}

// Unlock releases the lock. The file stays, so the next holder need not
// create it (removing it would let two processes lock different files).
// Unlocking a nil or released lock does nothing.
func (l *File) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close() // closing the last descriptor releases the lock
	l.f = nil
	return err
}

// Held reports whether some process holds the lock on the lock file at
// path, without taking it for longer than the check. A missing file is
// not held.
func Held(path string) (bool, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("check lock %s: %w", path, err)
	}
	defer f.Close() // drops the shared lock at once
	if err := lockFile(f, false, false); err != nil {
		if errors.Is(err, ErrLocked) {
			return true, nil
		}
		return false, fmt.Errorf("check lock %s: %w", path, err)
	}
	return false, nil
}
