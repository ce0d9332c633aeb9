package fsutil

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// ErrLink is returned (wrapped) by the Exact functions when a component
// of the path is a symbolic link.
var ErrLink = errors.New("a symbolic link is in the way")

// The Exact functions act on exactly the path they are given: an
// absolute, clean path with no symbolic link in it, as a security check
// judged it (a path with its links resolved). Where a plain open would
// follow a link that appeared since the check — a command running at the
// same time can swap a folder for a link to the LocalGPT configuration or
// to ~/.bashrc between the check and the write — they fail with ErrLink
// instead. On Unix each folder is opened relative to the one before with
// O_NOFOLLOW, so there is no window between looking and opening; on other
// systems the components are checked with Lstat just before the open,
// which narrows the window but cannot close it.

// OpenExact opens path like os.OpenFile, following no symbolic link.
// With os.O_CREATE, missing parent folders are created (DirMode).
func OpenExact(path string, flag int, perm os.FileMode) (*os.File, error) {
	if err := exactPath(path); err != nil {
		return nil, err
	}
	dir, err := openDirExact(filepath.Dir(path), flag&os.O_CREATE != 0)
	if err != nil {
		return nil, err
	}
	defer dir.close()
	return dir.openFile(filepath.Base(path), flag, perm)
}

// ReadFileExact reads the regular file at path, following no symbolic
// link. Anything else is refused; a FIFO does not block it.
func ReadFileExact(path string) ([]byte, error) {
	f, err := OpenExact(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%s)", path, fi.Mode().Type())
	}
	return io.ReadAll(f)
}

// WriteAtomicExact is WriteAtomic on exactly path: the temporary file is
// made, and renamed over path, in the folder opened without following a
// link, so the data lands at path or nowhere. A link at path itself is
// replaced by the file, never written through (the caller resolved it).
func WriteAtomicExact(path string, data []byte, perm os.FileMode) error {
	if err := exactPath(path); err != nil {
		return err
	}
	dir, err := openDirExact(filepath.Dir(path), true)
	if err != nil {
		return err
	}
	defer dir.close()
	return dir.writeAtomic(filepath.Base(path), data, perm)
}

// AppendEntryExact is AppendEntry on exactly path (see OpenExact).
func AppendEntryExact(path string, header, data []byte) error {
	if err := exactPath(path); err != nil {
		return err
	}
	return appendEntry(path, header, data, func() (*os.File, error) {
		return OpenExact(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, FileMode)
	}, os.Lstat)
}

// exactPath refuses paths the Exact functions cannot take literally.
func exactPath(path string) error {
	if !filepath.IsAbs(path) || filepath.Clean(path) != path {
		return fmt.Errorf("internal error: %q is not an absolute, clean path", path)
	}
	if filepath.Dir(path) == path {
		return fmt.Errorf("%s is a folder, not a file", path)
	}
	return nil
}

// linkError says that a link stood in the way at path.
func linkError(path string) error {
	return fmt.Errorf("%s: %w, and is not followed", path, ErrLink)
}
