// Package skills owns Agent Skills: folders holding a SKILL.md (YAML front
// matter with a name and a description, then markdown instructions) and
// any files beside it. A Catalog finds them in the workspace's skills/
// folder and in the folders of skills.paths, so skills written for other
// agents work as they are.
//
// Skills are disclosed progressively: the system prompt lists only names
// and descriptions (Index, within a budget), and the model reads a body
// when it decides to use one. Bad skills never stop the others: each
// problem is a Warning naming the file.
package skills

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// FileName is the file that makes a folder a skill.
const FileName = "SKILL.md"

// MaxFileBytes bounds a SKILL.md; the format advises keeping it under 500
// lines and moving detail into files beside it.
const MaxFileBytes = 256 << 10

// Skill is one loaded skill. Its body is read when it is used (Body).
type Skill struct {
	Name        string
	Description string
	// Dir is the skill's folder: files it mentions are relative to it.
	Dir string
	// File is Dir/SKILL.md.
	File string
	Meta Meta
}

// Body reads the skill's instructions: SKILL.md without its front matter.
func (s *Skill) Body() (string, error) {
	data, err := readSkillFile(s.File)
	if err != nil {
		return "", err
	}
	_, body, err := Parse(data)
	if err != nil {
		return "", fmt.Errorf("%s: %w", s.File, err)
	}
	return strings.TrimSpace(body), nil
}

// Files lists the files of the skill's folder other than SKILL.md, as
// slash-separated paths relative to it, in lexical order and skipping
// hidden ones: what the instructions may send the model to read. Past
// limit files the list ends with "…".
func (s *Skill) Files(limit int) []string {
	var out []string
	errFull := errors.New("full")
	_ = filepath.WalkDir(s.Dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(s.Dir, path)
		if rel != "." && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || rel == FileName {
			return nil
		}
		if len(out) == limit {
			out = append(out, "…")
			return errFull
		}
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	return out
}

// Warning is a problem with one skill file or folder; the other skills
// load regardless.
type Warning struct {
	Path string
	Msg  string
}

func (w Warning) String() string { return w.Path + ": " + w.Msg }

// Set is the skills found by one scan, sorted by name.
type Set struct {
	list []*Skill
}

// List returns the skills in name order.
func (s *Set) List() []*Skill {
	if s == nil {
		return nil
	}
	return s.list
}

// Lookup finds a skill by name.
func (s *Set) Lookup(name string) (*Skill, bool) {
	if s == nil {
		return nil, false
	}
	i, ok := slices.BinarySearchFunc(s.list, name, func(k *Skill, n string) int { return strings.Compare(k.Name, n) })
	if !ok {
		return nil, false
	}
	return s.list[i], true
}

// Names lists the skill names in order.
func (s *Set) Names() []string {
	names := make([]string, 0, len(s.List()))
	for _, k := range s.List() {
		names = append(names, k.Name)
	}
	return names
}

// Catalog finds the skills of a list of root folders. It rescans the
// folders when loaded, so skills added or edited while LocalGPT runs are
// seen at the next turn, but parses a SKILL.md again only when its size or
// time changed; loads within Coalesce of a scan (the prompt's index and
// the tool list of one turn) share it. It is safe for concurrent use.
type Catalog struct {
	roots []Root

	mu       sync.Mutex
	cache    map[string]cached
	last     *Set
	lastWarn []Warning
	lastAt   time.Time
}

// Coalesce is how long a scan serves further loads.
const Coalesce = 500 * time.Millisecond

// Root is a folder of skills (each a subfolder with a SKILL.md), or one
// skill folder itself.
type Root struct {
	Dir string
	// Optional roots may be missing without a warning (the workspace's
	// skills/ folder before the first skill is written).
	Optional bool
}

type cached struct {
	size  int64
	mod   time.Time
	skill *Skill
	err   error
	warns []string
}

// NewCatalog returns a catalog of roots, searched in order: when two
// skills have the same name, the one in the earlier root (or the earlier
// folder name within a root) wins and the other is reported.
func NewCatalog(roots ...Root) *Catalog {
	return &Catalog{roots: roots, cache: map[string]cached{}}
}

// Roots returns the folders the catalog searches.
func (c *Catalog) Roots() []Root { return c.roots }

// Load scans the roots and returns the skills found, with a warning for
// each file or folder that could not be used.
func (c *Catalog) Load() (*Set, []Warning) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last != nil && time.Since(c.lastAt) < Coalesce {
		return c.last, c.lastWarn
	}
	set, warnings := c.scan()
	c.last, c.lastWarn, c.lastAt = set, warnings, time.Now()
	return set, warnings
}

