package tools

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/localgpt-go/localgpt/internal/keylock"
)

// PathPolicy resolves the paths the model names and decides where it may
// write. Relative paths are relative to the workspace and ~ is the user's
// home. Reads may go anywhere the user can read (the user asked for it);
// writes go without asking only into the workspace and AllowedPaths, and
// symbolic links are resolved before that check so they cannot be used to
// escape.
type PathPolicy struct {
	// Workspace is the absolute workspace folder.
	Workspace string
	// Home is the user's home directory, for ~.
	Home string
	// AllowedPaths are absolute folders where writes need no approval.
	AllowedPaths []string
	// Locks serialises the calls that rewrite one file (write_file,
	// edit_file, memory_save), keyed by the resolved real path, so two
	// names for one file (a symbolic link, "./a" and "a") share a lock.
	// The agent runs the tool calls of one reply at once, and edit_file
	// reads, changes and rewrites a whole file: without the lock, two
	// edits of one file read the same old content and the later write
	// erases the earlier edit while both report success. Every tool of a
	// registry shares it. Nil means no locking, which is only safe when
	// calls never overlap.
	Locks *keylock.Table
}

// Resolve turns a path from the model into a clean absolute path.
func (p PathPolicy) Resolve(path string) (string, error) {
	if strings.TrimSpace(path) == "" {
		return "", errors.New("the path is empty")
	}
	if strings.ContainsRune(path, 0) {
		return "", errors.New("the path contains a NUL byte")
	}
	if path == "~" || strings.HasPrefix(path, "~/") {
		if p.Home == "" {
			return "", fmt.Errorf("cannot expand %s: the home directory is unknown; use an absolute path", path)
		}
		path = filepath.Join(p.Home, path[1:])
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(p.Workspace, path)
	}
	return filepath.Clean(path), nil
}

// writeTarget resolves path for writing: symbolic links are followed (so
// writing through a link updates its target and keeps the link), and a
// target outside the workspace and the allowed paths must be approved.
func (p PathPolicy) writeTarget(ctx context.Context, g *Gate, req Request, path string) (string, error) {
	abs, err := p.Resolve(path)
	if err != nil {
		return "", err
	}
	real, err := realPath(abs)
	if err != nil {
		return "", err
	}
	roots := append([]string{p.Workspace}, p.AllowedPaths...)
	inside := slices.ContainsFunc(roots, func(root string) bool {
		r, err := realPath(root)
		return err == nil && within(r, real)
	})
	if inside {
		return real, nil
	}
	req.Path = real
	if err := g.approveWrite(ctx, req); err != nil {
		return "", err
	}
	return real, nil
}

// realPath resolves every symbolic link in p, including in the part of p
// that does not exist yet: the longest existing prefix is resolved and the
// rest appended. A link whose target is missing is an error, because
// writing through it would create a file wherever it points.
func realPath(p string) (string, error) {
	r, err := filepath.EvalSymlinks(p)
	if err == nil {
		return r, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("resolve %s: %w", p, err)
	}
	if fi, lerr := os.Lstat(p); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return "", fmt.Errorf("%s is a symbolic link to a missing target; write to the target's path instead", p)
	}
	parent := filepath.Dir(p)
	if parent == p {
		return p, nil
	}
	rp, err := realPath(parent)
	if err != nil {
		return "", err
	}
	return filepath.Join(rp, filepath.Base(p)), nil
}

// within reports whether path is root or inside it; both must be clean
// and absolute.
func within(root, path string) bool {
	rel, err := filepath.Rel(root, path)
	if err != nil {
		return false
	}
	return rel == "." || (rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)))
}
