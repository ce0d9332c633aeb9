package tools

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzPathPolicy gives the path policy arbitrary paths (.., links, case,
// Unicode, long names) over a real tree and checks its verdicts against
// facts established independently, by file identity:
//   - a write that lands in LocalGPT's sessions, state, index or logs, or
//     on its configuration (a backup included), is never allowed;
//   - a write allowed without asking lands in the workspace, not in a
//     dot-folder nor on a control file;
//   - a read of the private key is never allowed without asking.
func FuzzPathPolicy(f *testing.F) {
	for _, s := range []string{
		"notes/a.md", "../config.toml", "../CONFIG.TOML", "../config.toml.bak.9", "to-home/sessions/x.jsonl",
		"to-home/./state/../index/memory.sqlite", "notes/../../logs/agent.log", "../ſessions/x", "~/.ssh/id_rsa",
		"to-ssh/id_rsa", "to-ssh/../.ssh/id_rsa", ".git/config", "to-git/hooks/x", "HEARTBEAT.md", "heartbeat.md",
		"hb.md", "skills/x", "SKILLS/x", "./././notes//a.md", strings.Repeat("a/", 300) + "x", strings.Repeat("é", 300),
		"/", "~", "..", "../..", "to-home", "notes/\u212Aelvin", "\x00",
	} {
		f.Add(s)
	}
	tr := newTreeIn(f, f.TempDir())
	p := tr.policy(tr.ws)
	protected := []string{"sessions", "state", "index", "logs"}
	f.Fuzz(func(t *testing.T, path string) {
		abs, err := p.Resolve(path)
		if err != nil {
			return
		}
		if real, err := realPath(abs); err == nil {
			v := p.checkWrite(real)
			own := false
			for _, d := range protected {
				own = own || insideByIdentity(filepath.Join(tr.lg, d), real)
			}
			if parent := filepath.Dir(real); sameFile(parent, tr.lg) && strings.HasPrefix(strings.ToLower(filepath.Base(real)), "config.toml") {
				own = true
			}
			if own && v.never == "" {
				t.Fatalf("write to %s (from %q) is not refused: %+v", real, path, v)
			}
			if v.never == "" && len(v.needs) == 0 {
				if !insideByIdentity(tr.ws, real) {
					t.Fatalf("write to %s (from %q) allowed outside the workspace", real, path)
				}
				for _, d := range []string{".git", "HEARTBEAT.md", "skills"} {
					if insideByIdentity(filepath.Join(tr.ws, d), real) {
						t.Fatalf("write to %s (from %q) allowed in %s", real, path, d)
					}
				}
			}
		}
		real, err := filepath.EvalSymlinks(abs)
		if err != nil {
			real = ""
		}
		v := p.checkRead(abs, real)
		if real != "" && insideByIdentity(filepath.Join(tr.user, ".ssh"), real) && v.never == "" && len(v.needs) == 0 {
			t.Fatalf("read of %s (from %q) allowed without asking", real, path)
		}
	})
}

// insideByIdentity reports whether path, or its nearest existing parent,
// is dir or lies below it, comparing folders by identity only.
func insideByIdentity(dir, path string) bool {
	di, err := os.Stat(dir)
	if err != nil {
		return false
	}
	for p := path; ; p = filepath.Dir(p) {
		if fi, err := os.Stat(p); err == nil && os.SameFile(fi, di) {
			return true
		}
		if filepath.Dir(p) == p {
			return false
		}
	}
}

// newTreeIn is newTree in root, for a fuzz target's one tree.
func newTreeIn(tb testing.TB, root string) tree {
	tb.Helper()
	tr := tree{root: root, user: filepath.Join(root, "user"), outside: filepath.Join(root, "outside")}
	tr.lg = filepath.Join(tr.user, ".localgpt")
	tr.ws = filepath.Join(tr.lg, "workspace")
	for _, f := range []string{".ssh/id_rsa", ".localgpt/config.toml", ".localgpt/sessions/s.jsonl", ".localgpt/state/x",
		".localgpt/index/memory.sqlite", ".localgpt/logs/agent.log", ".localgpt/workspace/HEARTBEAT.md",
		".localgpt/workspace/notes/a.md", ".localgpt/workspace/.git/config", ".localgpt/workspace/skills/s.md"} {
		p := filepath.Join(tr.user, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x\n"), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	for link, target := range map[string]string{"to-home": tr.lg, "to-ssh": filepath.Join(tr.user, ".ssh"),
		"to-git": filepath.Join(tr.ws, ".git"), "hb.md": filepath.Join(tr.ws, "HEARTBEAT.md")} {
		if err := os.Symlink(target, filepath.Join(tr.ws, link)); err != nil {
			tb.Fatal(err)
		}
	}
	return tr
}
