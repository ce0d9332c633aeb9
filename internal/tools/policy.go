package tools

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/localgpt-go/localgpt/internal/memory"
)

// Concern is one reason a call needs the user's approval.
type Concern string

// The concerns the approval gate knows. Front ends may word their prompt
// after them; the heartbeat allows only ConcernTool and ConcernOutside
// (by heartbeat.allow_tools) and refuses the others, as nobody watches.
const (
	// ConcernTool: the tool needs approval by itself: it is listed in
	// tools.require_approval, or it is an MCP tool its server neither
	// trusts nor allows.
	ConcernTool Concern = "tool"
	// ConcernOutside: a write outside the workspace and tools.allowed_paths.
	ConcernOutside Concern = "outside"
	// ConcernDotPath: a write to a dot-file or into a dot-folder (.git,
	// .envrc, .bashrc): such files configure programs that run code.
	ConcernDotPath Concern = "dot-path"
	// ConcernControl: a write to a file that steers LocalGPT itself
	// (HEARTBEAT.md, whose tasks run unattended, SOUL.md, USER.md, skills/).
	ConcernControl Concern = "control-file"
	// ConcernCredentials: a read of a credentials folder (~/.ssh, ~/.aws,
	// keyrings, browser profiles, .env files).
	ConcernCredentials Concern = "credentials"
	// ConcernLocalGPT: a read of LocalGPT's own sessions, index, state or logs.
	ConcernLocalGPT Concern = "localgpt-files"
)

// controlNames are the workspace entries that steer LocalGPT, compared
// case-insensitively (a case-insensitive file system opens heartbeat.md
// as HEARTBEAT.md).
func controlNames() []string {
	return []string{memory.HeartbeatFile, memory.SoulFile, "USER.md", "skills"}
}

// LocalGPTFiles locates LocalGPT's own files. Tools never write them,
// whatever memory.workspace and tools.allowed_paths say (a workspace of
// "~" holds the home; an edit of config.toml could drop every approval).
type LocalGPTFiles struct {
	// Home is the LocalGPT home: everything directly in it is LocalGPT's,
	// except the workspace and allowed paths that lie inside it.
	Home string
	// Config are the configuration files (the one in use and the home's
	// default), never read either since they hold API keys; their backups
	// and temporary files (same folder, name starting with the file's
	// name) count as them.
	Config []string
	// Dirs are LocalGPT's folders, wherever configured: sessions, state,
	// the index, the logs.
	Dirs []string
	// Log is the log file; its rotated copies (same folder, same name
	// before the extension) count as it.
	Log string
}

// need is one approval a path access needs, and what an "always" answer
// would cover.
type need struct {
	concern Concern
	grant   string
	reason  string
}

// verdict is the policy's answer about one path access: never (with the
// reason, for the model), or the approvals needed (none: go ahead).
type verdict struct {
	never string
	needs []need
}

// checkWrite decides about writing real (absolute, links resolved).
func (p PathPolicy) checkWrite(real string) verdict {
	sp := newSpot(real)
	if p.isConfig(sp) || p.isOwn(sp) {
		return verdict{never: real + " is one of LocalGPT's own files (its configuration, sessions, state, index or logs), " +
			"which tools never change; the user changes settings with `localgpt config set`"}
	}
	var v verdict
	base := -1 // the depth of the workspace or allowed path real lies in
	var wsRest []string
	inWorkspace := false
	for i, root := range append([]string{p.Workspace}, p.AllowedPaths...) {
		if root == "" {
			continue
		}
		if r, err := realPath(root); err == nil {
			if rest, ok := sp.under(newAnchor(r)); ok {
				base = max(base, len(sp.comps)-len(rest))
				if i == 0 {
					wsRest, inWorkspace = rest, true
				}
			}
		}
	}
	if base < 0 {
		v.needs = append(v.needs, need{ConcernOutside, filepath.Dir(real), real + " is outside the workspace"})
		base = 0
	}
	for i := base; i < len(sp.comps); i++ {
		if c := sp.comps[i]; len(c) > 1 && c[0] == '.' {
			dot := sp.join(i + 1)
			v.needs = append(v.needs, need{ConcernDotPath, dot,
				dot + " is a dot-file or dot-folder; programs read such files as configuration and may run code from them"})
			break
		}
	}
	if inWorkspace && len(wsRest) > 0 && slices.Contains(foldedControlNames(), wsRest[0]) {
		c := sp.join(len(sp.comps) - len(wsRest) + 1)
		v.needs = append(v.needs, need{ConcernControl, c,
			c + " steers LocalGPT itself (the heartbeat runs HEARTBEAT.md's tasks unattended; SOUL.md, USER.md and skills shape every answer)"})
	} else if c := p.controlFolderOf(sp); c != "" {
		v.needs = append(v.needs, need{ConcernControl, c,
			c + " is a skill folder (skills.paths): skills steer LocalGPT itself and shape every answer"})
	}
	return v
}

