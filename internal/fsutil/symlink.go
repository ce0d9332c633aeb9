package fsutil

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// maxLinkHops bounds how many symbolic links linkTarget follows, as the
// kernel does (ELOOP), so that a cycle of links is an error, not a hang.
const maxLinkHops = 40

// linkTarget returns the path a write to path must replace: path itself
// when it is not a symbolic link (or does not exist), else the file the
// chain of links ends at. A chain ending at a missing file yields that
// file's path if its folder exists; otherwise writing would have to invent
// folders wherever the link points, so it is an error.
func linkTarget(path string) (string, error) {
	fi, err := os.Lstat(path)
	if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		return path, nil // not a link; a missing path is created as usual
	}
	if real, err := filepath.EvalSymlinks(path); err == nil {
		return real, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("write %s: cannot follow the symbolic link: %w", path, err)
	}
	// A dangling link: follow it hop by hop to the missing end.
	cur := path
	for range maxLinkHops {
		dest, err := os.Readlink(cur)
		if err != nil {
			return "", fmt.Errorf("write %s: cannot read the symbolic link %s: %w", path, cur, err)
		}
		if !filepath.IsAbs(dest) {
			dest = filepath.Join(filepath.Dir(cur), dest)
		}
		cur = filepath.Clean(dest)
		fi, err := os.Lstat(cur)
		if errors.Is(err, fs.ErrNotExist) {
			parent := filepath.Dir(cur)
			if pfi, perr := os.Stat(parent); perr != nil || !pfi.IsDir() {
				return "", fmt.Errorf("write %s: it is a symbolic link to %s, whose folder %s does not exist; create the folder or fix the link", path, cur, parent)
			}
			return cur, nil
		}
		if err != nil {
			return "", fmt.Errorf("write %s: cannot follow the symbolic link to %s: %w", path, cur, err)
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return cur, nil
		}
	}
	return "", fmt.Errorf("write %s: more than %d symbolic links in a row (a loop?); fix the link", path, maxLinkHops)
}
