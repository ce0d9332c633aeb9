// Package service registers the LocalGPT daemon with the platform's
// service manager so that it starts at login: a systemd user unit on
// Linux, a LaunchAgent on macOS, a Task Scheduler task on Windows. It
// renders the definition, writes or removes it, and runs the manager's
// own commands (systemctl, launchctl, schtasks) to load or unload it.
//
// The three managers are plain text and commands, so every one of them
// is built (and tested) on every platform; For picks the one of the
// running system.
package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"unicode/utf16"

	"github.com/localgpt-go/localgpt/internal/fsutil"
)

// Spec is what the service manager runs: `Executable Args...` with Env,
// logging to LogFile.
type Spec struct {
	// Executable is the absolute path of the localgpt binary.
	Executable string
	// Args follow the executable: [--config FILE] daemon run.
	Args []string
	// Env are KEY=VALUE pairs the daemon needs beyond the manager's
	// default environment (LOCALGPT_HOME, OLLAMA_HOST). Never secrets:
	// the definition files are readable by other programs of the user.
	Env []string
	// LogFile receives what the daemon prints outside its own log
	// (launchd only; systemd keeps it in the journal).
	LogFile string
}

// Where says where the definitions go, from the user's environment.
type Where struct {
	// UserHome is the user's home folder (~).
	UserHome string
	// ConfigHome is $XDG_CONFIG_HOME, or "" for ~/.config.
	ConfigHome string
	// StateDir holds the Task Scheduler XML (the LocalGPT state folder).
	StateDir string
	// UID is the user's id, for launchctl's gui/UID domain.
	UID int
	// User is the account name (DOMAIN\user on Windows) whose logon
	// starts the Task Scheduler task.
	User string
}

// Plan is everything an install or uninstall does, so `--dry-run` can
// print it and Install can carry it out.
type Plan struct {
	// Kind names the mechanism: "systemd user unit", "LaunchAgent",
	// "Task Scheduler task".
	Kind string `json:"kind"`
	// Path is the file the definition is written to.
	Path string `json:"path"`
	// Content is the definition.
	Content []byte `json:"-"`
	// Enable registers the written definition to start at login.
	Enable [][]string `json:"enable,omitempty"`
	// Unload and Start start the service now: Unload first, its failure
	// ignored (the manager may not have it loaded), then Start. Both are
	// skipped when a daemon already runs, since a second one would only
	// fail and be restarted.
	Unload [][]string `json:"unload,omitempty"`
	Start  [][]string `json:"start,omitempty"`
	// Stop unloads and stops the service before its file is removed.
	Stop [][]string `json:"stop,omitempty"`
	// AfterRemove runs once the file is gone.
	AfterRemove [][]string `json:"after_remove,omitempty"`
	// Notes tell the user what the manager will not do for them.
	Notes []string `json:"notes,omitempty"`
	// query, when set, tells whether the manager has the service
	// registered (exit status 0), for managers that keep no file of ours.
	query []string
}

// Manager renders the Plan of one service manager.
type Manager interface {
	// Plan returns what installing spec would write and run.
	Plan(spec Spec, w Where) (Plan, error)
}

// For returns the service manager of goos (runtime.GOOS), or an error
// for a system without one we support.
func For(goos string) (Manager, error) {
	switch goos {
	case "linux":
		return systemd{}, nil
	case "darwin":
		return launchd{}, nil
	case "windows":
		return taskScheduler{}, nil
	}
	return nil, fmt.Errorf("starting the daemon at login is not supported on %s; run `localgpt daemon start` from your login scripts instead", goos)
}

// Runner runs a command of the service manager and returns its combined
// output.
type Runner func(ctx context.Context, argv []string) ([]byte, error)

// Exec is the Runner that runs real commands.
func Exec(ctx context.Context, argv []string) ([]byte, error) {
	return exec.CommandContext(ctx, argv[0], argv[1:]...).CombinedOutput()
}

