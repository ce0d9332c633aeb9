package tools

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/keylock"
	"github.com/localgpt-go/localgpt/internal/secret"
	"github.com/localgpt-go/localgpt/internal/tools/webfetch"
	"github.com/localgpt-go/localgpt/internal/version"
)

// BuiltinNames lists every built-in tool, in the order they are offered.
func BuiltinNames() []string {
	return []string{"bash", "read_file", "write_file", "edit_file", "memory_search", "memory_get", "memory_save", "skill", "web_fetch"}
}

// Options build the built-in registry. The composition root
// (internal/assistant) fills them from the [tools] section.
type Options struct {
	Paths config.Paths
	// AllowedPaths are folders besides the workspace where write_file and
	// edit_file may write without asking, as configured: ~ expands and
	// relative paths are relative to Paths.Home.
	AllowedPaths []string
	// RequireApproval names the tools whose every call needs approval.
	RequireApproval []string
	// MaxOutputChars caps every result (head and tail kept); 0 keeps all.
	MaxOutputChars int
	// BashTimeout bounds one bash command.
	BashTimeout time.Duration
	// BashSandbox confines bash commands (Landlock on Linux); BashNetwork
	// lets confined commands use TCP.
	BashSandbox, BashNetwork bool
	// BashUnixSockets lets confined commands open Unix sockets.
	BashUnixSockets bool
	// WebFetchAllowPrivate lets web_fetch reach loopback, private,
	// link-local and cloud metadata addresses.
	WebFetchAllowPrivate bool
	// Memory backs the memory tools; nil leaves them out.
	Memory Memory
	// Skills backs the skill tool (offered while there are skills); nil
	// leaves it out.
	Skills SkillCatalog
	// Approver answers approval requests; nil means nothing can be asked
	// (ask and the daemon without --yes), so such calls are refused.
	Approver Approver
	// Exclude names tools to leave out (for the heartbeat, say).
	Exclude []string
	// ControlPaths are folders outside the workspace's own control files
	// whose contents steer LocalGPT: the skill folders of skills.paths
	// (absolute). Writes into them need approval, as into the workspace's
	// skills/, and an unattended bash command cannot change them.
	ControlPaths []string
	// Getenv reads HOME for ~; nil means os.Getenv.
	Getenv func(string) string
	// Unattended says nobody watches the calls (heartbeat cycles): bash
	// may then not change the workspace's control files and dot-folders.
	Unattended bool
	// Log receives the tools' warnings (bash without its sandbox); nil
	// discards them.
	Log *slog.Logger
	// Now is the clock of memory_save; nil means time.Now.
	Now func() time.Time
	// Secrets masks LocalGPT's credentials in every result, and holds
	// what memory_save and web_fetch refuse; nil masks nothing. The
	// composition root builds one per process (assistant.SecretValues).
	Secrets *secret.Masker
	// Locks serialises the calls that rewrite one file. Files are shared
	// by the whole process, so the composition root passes the process's
	// one table (assistant.Root.Locks): the daemon's server assistants and
	// its heartbeat build separate registries and must still not
	// interleave their edits of one file. nil gives this registry a table
	// of its own.
	Locks *keylock.Table
}

// New builds the registry of built-in tools. It is cheap (no I/O, no
// connections), so it can be called for every turn.
func New(o Options) (*Registry, error) {
	for _, name := range o.Exclude {
		if !slices.Contains(BuiltinNames(), name) {
			return nil, fmt.Errorf("tools: cannot exclude %q: there is no such tool; the tools are %s", name, strings.Join(BuiltinNames(), ", "))
		}
	}
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	home := getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	locks := o.Locks
	if locks == nil {
		locks = &keylock.Table{}
	}
	policy := PathPolicy{Workspace: o.Paths.Workspace, Home: home, Locks: locks, LocalGPT: LocalGPTFilesOf(o.Paths),
		Control: o.ControlPaths}
	for _, p := range o.AllowedPaths {
		if p == "~" || strings.HasPrefix(p, "~/") {
			p = filepath.Join(home, p[1:])
		} else if !filepath.IsAbs(p) {
			p = filepath.Join(o.Paths.Home, p)
		}
		policy.AllowedPaths = append(policy.AllowedPaths, filepath.Clean(p))
	}
	gate := NewGate(o.RequireApproval, o.Approver)
	seen := &reads{}
	max := o.MaxOutputChars
	all := []Tool{
		&Bash{Paths: policy, Timeout: o.BashTimeout, MaxOutput: max,
			Confine: o.BashSandbox, NoNetwork: !o.BashNetwork, UnixSockets: o.BashUnixSockets, Unattended: o.Unattended, Log: o.Log},
		&ReadFile{Paths: policy, MaxChars: max, Gate: gate, Reads: seen},
		&WriteFile{Paths: policy, Gate: gate, Reads: seen},
		&EditFile{Paths: policy, Gate: gate, Reads: seen},
	}
	if o.Memory != nil {
		all = append(all, &MemorySearch{Memory: o.Memory}, &MemoryGet{Memory: o.Memory, Paths: policy, Gate: gate},
			&MemorySave{Memory: o.Memory, Now: o.Now, Paths: policy, Secrets: o.Secrets})
	}
	if o.Skills != nil {
		all = append(all, &SkillTool{Catalog: o.Skills, Paths: policy})
	}
	all = append(all, &WebFetch{Secrets: o.Secrets, Fetcher: webfetch.New(webfetch.Options{
		AllowPrivate: o.WebFetchAllowPrivate,
		UserAgent:    "localgpt/" + version.String(),
	})})
	kept := slices.DeleteFunc(all, func(t Tool) bool { return slices.Contains(o.Exclude, t.Name()) })
	reg, err := NewRegistry(gate, max, kept...)
	if err != nil {
		return nil, err
	}
	reg.secrets = o.Secrets
	return reg, nil
}

// LocalGPTFilesOf locates LocalGPT's own files from its paths: the
// configuration in use and the home's default one, the sessions, state,
// index and logs folders, the log file, and the home itself.
func LocalGPTFilesOf(p config.Paths) LocalGPTFiles {
	l := LocalGPTFiles{Home: p.Home, Log: p.LogFile}
	if p.ConfigFile != "" {
		l.Config = append(l.Config, p.ConfigFile)
	}
	if p.Home != "" {
		if def := config.DefaultConfigFile(p.Home); def != p.ConfigFile {
			l.Config = append(l.Config, def)
		}
		l.Dirs = append(l.Dirs, filepath.Join(p.Home, "logs"))
	}
	for _, d := range []string{p.Sessions, p.State} {
		if d != "" {
			l.Dirs = append(l.Dirs, d)
		}
	}
	if p.IndexDB != "" {
		l.Dirs = append(l.Dirs, filepath.Dir(p.IndexDB))
	}
	return l
}
