// Package fsutil holds the few file operations that protect user data:
// atomic replacement and durable appends. Every package that writes a file
// the user owns goes through here, so a crash never leaves half a file.
package fsutil

import (
	"fmt"
	"os"
	"path/filepath"
)

// Modes of everything LocalGPT creates, in the home and in the workspace:
// private to the user, since other accounts on the machine must not read
// the memory, the sessions or the keys. Existing files keep their own.
const (
	FileMode os.FileMode = 0o600
	DirMode  os.FileMode = 0o700
)

// WriteAtomic replaces path with data so that readers see either the old
// content or the new, never a mix: it writes a temporary file in the same
// directory, fsyncs it, renames it over path and fsyncs the directory.
// Parent directories are created (DirMode). An existing file keeps its
// permissions.
//
// When path is a symbolic link, the link is kept and its target is
// replaced instead (a config.toml linked into a dotfiles repository stays
// a link and the repository's file is updated). A dangling link is
// written through to its target when the target's folder exists.
func WriteAtomic(path string, data []byte, perm os.FileMode) error {
	path, err := linkTarget(path)
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, DirMode); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	if info, err := os.Stat(path); err == nil {
		perm = info.Mode().Perm()
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmpName := tmp.Name()
	if err := fillTemp(tmp, path, data, perm, func() { os.Remove(tmpName) }); err != nil {
		return err
	}
	if err := os.Rename(tmpName, path); err != nil {
		os.Remove(tmpName)
		return fmt.Errorf("replace %s: %w", path, err)
	}
	return SyncDir(dir)
}

// fillTemp writes data to tmp, the new file that will replace path, sets
// its mode, syncs and closes it; on failure it closes it and calls remove,
// which deletes it. Both atomic writes (by path, and relative to an open
// folder) share it.
func fillTemp(tmp *os.File, path string, data []byte, perm os.FileMode, remove func()) error {
	fail := func(verb string, err error) error {
		tmp.Close()
		remove()
		return fmt.Errorf("%s %s: %w", verb, path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fail("write", err)
	}
	if err := tmp.Chmod(perm); err != nil {
		return fail("write", err)
	}
	if err := tmp.Sync(); err != nil {
		return fail("sync", err)
	}
	if err := tmp.Close(); err != nil {
		remove()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// CreateExclusive writes data to path only if path does not exist yet. It
// reports whether it created the file; an existing file is never touched.
// The write is an append: if another process appends to the new file
// before data is written, data lands after it instead of overwriting it.
// To start a log with a header, use AppendEntry, which cannot interleave.
func CreateExclusive(path string, data []byte, perm os.FileMode) (bool, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, perm)
	if os.IsExist(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("create %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return false, fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return false, fmt.Errorf("sync %s: %w", path, err)
	}
	return true, f.Close()
}

// SyncDir fsyncs a directory so that a rename or create inside it is durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open %s: %w", dir, err)
	}
	defer d.Close()
	// Some filesystems refuse fsync on directories; the data itself is
	// already synced, so that is not worth failing the write for.
	_ = d.Sync()
	return nil
}
