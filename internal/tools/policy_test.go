package tools

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/internal/config"
)

// tree is a user's home with a LocalGPT home, a workspace in git,
// credentials and links, for the policy tests.
type tree struct {
	root, user, lg, ws, outside string
}

func newTree(t *testing.T) tree {
	t.Helper()
	root := t.TempDir()
	tr := tree{root: root, user: filepath.Join(root, "user"), outside: filepath.Join(root, "outside")}
	tr.lg = filepath.Join(tr.user, ".localgpt")
	tr.ws = filepath.Join(tr.lg, "workspace")
	for _, f := range []string{
		".ssh/id_rsa", ".aws/credentials", ".config/gcloud/creds.json", ".mozilla/firefox/p/logins.json", "notes.txt", "project/.env",
		".localgpt/config.toml", ".localgpt/config.toml.bak.1", ".localgpt/sessions/s.jsonl", ".localgpt/state/heartbeat.json",
		".localgpt/index/memory.sqlite", ".localgpt/logs/agent.log", ".localgpt/daemon.token",
		".localgpt/workspace/HEARTBEAT.md", ".localgpt/workspace/SOUL.md", ".localgpt/workspace/notes/a.md",
		".localgpt/workspace/.git/config", ".localgpt/workspace/skills/s.md",
	} {
		writeFile(t, filepath.Join(tr.user, f), "x\n")
	}
	os.MkdirAll(tr.outside, 0o755)
	for link, target := range map[string]string{
		filepath.Join(tr.ws, "to-home"): tr.lg,
		filepath.Join(tr.ws, "to-ssh"):  filepath.Join(tr.user, ".ssh"),
		filepath.Join(tr.ws, "to-git"):  filepath.Join(tr.ws, ".git"),
		filepath.Join(tr.ws, "hb.md"):   filepath.Join(tr.ws, "HEARTBEAT.md"),
	} {
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
	}
	return tr
}

// policy is the path policy New builds for workspace ws and allowed paths.
func (tr tree) policy(ws string, allowed ...string) PathPolicy {
	paths := config.ResolvePaths(tr.lg, filepath.Join(tr.lg, "config.toml"), config.Default(), func(string) string { return tr.user })
	paths.Workspace = ws
	return PathPolicy{Workspace: ws, Home: tr.user, AllowedPaths: allowed, LocalGPT: LocalGPTFilesOf(paths)}
}

// concerns renders a verdict for comparison: "never", "" (allowed) or the
// concerns joined by "+".
func concerns(v verdict) string {
	if v.never != "" {
		return "never"
	}
	var out []string
	for _, n := range v.needs {
		out = append(out, string(n.concern))
	}
	return strings.Join(out, "+")
}