// Install writes the definition (atomically) and runs the Enable
// commands, then, when start is true, the Unload and Start commands.
func Install(ctx context.Context, p Plan, start bool, run Runner) error {
	if err := fsutil.WriteAtomic(p.Path, p.Content, 0o644); err != nil {
		return fmt.Errorf("write the %s: %w", p.Kind, err)
	}
	cmds := p.Enable
	if start {
		for _, argv := range p.Unload {
			_, _ = run(ctx, argv)
		}
		cmds = append(cmds[:len(cmds):len(cmds)], p.Start...)
	}
	for _, argv := range cmds {
		if err := runOne(ctx, run, argv); err != nil {
			return fmt.Errorf("wrote %s, but %w; run `localgpt daemon install` again once that works, or `localgpt daemon uninstall` to remove it", p.Path, err)
		}
	}
	return nil
}

// Uninstall stops and unregisters the service and removes its file. A
// Stop command that fails (the service was not loaded) does not stop the
// removal; its error is returned in warnings.
func Uninstall(ctx context.Context, p Plan, run Runner) (warnings []string, err error) {
	for _, argv := range p.Stop {
		if err := runOne(ctx, run, argv); err != nil {
			warnings = append(warnings, err.Error())
		}
	}
	if err := os.Remove(p.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return warnings, fmt.Errorf("remove the %s: %w", p.Kind, err)
	}
	for _, argv := range p.AfterRemove {
		if err := runOne(ctx, run, argv); err != nil {
			warnings = append(warnings, err.Error())
		}
	}
	return warnings, nil
}

// State is whether the service is installed.
type State struct {
	Installed bool   `json:"installed"`
	Kind      string `json:"kind"`
	Path      string `json:"path"`
	// Current is false when what is installed differs from what
	// `localgpt daemon install` would write now (another binary, config
	// or home): installing again updates it.
	Current bool `json:"current"`
}

// Query reports whether p is installed and whether it is the same
// definition. Managers that keep the definition elsewhere are asked.
func Query(ctx context.Context, p Plan, run Runner) State {
	s := State{Kind: p.Kind, Path: p.Path}
	data, err := os.ReadFile(p.Path)
	s.Installed = err == nil
	s.Current = s.Installed && bytes.Equal(data, p.Content)
	if s.Installed && p.query != nil {
		if _, err := run(ctx, p.query); err != nil {
			s.Installed, s.Current = false, false
		}
	}
	return s
}

func runOne(ctx context.Context, run Runner, argv []string) error {
	out, err := run(ctx, argv)
	if err != nil {
		msg := strings.TrimSpace(string(out))
		if msg != "" {
			msg = ": " + msg
		}
		return fmt.Errorf("`%s` failed (%v)%s", strings.Join(argv, " "), err, msg)
	}
	return nil
}

// checkSpec refuses what no manager can represent faithfully.
func checkSpec(s Spec) error {
	if !filepath.IsAbs(s.Executable) {
		return fmt.Errorf("the localgpt binary's path %q is not absolute", s.Executable)
	}
	all := append([]string{s.Executable, s.LogFile}, append(s.Args, s.Env...)...)
	for _, v := range all {
		if strings.ContainsAny(v, "\x00\r\n") {
			return fmt.Errorf("%q contains a line break or NUL, which a service definition cannot hold; move LocalGPT to a path without one", v)
		}
	}
	for _, kv := range s.Env {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			return fmt.Errorf("environment entry %q is not KEY=VALUE", kv)
		}
	}
	return nil
}

// Definition is the definition as text (Task Scheduler's UTF-16 decoded),
// for --dry-run.
func (p Plan) Definition() string {
	c := p.Content
	if len(c) >= 2 && c[0] == 0xFF && c[1] == 0xFE {
		units := make([]uint16, 0, len(c)/2)
		for i := 2; i+1 < len(c); i += 2 {
			units = append(units, uint16(c[i])|uint16(c[i+1])<<8)
		}
		return strings.ReplaceAll(string(utf16.Decode(units)), "\r\n", "\n")
	}
	return string(c)
}