// scan reads every root; c.mu is held.
func (c *Catalog) scan() (*Set, []Warning) {
	var warnings []Warning
	set := &Set{}
	seen := map[string]*Skill{}
	live := make(map[string]bool, len(c.cache))
	for _, root := range c.roots {
		dirs, w := skillDirs(root)
		warnings = append(warnings, w...)
		for _, dir := range dirs {
			file := filepath.Join(dir, FileName)
			live[file] = true
			s, warns, err := c.loadOne(file, filepath.Base(dir))
			if errors.Is(err, fs.ErrNotExist) {
				warnings = append(warnings, Warning{dir, "this folder has no " + FileName + ", so it is not a skill"})
				continue
			}
			for _, msg := range warns {
				warnings = append(warnings, Warning{file, msg})
			}
			if err != nil {
				warnings = append(warnings, Warning{file, err.Error() + "; this skill is not loaded"})
				continue
			}
			if first, dup := seen[s.Name]; dup {
				warnings = append(warnings, Warning{file, fmt.Sprintf("another skill is also named %q (%s); that one is used", s.Name, first.File)})
				continue
			}
			seen[s.Name] = s
			set.list = append(set.list, s)
		}
	}
	for file := range c.cache {
		if !live[file] {
			delete(c.cache, file)
		}
	}
	slices.SortFunc(set.list, func(a, b *Skill) int { return strings.Compare(a.Name, b.Name) })
	return set, warnings
}

// loadOne parses file, or returns what it found last time when the file
// is unchanged.
func (c *Catalog) loadOne(file, dir string) (*Skill, []string, error) {
	fi, err := os.Stat(file)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read it: %w", err)
	}
	if e, ok := c.cache[file]; ok && e.size == fi.Size() && e.mod.Equal(fi.ModTime()) {
		return e.skill, e.warns, e.err
	}
	s, warns, err := parseFile(file, dir)
	c.cache[file] = cached{size: fi.Size(), mod: fi.ModTime(), skill: s, err: err, warns: warns}
	return s, warns, err
}

// parseFile reads and checks one SKILL.md.
func parseFile(file, dir string) (*Skill, []string, error) {
	data, err := readSkillFile(file)
	if err != nil {
		return nil, nil, err
	}
	m, _, err := Parse(data)
	if err != nil {
		return nil, nil, err
	}
	warns, err := m.check(dir)
	if err != nil {
		return nil, nil, err
	}
	return &Skill{Name: m.Name, Description: m.Description, Dir: filepath.Dir(file), File: file, Meta: m}, warns, nil
}

// readSkillFile reads a SKILL.md, refusing one over MaxFileBytes.
func readSkillFile(file string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("cannot read it: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("cannot read it: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, errors.New("it is not a regular file")
	}
	if fi.Size() > MaxFileBytes {
		return nil, fmt.Errorf("it is %d KiB; a SKILL.md may be at most %d KiB (move detail into files beside it)", fi.Size()>>10, MaxFileBytes>>10)
	}
	data := make([]byte, fi.Size())
	n, err := io.ReadFull(f, data)
	if err != nil {
		return nil, fmt.Errorf("cannot read it: %w", err)
	}
	return data[:n], nil
}

// skillDirs lists the skill folders of a root, in name order: the root
// itself when it holds a SKILL.md, otherwise its subfolders that do.
// Hidden folders are skipped.
func skillDirs(root Root) ([]string, []Warning) {
	dir := root.Dir
	if _, err := os.Stat(filepath.Join(dir, FileName)); err == nil {
		return []string{dir}, nil
	}
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist) && root.Optional:
		return nil, nil
	case errors.Is(err, fs.ErrNotExist):
		return nil, []Warning{{dir, "this skills folder does not exist (skills.paths)"}}
	case err != nil:
		return nil, []Warning{{dir, fmt.Sprintf("cannot read this skills folder: %v", err)}}
	}
	var dirs []string
	var warnings []Warning
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		path := filepath.Join(dir, name)
		if e.Type()&fs.ModeSymlink != 0 { // a linked skill folder is fine
			if fi, err := os.Stat(path); err != nil || !fi.IsDir() {
				continue
			}
		} else if !e.IsDir() {
			continue
		}
		dirs = append(dirs, path) // loadOne reports a folder without a SKILL.md

	}
	return dirs, warnings
}