func TestWritePolicy(t *testing.T) {
	tr := newTree(t)
	layouts := []struct {
		name    string
		policy  PathPolicy
		relBase string // paths below are relative to this folder
	}{
		{"default", tr.policy(tr.ws), tr.ws},
		{"workspace is ~", tr.policy(tr.user), tr.user},
		{"allowed_paths holds the home", tr.policy(tr.ws, tr.user, tr.lg), tr.ws},
	}
	tests := []struct {
		path string
		want map[string]string // by layout; "*" for all
	}{
		{"notes/new.md", map[string]string{"*": ""}},
		{"HEARTBEAT.md", map[string]string{"default": "control-file", "workspace is ~": "outside+dot-path", "allowed_paths holds the home": "control-file"}},
		{"heartbeat.MD", map[string]string{"default": "control-file", "allowed_paths holds the home": "control-file"}},
		{"soul.md", map[string]string{"default": "control-file", "allowed_paths holds the home": "control-file"}},
		{"skills/new.md", map[string]string{"default": "control-file", "allowed_paths holds the home": "control-file"}},
		{"hb.md", map[string]string{"default": "control-file", "allowed_paths holds the home": "control-file"}}, // a link to HEARTBEAT.md
		{".git/config", map[string]string{"default": "dot-path", "allowed_paths holds the home": "dot-path"}},
		{".git/hooks/pre-commit", map[string]string{"default": "dot-path", "allowed_paths holds the home": "dot-path"}},
		{"to-git/config", map[string]string{"default": "dot-path", "allowed_paths holds the home": "dot-path"}},
		{".envrc", map[string]string{"default": "dot-path", "allowed_paths holds the home": "dot-path"}},
		{"../config.toml", map[string]string{"*": "never"}},
		{"../CONFIG.toml", map[string]string{"*": "never"}},
		{"../config.toml.bak.7", map[string]string{"*": "never"}},
		{"../config.toml.tmp-123", map[string]string{"*": "never"}},
		{"../sessions/s.jsonl", map[string]string{"*": "never"}},
		{"../Sessions/new.jsonl", map[string]string{"*": "never"}},
		{"../ſessions/new.jsonl", map[string]string{"*": "never"}}, // long s folds to s
		{"../state/heartbeat.json", map[string]string{"*": "never"}},
		{"../index/memory.sqlite", map[string]string{"*": "never"}},
		{"../logs/agent.log", map[string]string{"*": "never"}},
		{"../logs/agent-2026-01-01T00-00-00.000.log", map[string]string{"*": "never"}},
		{"../daemon.token", map[string]string{"*": "never"}},
		{"../new-file-in-home", map[string]string{"*": "never"}},
		{"to-home/config.toml", map[string]string{"*": "never"}},
		{"to-home/sessions/x.jsonl", map[string]string{"*": "never"}},
		{"notes/../../config.toml", map[string]string{"*": "never"}},
	}
	for _, l := range layouts {
		for _, tt := range tests {
			want, ok := tt.want[l.name]
			if !ok {
				want, ok = tt.want["*"]
			}
			if l.name == "workspace is ~" {
				// Every one of these files lies in ~/.localgpt: the old
				// workspace folder is just a folder of LocalGPT's home now.
				want, ok = "never", true
			}
			path := tt.path
			if l.relBase != tr.ws {
				// The same files, named from the other base.
				rel, _ := filepath.Rel(l.relBase, filepath.Join(tr.ws, tt.path))
				path = rel
			}
			if !ok {
				continue
			}
			t.Run(l.name+"/"+tt.path, func(t *testing.T) {
				abs, err := l.policy.Resolve(path)
				if err != nil {
					t.Fatal(err)
				}
				real, err := realPath(abs)
				if err != nil {
					t.Fatal(err)
				}
				if got := concerns(l.policy.checkWrite(real)); got != want {
					t.Fatalf("checkWrite(%s) = %q, want %q", real, got, want)
				}
			})
		}
	}
	// Outside the workspace, by layout.
	for _, tt := range []struct {
		policy PathPolicy
		path   string
		want   string
	}{
		{tr.policy(tr.ws), filepath.Join(tr.outside, "o.md"), "outside"},
		{tr.policy(tr.ws), filepath.Join(tr.user, ".bashrc"), "outside+dot-path"},
		{tr.policy(tr.ws), filepath.Join(tr.user, ".ssh", "authorized_keys"), "outside+dot-path"},
		{tr.policy(tr.user), filepath.Join(tr.user, ".ssh", "authorized_keys"), "dot-path"},
		{tr.policy(tr.user), filepath.Join(tr.user, "notes.txt"), ""},
		{tr.policy(tr.user), filepath.Join(tr.user, "HEARTBEAT.md"), "control-file"},
		{tr.policy(tr.user), filepath.Join(tr.user, ".localgpt", "config.toml"), "never"},
		{tr.policy(tr.lg), filepath.Join(tr.lg, "notes.md"), ""}, // the home is the workspace
		{tr.policy(tr.lg), filepath.Join(tr.lg, "config.toml"), "never"},
		{tr.policy(tr.lg), filepath.Join(tr.lg, "sessions", "s.jsonl"), "never"},
		{tr.policy(tr.ws, tr.outside), filepath.Join(tr.outside, "o.md"), ""},
		{tr.policy(tr.ws, tr.outside), filepath.Join(tr.outside, ".git", "config"), "dot-path"},
	} {
		if got := concerns(tt.policy.checkWrite(tt.path)); got != tt.want {
			t.Errorf("workspace %s: checkWrite(%s) = %q, want %q", tt.policy.Workspace, tt.path, got, tt.want)
		}
	}
}

func TestReadPolicy(t *testing.T) {
	tr := newTree(t)
	p := tr.policy(tr.ws)
	tests := []struct {
		path, want string
	}{
		{"notes/a.md", ""},
		{"HEARTBEAT.md", ""},
		{".git/config", ""},
		{filepath.Join(tr.user, "notes.txt"), ""},
		{"/etc/hosts", ""},
		{filepath.Join(tr.user, ".ssh", "id_rsa"), "credentials"},
		{filepath.Join(tr.user, ".SSH", "id_rsa"), "credentials"},
		{"to-ssh/id_rsa", "credentials"},
		{filepath.Join(tr.user, ".aws", "credentials"), "credentials"},
		{filepath.Join(tr.user, ".config", "gcloud", "creds.json"), "credentials"},
		{filepath.Join(tr.user, ".mozilla", "firefox", "p", "logins.json"), "credentials"},
		{filepath.Join(tr.user, "project", ".env"), "credentials"},
		{"/proc/self/environ", "credentials"},
		{"/proc/1/task/1/environ", "credentials"},
		{"/etc/shadow", "credentials"},
		{"../config.toml", "never"},
		{"to-home/config.toml.bak.1", "never"},
		{"../sessions/s.jsonl", "localgpt-files"},
		{"../logs/agent.log", "localgpt-files"},
		{"../daemon.token", "localgpt-files"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			abs, err := p.Resolve(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			real, _ := filepath.EvalSymlinks(abs)
			if got := concerns(p.checkRead(abs, real)); got != tt.want {
				t.Fatalf("checkRead(%s) = %q, want %q", abs, got, tt.want)
			}
		})
	}
}

