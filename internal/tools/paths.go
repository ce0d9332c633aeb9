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

// PathPolicy resolves the paths the model names and decides what may be
// read and written where (docs/tools.md has the rules as a table).
// Relative paths are relative to the workspace and ~ is the user's home.
//
//   - LocalGPT's own files (LocalGPT) are never written; its configuration
//     is never read either.
//   - Writes go without asking into the workspace and AllowedPaths, except
//     to dot-files and dot-folders (.git) and to the workspace's control
//     files (HEARTBEAT.md, SOUL.md, USER.md, skills/); those, and writes
//     anywhere else, need approval.
//   - Reads go anywhere the user can read, except credentials folders
//     (~/.ssh, ~/.aws, keyrings, browser profiles, .env files) and
//     LocalGPT's own sessions, state, index and logs, which need approval.
//
// Symbolic links are resolved before deciding, names are compared
// case-insensitively, and existing folders are also compared by identity,
// so no spelling of a path reaches what another spelling protects.
type PathPolicy struct {
	// Workspace is the absolute workspace folder.
	Workspace string
	// Home is the user's home directory, for ~ and the credentials folders.
	Home string
	// AllowedPaths are absolute folders where writes need no approval.
	AllowedPaths []string
	// LocalGPT locates LocalGPT's own files.
	LocalGPT LocalGPTFiles
	// Control are folders besides the workspace's control files that
	// steer LocalGPT (the skill folders of skills.paths): writes into
	// them need approval wherever they lie.
	Control []string
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
// writing through a link updates its target and keeps the link), and the
// policy's verdict on the real target is enforced through the gate.
func (p PathPolicy) writeTarget(ctx context.Context, g *Gate, req Request, path string) (string, error) {
	abs, err := p.Resolve(path)
	if err != nil {
		return "", err
	}
	real, err := realPath(abs)
	if err != nil {
		return "", err
	}
	req.Path = real
	if err := g.approvePath(ctx, req, p.checkWrite(real)); err != nil {
		return "", err
	}
	return real, nil
}

// readTarget resolves path for reading and enforces the policy's verdict
// through the gate. It returns the real path (links resolved) to open
// without following links, or the cleaned absolute path when it cannot
// be resolved (missing: opening it fails).
func (p PathPolicy) readTarget(ctx context.Context, g *Gate, req Request, path string) (string, error) {
	abs, err := p.Resolve(path)
	if err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		real = "" // missing: the read fails on its own, after the policy had its say
	}
	req.Path = abs
	if err := g.approvePath(ctx, req, p.checkRead(abs, real)); err != nil {
		return "", err
	}
	if real != "" {
		return real, nil
	}
	return abs, nil
}

// realPath resolves every symbolic link in p, including in the part of p
// that does not exist yet: the longest existing prefix is resolved and the
// rest appended. A link whose target is missing is an error, because
// writing through it would create a file wherever it points. It costs one
// lstat per missing level, so a path of thousands of made-up folders
// cannot keep it busy.
func realPath(p string) (string, error) {
	r, err := filepath.EvalSymlinks(p)
	if err == nil {
		return r, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("resolve %s: %w", p, err)
	}
	var rest []string
	dir := p
	for {
		fi, err := os.Lstat(dir)
		if err == nil {
			if fi.Mode()&fs.ModeSymlink != 0 {
				if _, err := filepath.EvalSymlinks(dir); errors.Is(err, fs.ErrNotExist) {
					return "", fmt.Errorf("%s is a symbolic link to a missing target; write to the target's path instead", dir)
				}
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("resolve %s: %w", p, err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		rest = append(rest, filepath.Base(dir))
		dir = parent
	}
	rd, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", p, err)
	}
	slices.Reverse(rest)
	return filepath.Join(append([]string{rd}, rest...)...), nil
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
