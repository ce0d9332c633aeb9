package tools

import (
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/localgpt-go/localgpt/internal/sandbox"
)

// policy is the sandbox policy of one command: write the workspace and
// the allowed paths, never touch LocalGPT's own files.
func (b *Bash) policy() sandbox.Policy {
	p := b.Paths
	pol := sandbox.Policy{Confine: b.Confine, NoNetwork: b.NoNetwork}
	if !b.Confine {
		return pol
	}
	for _, w := range append([]string{p.Workspace}, p.AllowedPaths...) {
		if r, err := filepath.EvalSymlinks(w); err == nil {
			pol.Writable = append(pol.Writable, r)
		}
	}
	if ws, err := filepath.EvalSymlinks(p.Workspace); err == nil && b.Unattended {
		pol.ReadOnly = fixedEntries(ws)
	}
	for _, h := range p.LocalGPT.hidden(p.Workspace, p.AllowedPaths) {
		if r, err := filepath.EvalSymlinks(h); err == nil {
			pol.Hidden = append(pol.Hidden, r)
		}
	}
	return pol
}

// fixedEntries lists what an unattended command may not change in the
// workspace ws: its control files (named even when missing, so none can
// be created) and its dot-files and dot-folders.
func fixedEntries(ws string) []string {
	var out []string
	for _, name := range controlNames() {
		out = append(out, filepath.Join(ws, name))
	}
	entries, _ := os.ReadDir(ws)
	for _, e := range entries {
		if controlPrefix(ws, filepath.Join(ws, e.Name())) != "" || strings.HasPrefix(e.Name(), ".") {
			out = append(out, filepath.Join(ws, e.Name())) // also heartbeat.md on a case-insensitive disk
		}
	}
	return out
}

// hidden lists LocalGPT's own files as they exist now, for the sandbox,
// which can only hide what it names: the folders, the configuration and
// log files with their siblings, and everything in the home except the
// user's folders it holds (the workspace, allowed paths).
func (l LocalGPTFiles) hidden(workspace string, allowed []string) []string {
	out := append([]string(nil), l.Dirs...)
	siblings := func(file string, stem bool) {
		if file == "" {
			return
		}
		name := filepath.Base(file)
		if stem {
			name = strings.TrimSuffix(name, filepath.Ext(name))
		}
		entries, _ := os.ReadDir(filepath.Dir(file))
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), name) {
				out = append(out, filepath.Join(filepath.Dir(file), e.Name()))
			}
		}
	}
	for _, c := range l.Config {
		siblings(c, false)
	}
	siblings(l.Log, true)
	if l.Home == "" {
		return out
	}
	if workspace != "" && sameFile(workspace, l.Home) {
		return out // the home is the workspace: only the named files are LocalGPT's
	}
	var inHome []string
	for _, k := range append([]string{workspace}, allowed...) {
		if k != "" && within(l.Home, k) && !sameFile(k, l.Home) {
			inHome = append(inHome, filepath.Clean(k))
		}
	}
	// Hide each entry of the home, except the kept folders; descend into
	// an entry that leads to one.
	var walk func(dir string)
	walk = func(dir string) {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			p := filepath.Join(dir, e.Name())
			switch {
			case slices.Contains(inHome, p):
			case slices.ContainsFunc(inHome, func(k string) bool { return within(p, k) }):
				walk(p)
			default:
				out = append(out, p)
			}
		}
	}
	walk(l.Home)
	return out
}
