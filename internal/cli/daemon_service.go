package cli

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/daemon"
	"github.com/localgpt-go/localgpt/internal/service"
)

func newDaemonInstallCmd(a *app) *cobra.Command {
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "install",
		Short: "Start the daemon at login (systemd user unit, LaunchAgent or Task Scheduler task)",
		Long: `Register the daemon with this system's service manager so that it starts at
every login, and start it now unless a daemon already runs:

  Linux    a systemd user unit, ~/.config/systemd/user/localgpt.service
  macOS    a LaunchAgent, ~/Library/LaunchAgents/` + service.Label + `.plist
  Windows  a Task Scheduler task named ` + service.TaskName + `, run at your logon

The service runs this binary with the same --config and LOCALGPT_HOME.
It does not see your shell's environment: keep provider keys in
config.toml. Installing again updates it; --dry-run prints what would be
written and run, and changes nothing.`,
		Example: `  localgpt daemon install --dry-run
  localgpt daemon install`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.setup(); err != nil {
				return err
			}
			p, err := a.servicePlan()
			if err != nil {
				return err
			}
			running := daemon.Running(a.paths)
			notes := append(p.Notes, a.envNotes()...)
			if dryRun {
				printf(a.stdout, "Would write the %s %s:\n\n%s\n", p.Kind, p.Path, p.Definition())
				cmds := p.Enable
				if !running {
					cmds = append(append(cmds[:len(cmds):len(cmds)], p.Unload...), p.Start...)
				}
				printCommands(a, "Would run:", cmds)
				printNotes(a, notes)
				return nil
			}
			if err := service.Install(cmd.Context(), p, !running, service.Exec); err != nil {
				return fmt.Errorf("daemon install: %w", err)
			}
			printf(a.stdout, "Wrote the %s %s.\n", p.Kind, p.Path)
			if running {
				st, _ := daemon.ReadStatus(a.cfg, a.paths, time.Now())
				printf(a.stdout, "The daemon now starts at login. The one running now (pid %d) keeps running as it is;\n"+
					"to hand it to the service manager: `localgpt daemon stop && localgpt daemon install`.\n", st.PID)
			} else {
				fmt.Fprintln(a.stdout, "The daemon now starts at login, and was started now: `localgpt daemon status` shows it.")
			}
			printNotes(a, notes)
			return nil
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print what would be written and run, change nothing")
	return cmd
}

func newDaemonUninstallCmd(a *app) *cobra.Command {
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "uninstall",
		Short: "Stop starting the daemon at login, and stop the daemon the service manager runs",
		Long: `Remove what ` + "`localgpt daemon install`" + ` registered: the service manager stops the
daemon it runs and forgets it, and the definition file is removed. A daemon
started with ` + "`localgpt daemon start`" + ` is left alone.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.setup(); err != nil {
				return err
			}
			p, err := a.servicePlan()
			if err != nil {
				return err
			}
			st := service.Query(cmd.Context(), p, service.Exec)
			if !st.Installed { // --dry-run or not, there is nothing to do
				printf(a.stdout, "The daemon is not installed to start at login (no %s at %s).\n", p.Kind, p.Path)
				return nil
			}
			if dryRun {
				printf(a.stdout, "Would remove the %s %s\n", p.Kind, p.Path)
				printCommands(a, "Would run:", append(p.Stop[:len(p.Stop):len(p.Stop)], p.AfterRemove...))
				return nil
			}
			warnings, err := service.Uninstall(cmd.Context(), p, service.Exec)
			for _, w := range warnings {
				printf(a.stderr, "localgpt: warning: %s\n", w)
			}
			if err != nil {
				return fmt.Errorf("daemon uninstall: %w", err)
			}
			printf(a.stdout, "Removed the %s %s; the daemon no longer starts at login.\n", p.Kind, p.Path)
			return nil
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print what would be removed and run, change nothing")
	return cmd
}

// serviceState reports whether the daemon is installed to start at
// login; the zero State when this system has no service manager we know.
func (a *app) serviceState(ctx context.Context) *service.State {
	p, err := a.servicePlan()
	if err != nil {
		return nil
	}
	st := service.Query(ctx, p, service.Exec)
	return &st
}

// servicePlan is what `daemon install` writes for this invocation: this
// binary, with the same --config, --model and home.
func (a *app) servicePlan() (service.Plan, error) {
	m, err := service.For(runtime.GOOS)
	if err != nil {
		return service.Plan{}, err
	}
	exe, err := serviceExecutable()
	if err != nil {
		return service.Plan{}, err
	}
	var args []string
	if a.configFlag != "" {
		abs, err := filepath.Abs(a.configFlag)
		if err != nil {
			return service.Plan{}, err
		}
		args = append(args, "--config", abs)
	}
	if a.modelFlag != "" {
		args = append(args, "--model", a.modelFlag)
	}
	args = append(args, "daemon", "run")
	var env []string
	if a.getenv(config.HomeEnv) != "" {
		env = append(env, config.HomeEnv+"="+a.paths.Home)
	}
	if v := a.getenv("OLLAMA_HOST"); v != "" {
		env = append(env, "OLLAMA_HOST="+v)
	}
	w := service.Where{UserHome: a.getenv("HOME"), ConfigHome: a.getenv("XDG_CONFIG_HOME"), StateDir: a.paths.State, UID: os.Getuid()}
	if w.UserHome == "" {
		if w.UserHome, err = os.UserHomeDir(); err != nil {
			return service.Plan{}, fmt.Errorf("find your home folder: %w", err)
		}
	}
	if u, err := user.Current(); err == nil {
		w.User = u.Username
	}
	return m.Plan(service.Spec{Executable: exe, Args: args, Env: env, LogFile: a.paths.DaemonOut}, w)
}

// serviceExecutable is the path the service manager should run: the
// localgpt found on PATH when it is this very binary (a stable link such
// as Homebrew's, which survives upgrades), else this binary's own path.
func serviceExecutable() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find the localgpt binary for the service to run: %w", err)
	}
	self, err := os.Stat(exe)
	if err != nil {
		return "", fmt.Errorf("find the localgpt binary for the service to run: %w", err)
	}
	if onPath, err := exec.LookPath("localgpt"); err == nil {
		if fi, err := os.Stat(onPath); err == nil && os.SameFile(fi, self) {
			if abs, err := filepath.Abs(onPath); err == nil {
				return abs, nil
			}
		}
	}
	return exe, nil
}

// envNotes warn about credentials set in this shell that the service
// will not see.
func (a *app) envNotes() []string {
	var notes []string
	for _, k := range []string{"OPENAI_API_KEY", "ANTHROPIC_API_KEY", "LOCALGPT_API_TOKEN"} {
		if a.getenv(k) != "" {
			notes = append(notes, k+" is set in this shell, but the service manager does not pass your shell's environment on: "+
				"unless config.toml holds that key, the daemon runs without it.")
		}
	}
	return notes
}

func printCommands(a *app, title string, cmds [][]string) {
	if len(cmds) == 0 {
		return
	}
	fmt.Fprintln(a.stdout, title)
	for _, c := range cmds {
		printf(a.stdout, "  %s\n", strings.Join(c, " "))
	}
}

func printNotes(a *app, notes []string) {
	for _, n := range notes {
		printf(a.stdout, "Note: %s\n", n)
	}
}
