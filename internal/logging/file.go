package logging

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/localgpt-go/localgpt/internal/fsutil"
)

// File is the log file that every LocalGPT process of a home writes to.
// Exactly one process rotates it: the daemon, once it holds the daemon
// lock (Own). Every process writes with O_APPEND, so records from several
// processes never overwrite one another. The owner keeps the file open
// and rotates it by its size on disk, every process's records included.
// Every other process opens the file for each record, appends it in one
// write and closes it again, and never rotates: a record can therefore
// never land in a file the daemon has already rotated away, which is what
// happened while every process rotated the file it held open. Without a
// daemon the file grows by what commands log (a few lines each) until the
// next daemon rotates it.
//
// Rotated files are named like lumberjack's, which wrote them before:
// agent-2006-01-02T15-04-05.000.log (UTC), the newest maxBackups kept.
type File struct {
	path       string
	maxBytes   int64
	maxBackups int

	mu    sync.Mutex
	owned bool
	f     *os.File // the owner's open file
}

func newFile(path string, maxBytes int64, maxBackups int) *File {
	return &File{path: path, maxBytes: maxBytes, maxBackups: maxBackups}
}

// Own makes this process the one that rotates the file: call it only
// while holding the daemon lock, which one process of a home holds.
func (f *File) Own() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.owned = true
}

// Write writes one record.
func (f *File) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.owned {
		file, err := f.open()
		if err != nil {
			return 0, err
		}
		n, err := file.Write(p)
		if cerr := file.Close(); err == nil {
			err = cerr
		}
		return n, err
	}
	if f.f == nil {
		file, err := f.open()
		if err != nil {
			return 0, err
		}
		f.f = file
	}
	if info, err := f.f.Stat(); err == nil && info.Size() > 0 && info.Size()+int64(len(p)) > f.maxBytes {
		if err := f.rotate(); err != nil {
			return 0, err
		}
	}
	return f.f.Write(p)
}

// open opens the file for appending, creating it and its folder.
func (f *File) open() (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(f.path), fsutil.DirMode); err != nil {
		return nil, err
	}
	return os.OpenFile(f.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, fsutil.FileMode)
}

// rotate renames the owner's file to a backup, starts a new one and
// removes the oldest backups beyond maxBackups.
func (f *File) rotate() error {
	if err := f.f.Close(); err != nil {
		return fmt.Errorf("rotate %s: %w", f.path, err)
	}
	f.f = nil
	ext := filepath.Ext(f.path)
	prefix := strings.TrimSuffix(f.path, ext) + "-"
	at := time.Now().UTC()
	backup := prefix + at.Format(backupTime) + ext
	for { // two rotations within a millisecond must not collide
		if _, err := os.Lstat(backup); errors.Is(err, os.ErrNotExist) {
			break
		}
		at = at.Add(time.Millisecond)
		backup = prefix + at.Format(backupTime) + ext
	}
	if err := os.Rename(f.path, backup); err != nil {
		return fmt.Errorf("rotate %s: %w", f.path, err)
	}
	file, err := f.open()
	if err != nil {
		return fmt.Errorf("rotate %s: %w", f.path, err)
	}
	f.f = file
	return f.prune(prefix, ext)
}

// backupTime is the time in a rotated file's name.
const backupTime = "2006-01-02T15-04-05.000"

// prune removes the oldest backups beyond maxBackups.
func (f *File) prune(prefix, ext string) error {
	entries, err := os.ReadDir(filepath.Dir(f.path))
	if err != nil {
		return fmt.Errorf("list old logs: %w", err)
	}
	base := filepath.Base(prefix)
	var backups []string
	for _, e := range entries {
		stamp, ok := strings.CutPrefix(e.Name(), base)
		if !ok || !strings.HasSuffix(stamp, ext) {
			continue
		}
		if _, err := time.Parse(backupTime, strings.TrimSuffix(stamp, ext)); err == nil {
			backups = append(backups, e.Name())
		}
	}
	slices.Sort(backups) // the names sort by time
	var errs error
	for _, name := range backups[:max(0, len(backups)-f.maxBackups)] {
		errs = errors.Join(errs, os.Remove(filepath.Join(filepath.Dir(f.path), name)))
	}
	return errs
}

// Close closes the file if this process keeps it open.
func (f *File) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.f == nil {
		return nil
	}
	err := f.f.Close()
	f.f = nil
	return err
}
