//go:build unix

package fsutil

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// exactDir is a folder opened without following a link.
type exactDir struct {
	fd   int
	path string
}

func (d exactDir) close() { unix.Close(d.fd) }

// openDirExact opens dir (absolute, clean) one component at a time from
// the root, each with O_NOFOLLOW; create makes missing folders.
func openDirExact(dir string, create bool) (exactDir, error) {
	fd, err := unix.Open("/", unix.O_DIRECTORY|dirFlags|unix.O_CLOEXEC, 0)
	if err != nil {
		return exactDir{}, fmt.Errorf("open /: %w", err)
	}
	cur := "/"
	for _, c := range strings.Split(strings.Trim(dir, "/"), "/") {
		if c == "" {
			continue
		}
		cur = joinSlash(cur, c)
		next, err := unix.Openat(fd, c, unix.O_DIRECTORY|unix.O_NOFOLLOW|dirFlags|unix.O_CLOEXEC, 0)
		if errors.Is(err, unix.ENOENT) && create {
			if err = unix.Mkdirat(fd, c, uint32(DirMode)); err == nil || errors.Is(err, unix.EEXIST) {
				next, err = unix.Openat(fd, c, unix.O_DIRECTORY|unix.O_NOFOLLOW|dirFlags|unix.O_CLOEXEC, 0)
			}
		}
		unix.Close(fd)
		if err != nil {
			return exactDir{}, openError(cur, err, true)
		}
		fd = next
	}
	return exactDir{fd: fd, path: dir}, nil
}

// openError words an error of opening path without following links.
func openError(path string, err error, dir bool) error {
	switch {
	case errors.Is(err, unix.ELOOP), dir && errors.Is(err, unix.ENOTDIR) && isLink(path):
		return linkError(path)
	case errors.Is(err, unix.ENOENT):
		return &os.PathError{Op: "open", Path: path, Err: os.ErrNotExist}
	}
	return &os.PathError{Op: "open", Path: path, Err: err}
}

func isLink(path string) bool {
	fi, err := os.Lstat(path)
	return err == nil && fi.Mode()&os.ModeSymlink != 0
}

// openFile opens the entry name of d with O_NOFOLLOW.
func (d exactDir) openFile(name string, flag int, perm os.FileMode) (*os.File, error) {
	path := joinSlash(d.path, name)
	fd, err := unix.Openat(d.fd, name, flag|unix.O_NOFOLLOW|unix.O_CLOEXEC, uint32(perm.Perm()))
	if err != nil {
		return nil, openError(path, err, false)
	}
	return os.NewFile(uintptr(fd), path), nil
}

// writeAtomic replaces the entry name of d with data (see WriteAtomic).
func (d exactDir) writeAtomic(name string, data []byte, perm os.FileMode) error {
	path := joinSlash(d.path, name)
	var st unix.Stat_t
	if err := unix.Fstatat(d.fd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err == nil {
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFREG:
			perm = os.FileMode(st.Mode & 0o777)
		case unix.S_IFDIR:
			return fmt.Errorf("%s is a folder; give a file path", path)
		}
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	tmpName := "." + name + ".tmp-" + hex.EncodeToString(rnd[:])
	tmp, err := d.openFile(tmpName, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := fillTemp(tmp, path, data, perm, func() { unix.Unlinkat(d.fd, tmpName, 0) }); err != nil {
		return err
	}
	if err := unix.Renameat(d.fd, tmpName, d.fd, name); err != nil {
		unix.Unlinkat(d.fd, tmpName, 0)
		return fmt.Errorf("replace %s: %w", path, err)
	}
	_ = unix.Fsync(d.fd) // some file systems refuse fsync on folders; the data is synced
	return nil
}

func joinSlash(dir, name string) string {
	if strings.HasSuffix(dir, "/") {
		return dir + name
	}
	return dir + "/" + name
}