// Hard links and another spelling of an existing folder are caught by
// identity.
func TestPolicyIdentity(t *testing.T) {
	tr := newTree(t)
	p := tr.policy(tr.ws)
	link := filepath.Join(tr.ws, "notes", "settings.toml")
	if err := os.Link(filepath.Join(tr.lg, "config.toml"), link); err != nil {
		t.Skipf("no hard links here: %v", err)
	}
	if got := concerns(p.checkRead(link, link)); got != "never" {
		t.Fatalf("a hard link to config.toml: %q", got)
	}
	// A bind-mount-like alias: the sessions folder under another name
	// (a symlinked parent is resolved; identity covers what names miss).
	alias := filepath.Join(tr.root, "alias")
	if err := os.Symlink(filepath.Join(tr.lg, "sessions"), alias); err != nil {
		t.Fatal(err)
	}
	real, _ := realPath(filepath.Join(alias, "new.jsonl"))
	if got := concerns(p.checkWrite(real)); got != "never" {
		t.Fatalf("sessions through an alias: %q", got)
	}
}

// TestPathApprovalsEndToEnd runs the file tools through the registry:
// what needs approval is asked about with its concern, "always" covers the
// same folder, and LocalGPT's own files are refused even with --yes.
func TestPathApprovalsEndToEnd(t *testing.T) {
	rec := &recorder{answer: AllowAlways}
	e := newEnv(t, rec, noApproval)
	writeFile(t, filepath.Join(e.ws, ".git", "config"), "[core]\n")
	writeFile(t, filepath.Join(e.home, ".ssh", "id_ed25519"), "PRIVATE KEY\n")
	steps := []struct {
		tool    string
		args    map[string]any
		isError bool
		asked   []Concern // the concerns of a new prompt, or nil
	}{
		{"edit_file", map[string]any{"path": ".git/config", "old_string": "[core]\n", "new_string": "[core]\n\tfsmonitor = touch /tmp/pwned\n"}, false, []Concern{ConcernDotPath}},
		{"write_file", map[string]any{"path": ".git/hooks/pre-commit", "content": "#!/bin/sh\n"}, false, nil}, // "always" covers .git
		{"write_file", map[string]any{"path": "HEARTBEAT.md", "content": "## Pending\n"}, false, []Concern{ConcernControl}},
		{"read_file", map[string]any{"path": "~/.ssh/id_ed25519"}, false, []Concern{ConcernCredentials}},
		{"write_file", map[string]any{"path": "../config.toml", "content": "[tools]\nrequire_approval = []\n"}, true, nil},
		{"edit_file", map[string]any{"path": "../sessions/x.jsonl", "old_string": "a", "new_string": "b"}, true, nil},
	}
	for i, s := range steps {
		before := len(rec.reqs)
		r := e.call(t, context.Background(), s.tool, s.args)
		if r.IsError != s.isError {
			t.Fatalf("step %d %s: %+v", i, s.tool, r)
		}
		switch {
		case s.asked == nil && len(rec.reqs) != before:
			t.Fatalf("step %d: asked %+v", i, rec.reqs[before:])
		case s.asked != nil && (len(rec.reqs) != before+1 || !slices.Equal(rec.reqs[before].Concerns, s.asked)):
			t.Fatalf("step %d: requests %+v, want one about %v", i, rec.reqs[before:], s.asked)
		}
	}
	if _, err := os.Stat(filepath.Join(e.home, ".localgpt", "config.toml")); err == nil {
		t.Fatal("config.toml was written")
	}
	// --yes allows what needs approval, never LocalGPT's own files.
	y := newEnv(t, AllowAll{}, noApproval)
	check(t, y.call(t, context.Background(), "write_file", map[string]any{"path": ".git/config", "content": "x"}), false)
	check(t, y.call(t, context.Background(), "write_file", map[string]any{"path": "../config.toml", "content": "x"}), true, "never change")
}
