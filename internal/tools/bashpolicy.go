package tools

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/localgpt-go/localgpt/internal/sandbox"
)

// policy is the sandbox policy of one command: write the workspace and
// the allowed paths, never touch LocalGPT's own files. note, when set,
// says what the command could not do and why, for its result.
func (b *Bash) policy() (pol sandbox.Policy, note string) {
	p := b.Paths
	pol = sandbox.Policy{Confine: b.Confine, NoNetwork: b.NoNetwork, UnixSockets: b.UnixSockets}
	if !b.Confine {
		return pol, ""
	}
	for _, w := range append([]string{p.Workspace}, p.AllowedPaths...) {
		if r, err := filepath.EvalSymlinks(w); err == nil {
			pol.Writable = append(pol.Writable, r)
		}
	}
	if ws, err := filepath.EvalSymlinks(p.Workspace); err == nil && b.Unattended {
		fixed, ok := fixedEntries(ws)
		if !ok {
			fixed = []string{ws}
			note = fmt.Sprintf("the workspace has more than %d folders, too many to find every dot-folder in, so this unattended command could not write it", maxFixedScan)
		}
		pol.ReadOnly = fixed
	}
	if b.Unattended {
		for _, c := range p.Control { // skill folders kept elsewhere (skills.paths)
			if r, err := realPath(c); err == nil {
				pol.ReadOnly = append(pol.ReadOnly, r)
			}
		}
	}
	for _, h := range p.LocalGPT.hidden(p.Workspace, p.AllowedPaths) {
		if r, err := filepath.EvalSymlinks(h); err == nil {
			pol.Hidden = append(pol.Hidden, r)
		}
	}
	return pol, note
}

// harmlessDot reports the dot-files that only mark a folder (a Finder's
// .DS_Store, an empty folder's .gitkeep), left writable so that their
// folders' entries need not be fixed.
func harmlessDot(name string) bool {
	switch name {
	case ".DS_Store", ".gitkeep", ".keep":
		return true
	}
	return false
}

// maxFixedScan bounds the folders fixedEntries looks through for
// dot-folders; a larger workspace is made read-only whole instead.
const maxFixedScan = 20000

// fixedEntries lists what an unattended command may not change in the
// workspace ws: its control files (named even when missing, so none can
// be created) and its dot-files and dot-folders at any depth — a
// repository kept in a subfolder has hooks as runnable as the
// workspace's own. A folder that holds one has its own entries fixed
// too (Landlock grants by tree: new files go into its subfolders). New
// dot-entries below the top cannot be forbidden by name. It reports false
// when the workspace has more than maxFixedScan folders: then the caller
// fixes the whole workspace.
func fixedEntries(ws string) ([]string, bool) {
	var out []string
	for _, name := range controlNames() {
		out = append(out, filepath.Join(ws, name))
	}
	queue, scanned := []string{ws}, 0
	for len(queue) > 0 {
		dir := queue[0]
		queue = queue[1:]
		if scanned++; scanned > maxFixedScan {
			return nil, false
		}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			p := filepath.Join(dir, e.Name())
			switch {
			case harmlessDot(e.Name()):
			case strings.HasPrefix(e.Name(), "."), dir == ws && controlPrefix(ws, p) != "":
				out = append(out, p) // also heartbeat.md on a case-insensitive disk
			case e.IsDir(): // not a link: what a link leads to is judged where it lives
				queue = append(queue, p)
			}
		}
	}
	return out, true
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
