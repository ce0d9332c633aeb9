//go:build !unix

package fsutil

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// exactDir is a folder whose path was checked to hold no link.
type exactDir struct{ path string }

func (exactDir) close() {}

// openDirExact checks each component of dir with Lstat (and creates the
// missing ones when create is set). The check and the later open are two
// steps: a link made in between is followed, which only the Unix version
// rules out.
func openDirExact(dir string, create bool) (exactDir, error) {
	cur := filepath.VolumeName(dir) + string(filepath.Separator)
	rest := strings.TrimPrefix(dir, cur)
	for _, c := range strings.Split(rest, string(filepath.Separator)) {
		if c == "" {
			continue
		}
		cur = filepath.Join(cur, c)
		fi, err := os.Lstat(cur)
		if os.IsNotExist(err) && create {
			if err = os.Mkdir(cur, DirMode); err == nil || os.IsExist(err) {
				fi, err = os.Lstat(cur)
			}
		}
		if err != nil {
			return exactDir{}, err
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			return exactDir{}, linkError(cur)
		}
		if !fi.IsDir() {
			return exactDir{}, fmt.Errorf("%s is not a folder", cur)
		}
	}
	return exactDir{path: dir}, nil
}

func (d exactDir) openFile(name string, flag int, perm os.FileMode) (*os.File, error) {
	path := filepath.Join(d.path, name)
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		return nil, linkError(path)
	}
	return os.OpenFile(path, flag, perm)
}

func (d exactDir) writeAtomic(name string, data []byte, perm os.FileMode) error {
	path := filepath.Join(d.path, name)
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		if err := os.Remove(path); err != nil { // replaced, never written through
			return fmt.Errorf("replace %s: %w", path, err)
		}
	}
	return WriteAtomic(path, data, perm)
}
