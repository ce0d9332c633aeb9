package fsutil

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// ErrOutside is returned (wrapped) by ResolveWithin when a link leads out
// of the folder, or into a dot-folder of it.
var ErrOutside = errors.New("it leads outside the workspace")

// ResolveWithin returns the real path of the file name (relative) in the
// folder root, following symbolic links only as far as they stay inside
// root and out of its dot-files and dot-folders — the files the memory
// index reads. LocalGPT reads and rewrites the workspace's own files
// (MEMORY.md, SOUL.md, HEARTBEAT.md) by themselves, unasked, and sends
// them to the model: a link in their place must not bring it the
// LocalGPT configuration, a session, or ~/.ssh (which lie in a dot-folder
// when the workspace is the home). Open the result with the Exact
// functions, so that a link made after this check is not followed.
func ResolveWithin(root, name string) (string, error) {
	rootReal, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(filepath.Join(root, name))
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(rootReal, real)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%s is a symbolic link to %s: %w", name, real, ErrOutside)
	}
	for _, c := range strings.Split(rel, string(filepath.Separator)) {
		if strings.HasPrefix(c, ".") && c != "." {
			return "", fmt.Errorf("%s is a symbolic link into %s, a dot-folder: %w", name, real, ErrOutside)
		}
	}
	return real, nil
}

// ReadFileWithin reads the file name in root as ResolveWithin allows.
func ReadFileWithin(root, name string) ([]byte, error) {
	real, err := ResolveWithin(root, name)
	if err != nil {
		return nil, err
	}
	return ReadFileExact(real)
}
