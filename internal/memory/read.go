package memory

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/localgpt-go/localgpt/internal/fsutil"
)

// ErrNotFound is returned by Read for a path that is not a file of the
// workspace or of an external path.
var ErrNotFound = errors.New("no such file in the memory workspace")

// Read returns lines from..to (1-based, inclusive) of a file of the
// workspace or of an external path; to <= 0 means to the end, from <= 0
// means from the start. path is workspace-relative (as in Result.File) or
// absolute. The file's real location, symlinks resolved, must lie inside
// the workspace or an external path: nothing outside can be read, however
// the path is spelled.
func (s *Store) Read(path string, from, to int) (string, error) {
	abs, err := s.resolve(path)
	if err != nil {
		return "", err
	}
	data, err := fsutil.ReadFileExact(abs) // the file checked: no link made since is followed
	if err != nil {
		return "", fmt.Errorf("memory: read %s: %w", path, err)
	}
	text := strings.ToValidUTF8(string(data), "\uFFFD")
	if from <= 1 && to <= 0 {
		return text, nil
	}
	lines := strings.SplitAfter(text, "\n")
	if n := len(lines); n > 0 && lines[n-1] == "" {
		lines = lines[:n-1]
	}
	from = max(from, 1)
	if to <= 0 || to > len(lines) {
		to = len(lines)
	}
	if from > len(lines) {
		return "", fmt.Errorf("memory: %s has %d lines; line %d is past its end", path, len(lines), from)
	}
	if to < from {
		return "", fmt.Errorf("memory: line range %d-%d of %s is empty; give FROM <= TO", from, to, path)
	}
	return strings.Join(lines[from-1:to], ""), nil
}

// resolve maps a workspace-relative or absolute path to an absolute path
// whose real location is inside the workspace or an external path.
func (s *Store) resolve(path string) (string, error) {
	if path == "" {
		return "", fmt.Errorf("memory: no path given: %w", ErrNotFound)
	}
	abs := path
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(s.opts.Workspace, filepath.FromSlash(path))
	}
	abs = filepath.Clean(abs)
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		if os.IsNotExist(err) {
			return "", fmt.Errorf("memory: %s: %w", path, ErrNotFound)
		}
		return "", fmt.Errorf("memory: %s: %w", path, err)
	}
	ok := within(s.wsReal, real)
	for _, e := range s.opts.ExternalPaths {
		if r, err := filepath.EvalSymlinks(e); err == nil && within(r, real) {
			ok = true
		}
	}
	if !ok {
		return "", fmt.Errorf("memory: %s is outside the workspace and the external paths: %w", path, ErrNotFound)
	}
	info, err := os.Stat(real)
	if err != nil {
		return "", fmt.Errorf("memory: %s: %w", path, err)
	}
	if !info.Mode().IsRegular() {
		return "", fmt.Errorf("memory: %s is not a file: %w", path, ErrNotFound)
	}
	return real, nil
}
