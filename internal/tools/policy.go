package tools

import (
	"os"
	"path/filepath"
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
	// ConcernTool: the tool is listed in tools.require_approval.
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
	anc := ancestors(real)
	if p.isConfig(real, anc) || p.isOwn(real, anc) {
		return verdict{never: real + " is one of LocalGPT's own files (its configuration, sessions, state, index or logs), " +
			"which tools never change; the user changes settings with `localgpt config set`"}
	}
	var v verdict
	base := ""
	for _, root := range append([]string{p.Workspace}, p.AllowedPaths...) {
		if r, err := realPath(root); err == nil && p.inside(r, real, anc) && len(r) > len(base) {
			base = r
		}
	}
	if base == "" {
		v.needs = append(v.needs, need{ConcernOutside, filepath.Dir(real), real + " is outside the workspace"})
		base = string(filepath.Separator)
	}
	if dot := dotPrefix(base, real); dot != "" {
		v.needs = append(v.needs, need{ConcernDotPath, dot,
			dot + " is a dot-file or dot-folder; programs read such files as configuration and may run code from them"})
	}
	if ws, err := realPath(p.Workspace); err == nil && p.inside(ws, real, anc) {
		if c := controlPrefix(ws, real); c != "" {
			v.needs = append(v.needs, need{ConcernControl, c,
				c + " steers LocalGPT itself (the heartbeat runs HEARTBEAT.md's tasks unattended; SOUL.md, USER.md and skills shape every answer)"})
		}
	}
	return v
}

// checkRead decides about reading path (clean, absolute) whose real
// location is real ("" when it cannot be resolved).
func (p PathPolicy) checkRead(path, real string) verdict {
	var v verdict
	for _, q := range []string{path, real} {
		if q == "" {
			continue
		}
		anc := ancestors(q)
		if p.isConfig(q, anc) {
			return verdict{never: q + " is LocalGPT's configuration (or a backup of it), which holds API keys, so tools do not read it; " +
				"`localgpt config show` prints the settings with secrets masked, and `localgpt config get KEY` one of them"}
		}
		if p.isOwn(q, anc) && len(v.needs) == 0 {
			v.needs = append(v.needs, need{ConcernLocalGPT, q, q + " is one of LocalGPT's own files (sessions, state, index, logs)"})
		}
		if c := p.credentialOf(q, anc); c != "" {
			v.needs = append(v.needs, need{ConcernCredentials, c, c + " holds credentials"})
			break
		}
	}
	return v
}

// inside reports whether path is dir or below it, by name compared
// case-insensitively, or by identity: dir is the same folder as one of
// path's existing ancestors (another spelling on a case- or
// normalisation-insensitive file system, a bind mount).
func (p PathPolicy) inside(dir, path string, anc []os.FileInfo) bool {
	if dir == "" {
		return false
	}
	if within(fold(dir), fold(path)) {
		return true
	}
	if len(anc) == 0 {
		return false
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return false
	}
	for _, a := range anc {
		if os.SameFile(fi, a) {
			return true
		}
	}
	return false
}

// isConfig reports whether path is a configuration file, or a backup or
// temporary file of one.
func (p PathPolicy) isConfig(path string, anc []os.FileInfo) bool {
	for _, c := range p.LocalGPT.Config {
		if c == "" {
			continue
		}
		if p.sameOrSibling(c, path, anc, false) {
			return true
		}
		// Another name of the same file (a hard link).
		if len(anc) > 0 && !anc[0].IsDir() {
			if fi, err := os.Stat(c); err == nil && os.SameFile(fi, anc[0]) {
				return true
			}
		}
	}
	return false
}

