package fsutil

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/localgpt-go/localgpt/internal/keylock"
)

// AppendSync appends data to path (creating it and its parents) and fsyncs
// before returning, so an acknowledged append survives a crash. It is
// AppendEntry without a header: appends from any number of goroutines and
// processes never interleave.
func AppendSync(path string, data []byte) error {
	return AppendEntry(path, nil, data)
}

// AppendEntry appends data to path, creating it (FileMode) and its
// parents (DirMode), and
// fsyncs before returning. When the file is empty, header is written
// first, in the same write as data, so a log gets exactly one header
// however many writers create it at once. The append holds the exclusive
// file lock (keylock.LockOpen), so concurrent AppendEntry calls from goroutines and
// processes are serialised: each entry lands whole, after the header.
func AppendEntry(path string, header, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, DirMode); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	return appendEntry(path, header, data, func() (*os.File, error) {
		return os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, FileMode)
	}, os.Stat)
}

// appendEntry is AppendEntry with the open and the stat of path given:
// following links (AppendEntry) or not (AppendEntryExact).
func appendEntry(path string, header, data []byte, open func() (*os.File, error), stat func(string) (os.FileInfo, error)) error {
	// The file may be replaced (renamed over) between open and lock, by
	// an atomic rewrite; then the append must go to the new file.
	for attempt := 0; ; attempt++ {
		f, err := openLocked(path, open)
		if err != nil {
			return err
		}
		if attempt < 5 && !stillAt(f, path, stat) {
			f.Close()
			continue
		}
		err = appendLocked(f, path, header, data)
		if cerr := f.Close(); err == nil && cerr != nil { // closing drops the lock
			err = fmt.Errorf("append to %s: %w", path, cerr)
		}
		return err
	}
}

// openLocked opens path for appending (and reading its last byte) and
// waits for the exclusive lock.
func openLocked(path string, open func() (*os.File, error)) (*os.File, error) {
	f, err := open()
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := keylock.LockOpen(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("append to %s: %w", path, err)
	}
	return f, nil
}

// stillAt reports whether the open file f is still the file at path.
func stillAt(f *os.File, path string, stat func(string) (os.FileInfo, error)) bool {
	open, err := f.Stat()
	if err != nil {
		return true // cannot tell; append to what is open
	}
	now, err := stat(path)
	return err == nil && os.SameFile(open, now)
}

// appendLocked writes header (if the file is empty) and data to the
// locked file f in one write, then fsyncs it, and its folder when the
// file was new. The append is all or nothing: if the write or the fsync
// fails (a full disk writes part of it), the file is cut back to its
// size before, still under the lock, so no torn entry stays for later
// entries to follow. A file that does not end with a newline (cut by a
// crash) gets one first, so the new entry starts on its own line.
func appendLocked(f *os.File, path string, header, data []byte) error {
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("append to %s: %w", path, err)
	}
	size := fi.Size()
	var buf []byte
	switch {
	case size == 0 && len(header) > 0:
		buf = append(append(make([]byte, 0, len(header)+len(data)), header...), data...)
	case size > 0 && !endsWithNewline(f, size):
		buf = append(append(make([]byte, 0, 1+len(data)), '\n'), data...)
	default:
		buf = data
	}
	n, err := f.Write(buf)
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		if n > 0 && f.Truncate(size) == nil {
			_ = f.Sync()
		}
		return fmt.Errorf("append to %s: %w; nothing was added (is the disk full?)", path, err)
	}
	if size == 0 {
		return SyncDir(filepath.Dir(path))
	}
	return nil
}

// endsWithNewline reports whether the file of size bytes ends with '\n'.
func endsWithNewline(f *os.File, size int64) bool {
	var b [1]byte
	_, err := f.ReadAt(b[:], size-1)
	return err != nil || b[0] == '\n' // unreadable: do not guess
}