// controlFolderOf returns the folder of p.Control that holds the spot,
// or "". A skill folder kept in an allowed path (or in the workspace
// under another name than skills/) is as much a control file as the
// workspace's skills/: a skill planted there is offered in every prompt.
func (p PathPolicy) controlFolderOf(sp *spot) string {
	for _, c := range p.Control {
		if c == "" {
			continue
		}
		if r, err := realPath(c); err == nil {
			if _, ok := sp.under(newAnchor(r)); ok {
				return r
			}
		}
	}
	return ""
}

// checkRead decides about reading path (clean, absolute) whose real
// location is real ("" when it cannot be resolved).
func (p PathPolicy) checkRead(path, real string) verdict {
	var v verdict
	names := []string{path}
	if real != "" && real != path {
		names = append(names, real)
	}
	for _, q := range names {
		sp := newSpot(q)
		if p.isConfig(sp) {
			return verdict{never: q + " is LocalGPT's configuration (or a backup of it), which holds API keys, so tools do not read it; " +
				"`localgpt config show` prints the settings with secrets masked, and `localgpt config get KEY` one of them"}
		}
		if len(v.needs) == 0 && p.isOwn(sp) {
			v.needs = append(v.needs, need{ConcernLocalGPT, q, q + " is one of LocalGPT's own files (sessions, state, index, logs)"})
		}
		if c := p.credentialOf(sp); c != "" {
			v.needs = append(v.needs, need{ConcernCredentials, c, c + " holds credentials"})
			break
		}
	}
	return v
}

// isConfig reports whether the spot is a configuration file, or a backup
// or temporary file of one (same folder, name starting with its name), or
// another name of it (a hard link).
func (p PathPolicy) isConfig(sp *spot) bool {
	for _, c := range p.LocalGPT.Config {
		if c == "" {
			continue
		}
		if sp.sibling(c, false) {
			return true
		}
		if len(sp.anc) > 0 && sp.anc[0].depth == len(sp.comps) && !sp.anc[0].fi.IsDir() {
			if fi, err := os.Stat(c); err == nil && os.SameFile(fi, sp.anc[0].fi) {
				return true
			}
		}
	}
	return false
}

// isOwn reports whether the spot is one of LocalGPT's own files (see
// LocalGPTFiles), configuration excepted.
func (p PathPolicy) isOwn(sp *spot) bool {
	l := p.LocalGPT
	for _, d := range l.Dirs {
		if _, ok := sp.under(newAnchor(d)); ok {
			return true
		}
	}
	if l.Log != "" && sp.sibling(l.Log, true) {
		return true
	}
	if l.Home == "" {
		return false
	}
	home := newAnchor(l.Home)
	rest, ok := sp.under(home)
	if !ok {
		return false
	}
	// In the home: LocalGPT's unless in a folder of the user's that the
	// home holds (the default workspace, an allowed path). When the home
	// is the workspace itself, only the named files are LocalGPT's.
	if p.Workspace != "" && sameFile(p.Workspace, l.Home) {
		return false
	}
	for _, keep := range append([]string{p.Workspace}, p.AllowedPaths...) {
		if keep == "" {
			continue
		}
		// A kept folder lies below the home by name: it is configured so.
		k := newAnchor(keep).folded
		n := len(home.folded)
		if len(k) > n && slices.Equal(k[:n], home.folded) && len(rest) >= len(k)-n && slices.Equal(rest[:len(k)-n], k[n:]) {
			return false
		}
	}
	return true
}

// credentialOf returns the credentials location the spot is in, or "".
func (p PathPolicy) credentialOf(sp *spot) string {
	if p.Home != "" {
		if rest, ok := sp.under(newAnchor(p.Home)); ok && len(rest) > 0 {
			joined := strings.Join(rest, "/")
			for _, rel := range credentialDirs() {
				f := fold(rel)
				if joined == f || strings.HasPrefix(joined, f+"/") {
					return filepath.Join(p.Home, filepath.FromSlash(rel))
				}
			}
		}
	}
	for _, c := range systemCredentials() {
		if _, ok := sp.underName(c); ok {
			return c
		}
	}
	if n := len(sp.folded); n > 0 {
		base := sp.folded[n-1]
		if base == fold(".env") || strings.HasPrefix(base, fold(".env.")) {
			return sp.path
		}
		// Another process's environment holds its secrets (LocalGPT's own
		// keys among them): /proc/PID/environ, /proc/PID/task/TID/environ.
		if n >= 3 && sp.comps[0] == "proc" && sp.comps[n-1] == "environ" {
			return sp.path
		}
	}
	return ""
}