// isOwn reports whether path is one of LocalGPT's own files (see
// LocalGPTFiles), configuration excepted.
func (p PathPolicy) isOwn(path string, anc []os.FileInfo) bool {
	l := p.LocalGPT
	for _, d := range l.Dirs {
		if p.inside(d, path, anc) {
			return true
		}
	}
	if l.Log != "" && p.sameOrSibling(l.Log, path, anc, true) {
		return true
	}
	if l.Home == "" || !p.inside(l.Home, path, anc) {
		return false
	}
	// In the home: LocalGPT's unless in a folder of the user's that the
	// home holds (the default workspace, an allowed path).
	for _, keep := range append([]string{p.Workspace}, p.AllowedPaths...) {
		if keep == "" {
			continue
		}
		switch {
		case sameFile(keep, l.Home):
			return false // the home is the workspace: only the named files are LocalGPT's
		case p.inside(l.Home, keep, nil) && !sameFile(keep, l.Home) && p.inside(keep, path, anc):
			return false
		}
	}
	return true
}

// sameOrSibling reports whether path is file, or a file beside it whose
// name starts with file's name (config.toml.bak.1, config.toml.tmp123),
// or with its stem when stem is set (agent-2026-01-01T10-00-00.000.log).
func (p PathPolicy) sameOrSibling(file, path string, anc []os.FileInfo, stem bool) bool {
	name := filepath.Base(file)
	if stem {
		name = strings.TrimSuffix(name, filepath.Ext(name))
	}
	if !p.inside(filepath.Dir(file), filepath.Dir(path), parentAncestors(anc)) {
		return false
	}
	base := fold(filepath.Base(path))
	return strings.HasPrefix(base, fold(name))
}

// credentialOf returns the credentials location path is in, or "".
func (p PathPolicy) credentialOf(path string, anc []os.FileInfo) string {
	if p.Home != "" {
		for _, rel := range credentialDirs() {
			if c := filepath.Join(p.Home, rel); p.inside(c, path, anc) {
				return c
			}
		}
	}
	for _, c := range systemCredentials() {
		if p.inside(c, path, anc) {
			return c
		}
	}
	base := fold(filepath.Base(path))
	if base == fold(".env") || strings.HasPrefix(base, fold(".env.")) {
		return path
	}
	// Another process's environment holds its secrets (LocalGPT's own keys
	// among them): /proc/PID/environ, /proc/PID/task/TID/environ.
	if parts := strings.Split(path, string(filepath.Separator)); len(parts) >= 4 && parts[1] == "proc" && parts[len(parts)-1] == "environ" {
		return path
	}
	return ""
}

// ancestors returns the file information of path and of each of its
// existing parents, nearest first (for identity checks). Missing levels
// are skipped.
func ancestors(path string) []os.FileInfo {
	var out []os.FileInfo
	for p := path; ; {
		if fi, err := os.Stat(p); err == nil {
			out = append(out, fi)
		}
		parent := filepath.Dir(p)
		if parent == p {
			return out
		}
		p = parent
	}
}

// parentAncestors drops path's own entry from anc when path exists (its
// first entry is then path itself, not a folder).
func parentAncestors(anc []os.FileInfo) []os.FileInfo {
	if len(anc) > 0 && !anc[0].IsDir() {
		return anc[1:]
	}
	return anc
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

// dotPrefix returns the first dot-file or dot-folder on the way from base
// to path (base/.git for base/.git/hooks/pre-commit), or "".
func dotPrefix(base, path string) string {
	rel, err := filepath.Rel(base, path)
	if err != nil || rel == "." {
		return ""
	}
	cur := base
	for _, c := range strings.Split(rel, string(filepath.Separator)) {
		cur = filepath.Join(cur, c)
		if len(c) > 1 && c[0] == '.' && c != ".." {
			return cur
		}
	}
	return ""
}

// controlPrefix returns the control file or folder of the workspace ws
// that path is or lies in, or "".
func controlPrefix(ws, path string) string {
	rel, err := filepath.Rel(ws, path)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return ""
	}
	first, _, _ := strings.Cut(rel, string(filepath.Separator))
	for _, name := range controlNames() {
		if fold(first) == fold(name) {
			return filepath.Join(ws, first)
		}
	}
	return ""
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
