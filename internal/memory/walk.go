package memory

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// scanned is a markdown file found on disk.
type scanned struct {
	key   string // workspace-relative with '/', or absolute for external files
	abs   string
	mtime int64 // UnixNano
	size  int64
	day   int64 // for daily logs: Unix seconds of the date at 00:00 UTC; else 0
}

// walker collects the markdown files below the workspace and the external
// paths, following symlinks that stay inside those roots and reporting,
// not failing on, loops and unreadable folders.
type walker struct {
	s       *Store
	files   []scanned
	pending []pendingFile // regular files found, not yet stat'ed
	notes   []string
	visited map[string]bool // real paths of folders walked
	roots   []string        // real paths of every root, for symlink confinement
	// dirs records each folder listed: its key and its modification time
	// before the listing (see fresh.go).
	dirs map[string]int64
	// known folders are not descended into (fresh.go checks them by their
	// own time); nil walks everything.
	known map[string]int64
	// started is when the walk began, before it listed anything.
	started time.Time
	// unsure is set when a walk that skips known folders meets a link to a
	// folder it does not know: only a whole walk can tell whether that
	// folder is indexed by another way in.
	unsure bool
}

// pendingFile is a markdown file found by ReadDir whose size and mtime
// statAll fetches once the folders are read.
type pendingFile struct {
	key, path string
	entry     fs.DirEntry
}

func (s *Store) newWalker() *walker {
	w := &walker{s: s, visited: map[string]bool{}, dirs: map[string]int64{}, started: s.wallNow()}
	w.roots = append(w.roots, s.wsReal)
	for _, e := range s.opts.ExternalPaths {
		if r, err := filepath.EvalSymlinks(e); err == nil {
			w.roots = append(w.roots, r)
		}
	}
	return w
}

// statAll fetches the size and mtime of the pending files and adds them
// to w.files. (Doing it on several goroutines was measured slower: the
// lstat calls contend in the kernel.)
func (w *walker) statAll() {
	for _, p := range w.pending {
		info, err := p.entry.Info()
		if err != nil {
			if !os.IsNotExist(err) { // removed while we walk: gone next time
				w.note("cannot read %s: %v", p.path, err)
			}
			continue
		}
		w.add(p.key, p.path, info)
	}
	w.pending = nil
}

// walkAll scans the workspace and every external path.
func (w *walker) walkAll() {
	defer w.statAll()
	w.walkRoot(w.s.opts.Workspace, w.s.wsReal, "")
	for _, e := range w.s.opts.ExternalPaths {
		real, err := filepath.EvalSymlinks(e)
		if errors.Is(err, fs.ErrNotExist) {
			w.note("external path %s does not exist; create it, or take it out of memory.external_paths", e)
			continue
		}
		if err != nil {
			w.note("external path %s: %v", e, err)
			continue
		}
		if within(w.s.wsReal, real) {
			w.note("external path %s is inside the workspace, which is indexed anyway", e)
			continue
		}
		info, err := os.Stat(real)
		if err != nil {
			w.note("external path %s: %v", e, err)
			continue
		}
		if !info.IsDir() {
			if isMarkdown(e) {
				w.add(e, e, info)
			} else {
				w.note("external path %s is not a folder or a .md file", e)
			}
			continue
		}
		w.walkRoot(e, real, e)
	}
}

// walkRoot walks dir (whose real path is real). keyBase is "" for the
// workspace (keys are relative) or the logical absolute folder.
func (w *walker) walkRoot(dir, real, keyBase string) {
	w.visited[real] = true
	w.walkDir(dir, real, keyBase)
}

func (w *walker) walkDir(dir, real, key string) {
	info, err := os.Stat(dir)
	if err == nil {
		w.dirs[key] = dirTime(info, w.started)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		delete(w.dirs, key)
		if !os.IsNotExist(err) {
			w.note("cannot read folder %s: %v", dir, err)
		}
		return
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		path := filepath.Join(dir, name)
		childKey := joinKey(key, name)
		childReal := filepath.Join(real, name)
		typ := e.Type()
		switch {
		case typ.IsDir():
			w.visited[childReal] = true
			if _, ok := w.known[childKey]; !ok {
				w.walkDir(path, childReal, childKey)
			}
		case typ&fs.ModeSymlink != 0:
			w.followLink(path, childKey)
		case typ.IsRegular() && isMarkdown(name):
			w.pending = append(w.pending, pendingFile{childKey, path, e})
		}
	}
}

func (w *walker) followLink(path, key string) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		w.note("skipped symlink %s: %v", path, err)
		return
	}
	if !w.inRoots(real) {
		w.note("skipped symlink %s: it points outside the workspace (%s); add the target to memory.external_paths to index it", path, real)
		return
	}
	info, err := os.Stat(real)
	if err != nil {
		w.note("skipped symlink %s: %v", path, err)
		return
	}
	if info.IsDir() {
		if _, ok := w.known[key]; w.known != nil && !ok {
			w.unsure = true
			return
		}
		if w.visited[real] {
			w.note("skipped symlink %s: it leads to %s, which is already indexed (a symlink loop or a second way in)", path, real)
			return
		}
		w.visited[real] = true
		if _, ok := w.known[key]; !ok {
			w.walkDir(path, real, key)
		}
		return
	}
	if info.Mode().IsRegular() && isMarkdown(path) {
		w.add(key, path, info)
	}
}

func (w *walker) inRoots(real string) bool {
	for _, r := range w.roots {
		if within(r, real) {
			return true
		}
	}
	return false
}

func (w *walker) add(key, abs string, info fs.FileInfo) {
	w.files = append(w.files, scanned{
		key: key, abs: abs, mtime: info.ModTime().UnixNano(), size: info.Size(), day: dailyDay(key),
	})
}

func (w *walker) note(format string, args ...any) {
	w.notes = append(w.notes, fmt.Sprintf(format, args...))
}

// joinKey extends a key with a name: '/'-joined for workspace keys,
// filepath-joined for external (absolute) ones.
func joinKey(key, name string) string {
	switch {
	case key == "":
		return name
	case filepath.IsAbs(key):
		return filepath.Join(key, name)
	}
	return key + "/" + name
}

func isMarkdown(name string) bool {
	return strings.EqualFold(filepath.Ext(name), ".md")
}

// within reports whether path is root or below it.
func within(root, path string) bool {
	rel, err := filepath.Rel(root, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

var dailyName = regexp.MustCompile(`^memory/(\d{4}-\d{2}-\d{2})\.md$`)

// dailyDay returns the date of a daily log key as Unix seconds at 00:00
// UTC, or 0 for any other file.
func dailyDay(key string) int64 {
	m := dailyName.FindStringSubmatch(key)
	if m == nil {
		return 0
	}
	t, err := time.Parse(time.DateOnly, m[1])
	if err != nil {
		return 0
	}
	return t.Unix()
}