// spot is an absolute path taken apart for matching against the
// policy's folders: by name, case-folded, and by the identity of its
// existing ancestors (another spelling on a case- or
// normalisation-insensitive file system, a bind mount).
type spot struct {
	path   string
	comps  []string // components below the root
	folded []string // fold of each component
	anc    []ancestor
}

// ancestor is an existing ancestor of a spot (or the spot itself):
// the first depth components, and its file information.
type ancestor struct {
	depth int
	fi    os.FileInfo
}

func newSpot(path string) *spot {
	sp := &spot{path: path, comps: components(path)}
	sp.folded = make([]string, len(sp.comps))
	for i, c := range sp.comps {
		sp.folded[i] = fold(c)
	}
	for d := len(sp.comps); d >= 0; d-- {
		if fi, err := os.Stat(sp.join(d)); err == nil {
			sp.anc = append(sp.anc, ancestor{d, fi})
		}
	}
	return sp
}

// join returns the path of the first n components.
func (sp *spot) join(n int) string {
	return string(filepath.Separator) + filepath.Join(sp.comps[:n]...)
}

// anchor is a folder the policy names, with its identity when it exists.
type anchor struct {
	folded []string
	fi     os.FileInfo
}

func newAnchor(dir string) anchor {
	a := anchor{}
	for _, c := range components(dir) {
		a.folded = append(a.folded, fold(c))
	}
	if fi, err := os.Stat(dir); err == nil {
		a.fi = fi
	}
	return a
}

// under reports whether the spot is the anchor's folder or below it, and
// returns the folded components below it.
func (sp *spot) under(a anchor) ([]string, bool) {
	if n := len(a.folded); len(sp.folded) >= n && slices.Equal(sp.folded[:n], a.folded) {
		return sp.folded[n:], true
	}
	if a.fi != nil {
		for _, an := range sp.anc {
			if os.SameFile(an.fi, a.fi) {
				return sp.folded[an.depth:], true
			}
		}
	}
	return nil, false
}

// underName is under by name only, for paths that need no identity.
func (sp *spot) underName(dir string) ([]string, bool) {
	return sp.under(anchor{folded: newAnchor(dir).folded})
}

// sibling reports whether the spot is file, or a file beside it whose
// name starts with file's name (config.toml.bak.1, config.toml.tmp123),
// or with its stem when stem is set (agent-2026-01-01T10-00-00.000.log).
func (sp *spot) sibling(file string, stem bool) bool {
	n := len(sp.comps)
	if n == 0 {
		return false
	}
	name := filepath.Base(file)
	if stem {
		name = strings.TrimSuffix(name, filepath.Ext(name))
	}
	if !strings.HasPrefix(sp.folded[n-1], fold(name)) {
		return false
	}
	parent := &spot{path: sp.join(n - 1), comps: sp.comps[:n-1], folded: sp.folded[:n-1]}
	for _, a := range sp.anc {
		if a.depth < n {
			parent.anc = append(parent.anc, a)
		}
	}
	rest, ok := parent.under(newAnchor(filepath.Dir(file)))
	return ok && len(rest) == 0
}

// components splits an absolute, clean path into its names.
func components(path string) []string {
	path = strings.Trim(filepath.Clean(path), string(filepath.Separator))
	if path == "" || path == "." {
		return nil
	}
	return strings.Split(path, string(filepath.Separator))
}

// sameFile reports whether a and b name the same existing file, or are
// the same path.
func sameFile(a, b string) bool {
	if filepath.Clean(a) == filepath.Clean(b) {
		return true
	}
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}

// controlPrefix returns the control file or folder of the workspace ws
// that path is or lies in, or "".
func controlPrefix(ws, path string) string {
	rel, err := filepath.Rel(ws, path)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return ""
	}
	first, _, _ := strings.Cut(rel, string(filepath.Separator))
	if slices.Contains(foldedControlNames(), fold(first)) {
		return filepath.Join(ws, first)
	}
	return ""
}

func foldedControlNames() []string {
	names := controlNames()
	for i, n := range names {
		names[i] = fold(n)
	}
	return names
}

// fold maps s to a case-folded form: two names a case-insensitive file
// system treats alike fold alike (each rune becomes the least rune of its
// Unicode case-folding orbit, so "K", "k" and the Kelvin sign meet).
func fold(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return strings.Map(foldRune, s)
		}
	}
	return strings.ToUpper(s) // ASCII: the least of a letter's orbit is its capital
}

func foldRune(r rune) rune {
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	return least
}
