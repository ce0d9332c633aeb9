package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/localgpt-go/localgpt/internal/assistant"
	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/daemon"
	"github.com/localgpt-go/localgpt/internal/heartbeat"
	"github.com/localgpt-go/localgpt/internal/service"
	"github.com/localgpt-go/localgpt/internal/version"
)

func newDaemonCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "daemon",
		Short: "Run LocalGPT in the background: the heartbeat, the memory watcher and the HTTP API",
		Long: `The daemon works on the due tasks of HEARTBEAT.md by itself (the heartbeat),
keeps the memory index in step with your notes, and serves the HTTP API and the
web page. Every API request needs the token ('localgpt daemon token'); the page
logs in with the one-time link 'daemon start' or 'daemon login' prints. One
daemon runs per LocalGPT home; it logs to logs/agent.log, which it alone
rotates (other commands only append), and its stray output goes to
logs/daemon.out. See docs/daemon.md and docs/http-api.md.`,
	}
	cmd.AddCommand(newDaemonStartCmd(a), newDaemonStopCmd(a), newDaemonStatusCmd(a),
		newDaemonRunCmd(a), newDaemonHeartbeatCmd(a), newDaemonInstallCmd(a), newDaemonUninstallCmd(a),
		newDaemonTokenCmd(a), newDaemonLoginCmd(a))
	return cmd
}

func newDaemonStartCmd(a *app) *cobra.Command {
	var timeout time.Duration
	return withTimeout(&cobra.Command{
		Use:   "start",
		Short: "Start the daemon in the background",
		Long: `Start the daemon in the background, with the same --config and --model, and
wait until it reports ready (up to --timeout; one that does not is stopped,
and its output is in logs/daemon.out). It prints the daemon's pid, its log
and, with the HTTP server on, a one-time link that logs the web page in.
A second daemon of the same home is refused: 'localgpt daemon status'
shows the one that runs. To start it at every login instead, use
'localgpt daemon install'.`,
		Example: `  localgpt daemon start
  localgpt -m qwen3:8b daemon start --timeout 2m`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.setup(); err != nil {
				return err
			}
			exe, err := os.Executable()
			if err != nil {
				return fmt.Errorf("find the localgpt binary to start the daemon: %w", err)
			}
			var args []string
			if a.configFlag != "" {
				abs, _ := filepath.Abs(a.configFlag)
				args = append(args, "--config", abs)
			}
			if a.modelFlag != "" {
				args = append(args, "--model", a.modelFlag)
			}
			args = append(args, "daemon", "run")
			if a.cfg.Server.Enabled { // made now, so the daemon and this login link agree
				if _, err := a.apiToken(); err != nil {
					return err
				}
			}
			pid, err := daemon.Start(cmd.Context(), a.paths, daemon.StartOptions{
				Executable: exe, Args: args, Env: os.Environ(), OutFile: a.paths.DaemonOut, Timeout: timeout,
			})
			if err != nil {
				return err
			}
			printf(a.stdout, "LocalGPT daemon started (pid %d); logs: %s\n", pid, a.paths.LogFile)
			if a.cfg.Server.Enabled {
				url, err := a.loginURL()
				if err != nil {
					return err
				}
				fmt.Fprintln(a.stdout, loginHint(url))
			}
			return nil
		},
	}, &timeout, 30*time.Second, "how long to wait for the daemon to report ready")
}

func newDaemonStopCmd(a *app) *cobra.Command {
	var timeout time.Duration
	return withTimeout(&cobra.Command{
		Use:   "stop",
		Short: "Stop the daemon gracefully (SIGTERM) and wait for it to exit",
		Long: `Stop the daemon and wait for it to exit. Chat turns in flight (HTTP
requests, a heartbeat cycle) get up to 30 seconds (or server.chat_timeout,
if shorter) to finish, and the wait says how many are left; what still runs
then is cancelled (a heartbeat cycle is recorded as INTERRUPTED). An idle
daemon stops at once.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.setup(); err != nil {
				return err
			}
			pid, err := daemon.Stop(cmd.Context(), a.paths, timeout, func(turns int) {
				switch {
				case turns == 1:
					fmt.Fprintln(a.stderr, "localgpt: waiting for 1 turn to finish…")
				case turns > 1:
					fmt.Fprintf(a.stderr, "localgpt: waiting for %d turns to finish…\n", turns)
				}
			})
			if errors.Is(err, daemon.ErrNotRunning) {
				fmt.Fprintln(a.stdout, "No LocalGPT daemon is running.")
				return nil
			}
			if err != nil {
				return err
			}
			printf(a.stdout, "LocalGPT daemon stopped (pid %d).\n", pid)
			return nil
		},
	}, &timeout, 60*time.Second, "how long to wait for the daemon to exit")
}

// withTimeout adds --timeout to cmd, and refuses one of 0 or less before
// cmd acts: stop would signal the daemon and then report it still running.
func withTimeout(cmd *cobra.Command, d *time.Duration, def time.Duration, usage string) *cobra.Command {
	cmd.Flags().DurationVar(d, "timeout", def, usage)
	run := cmd.RunE
	cmd.RunE = func(c *cobra.Command, args []string) error {
		if *d <= 0 {
			return &usageError{cmd: c.CommandPath(), msg: fmt.Sprintf("--timeout must be more than 0, such as %s; got %s", def, *d)}
		}
		return run(c, args)
	}
	return cmd
}

func newDaemonStatusCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show whether the daemon runs and what the heartbeat did",
		Long: `Show whether the daemon runs, where it serves, and what the heartbeat did.
The exit code is 0 when the daemon runs and 3 when it does not (as the LSB
asks of a status command), so scripts can test it.`,
		Example: `  localgpt daemon status
  localgpt daemon status >/dev/null || localgpt daemon start
  localgpt daemon status --json | jq .heartbeat`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.setup(); err != nil {
				return err
			}
			now := time.Now()
			st, err := daemon.ReadStatus(a.cfg, a.paths, now)
			if err != nil {
				return err
			}
			auto := a.serviceState(cmd.Context())
			if asJSON {
				if err := writeJSON(a.stdout, struct {
					daemon.Status
					Autostart *service.State `json:"autostart,omitempty"`
				}{st, auto}); err != nil {
					return err
				}
			} else {
				printStatus(a, st, now)
				printAutostart(a, auto)
			}
			if !st.Running {
				return exitStatus(ExitNotRunning)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the status as JSON")
	return cmd
}

func printStatus(a *app, st daemon.Status, now time.Time) {
	w := a.stdout
	loc, _ := a.cfg.Location()
	when := func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		d := t.Sub(now) // its sign, not the rounded one, says past or future
		rel := "in " + d.Round(time.Second).String()
		if d < 0 {
			rel = (-d).Round(time.Second).String() + " ago"
		}
		return t.In(loc).Format("2006-01-02 15:04:05 MST") + " (" + rel + ")"
	}
	if st.Running {
		printf(w, "Daemon:     running (pid %d, up %s)\n", st.PID, (time.Duration(st.UptimeSec) * time.Second).String())
		names := make([]string, 0, len(st.Servers))
		for n := range st.Servers {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			printf(w, "Serving:    %s on %s\n", n, st.Servers[n])
		}
	} else {
		fmt.Fprintln(w, "Daemon:     not running (start it with `localgpt daemon start`)")
		if st.StalePID != 0 {
			printf(w, "            a stale pid file names pid %d; the next start replaces it\n", st.StalePID)
		}
	}
	h := st.Heartbeat
	state := "enabled, every " + h.Interval
	if !h.Enabled {
		state = "disabled (heartbeat.enabled = false)"
	}
	printf(w, "Heartbeat:  %s, model %s\n", state, h.Model)
	if h.StateError != "" {
		printf(w, "Last run:   unknown: %s\n", h.StateError)
		if st.Running && h.Enabled {
			printf(w, "Next run:   %s\n", when(h.NextRun))
		}
		return
	}
	outcome := string(h.Outcome)
	if h.Skipped && h.Outcome == heartbeat.OK {
		outcome += " (skipped, no model called)"
	}
	if outcome == "" { // never ran
		printf(w, "Last run:   %s\n", when(h.LastRun))
	} else {
		printf(w, "Last run:   %s, %s\n", when(h.LastRun), outcome)
	}
	if h.LastError != "" {
		printf(w, "Last error: %s (failures in a row: %d)\n", h.LastError, h.Failures)
	}
	if st.Running && h.Enabled {
		printf(w, "Next run:   %s\n", when(h.NextRun))
	}
	limit := "no daily limit"
	if h.MaxTokensPerDay > 0 {
		limit = "of " + strconv.Itoa(h.MaxTokensPerDay) + " a day"
	}
	printf(w, "Tokens:     %d today %s; %d in all over %d model calls in %d cycles\n",
		h.TokensToday, limit, h.TotalTokens, h.ModelCycles, h.Cycles)
}

// printAutostart says whether the daemon starts at login.
func printAutostart(a *app, st *service.State) {
	switch {
	case st == nil:
	case !st.Installed:
		fmt.Fprintln(a.stdout, "At login:   not installed (`localgpt daemon install` starts the daemon at login)")
	case !st.Current:
		printf(a.stdout, "At login:   installed (%s %s) for another binary or configuration; `localgpt daemon install` updates it\n", st.Kind, st.Path)
	default:
		printf(a.stdout, "At login:   installed (%s %s)\n", st.Kind, st.Path)
	}
}

func newDaemonRunCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "run",
		Short: "Run the daemon in the foreground (for systemd or launchd)",
		Long: `Run the daemon in the foreground. SIGTERM or SIGINT stop it gracefully (turns in
flight get up to 30 seconds to finish, then are cancelled; see 'daemon stop');
SIGHUP reloads config.toml.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// Started by `daemon start`, which prints the pid and the login
			// link itself (readyNotifier unsets the variable).
			detached := a.getenv(daemon.NotifyEnv) != ""
			notify := readyNotifier(a)
			if err := a.setup(); err != nil {
				notify(err)
				return err
			}
			hups, stop := subscribe(cmd.Context(), syscall.SIGHUP)
			defer stop()
			err := daemon.Run(cmd.Context(), daemon.Options{
				Config: a.cfg, Paths: a.paths, Log: a.log, Getenv: a.getenv, Version: version.String(),
				Secrets: a.secrets, Reload: hups, Load: a.reloadConfig, Components: a.daemonComponents,
				Locked: a.logFile.Own, // the one daemon of the home rotates agent.log
				Ready: func(info daemon.Info) {
					if !detached { // in a terminal or under a service manager
						printf(a.stderr, "localgpt: daemon running (pid %d); logs: %s\n", info.PID, a.paths.LogFile)
						// Under systemd stderr is the journal, which other
						// accounts may read (groups adm, systemd-journal): a
						// login link only on a terminal.
						if url, err := a.loginURL(); err == nil && isTerminal(a.stderr) {
							fmt.Fprintln(a.stderr, loginHint(url))
						} else if err == nil {
							fmt.Fprintf(a.stderr, "Web page: %s (`localgpt daemon login` prints a one-time login link)\n", a.pageURL())
						}
					}
					notify(nil)
				},
			})
			if err != nil {
				notify(err)
			}
			return err
		},
	}
}

// readyNotifier reports readiness (nil) or the error that stopped the
// start to `daemon start`, through the descriptor it passed; a no-op when
// run by hand. Only the first report counts.
func readyNotifier(a *app) func(error) {
	fd, err := strconv.Atoi(a.getenv(daemon.NotifyEnv))
	if err != nil || fd < 3 {
		return func(error) {}
	}
	f := os.NewFile(uintptr(fd), "daemon-notify")
	os.Unsetenv(daemon.NotifyEnv) // not for the daemon's tools (bash) to inherit
	return func(err error) {
		if f == nil {
			return
		}
		msg := "ready\n"
		if err != nil {
			msg = "error: " + strings.ReplaceAll(err.Error(), "\n", " ") + "\n"
		}
		f.WriteString(msg)
		f.Close()
		f = nil
	}
}

// reloadConfig reads the configuration again for SIGHUP.
func (a *app) reloadConfig() (*config.Config, config.Paths, error) {
	home, file, err := a.configFile()
	if err != nil {
		return nil, config.Paths{}, err
	}
	cfg, warnings, err := config.LoadFile(file, a.getenv)
	if err != nil {
		return nil, config.Paths{}, err
	}
	for _, w := range warnings {
		a.log.Warn("config: " + w.String())
	}
	if a.modelFlag != "" {
		cfg.Agent.DefaultModel = a.modelFlag
	}
	paths := config.ResolvePaths(home, file, cfg, a.getenv)
	// Old secrets stay masked: a rotated key may still be valid.
	a.secrets.Add(assistant.SecretValues(cfg, paths, a.getenv)...)
	return cfg, paths, nil
}

func newDaemonHeartbeatCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "heartbeat",
		Short: "Run one heartbeat cycle now and print the outcome",
		Long: `Run one heartbeat cycle now, whatever the schedule and active hours say. When
nothing in HEARTBEAT.md is due and the file has not changed since the last
cycle, no model is called. Exits non-zero when the cycle fails or another
cycle is running.`,
		Example: `  localgpt daemon heartbeat
  localgpt daemon heartbeat --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.setup(); err != nil {
				return err
			}
			r, _, err := daemon.NewHeartbeat(a.root)
			if err != nil {
				return err
			}
			res, err := r.Cycle(cmd.Context())
			if res != nil && asJSON {
				if jerr := writeJSON(a.stdout, res); jerr != nil {
					return jerr
				}
			} else if res != nil {
				printCycle(a, res)
			}
			return err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the cycle's result as JSON")
	return cmd
}

func printCycle(a *app, res *heartbeat.Result) {
	w := a.stdout
	switch {
	case res.Outcome == heartbeat.OK && res.Skipped:
		printf(w, "%s: %s; no model called.\n", res.Outcome, res.Reason)
	case res.Outcome == heartbeat.BudgetExhausted:
		printf(w, "%s: %s.\n", res.Outcome, res.Reason)
	case res.Outcome == heartbeat.Done:
		printf(w, "%s\n", res.Summary)
		if res.DailyLog != "" {
			printf(a.stderr, "(noted in %s)\n", res.DailyLog)
		}
	default:
		printf(w, "%s\n", res.Outcome)
	}
	if !res.Skipped && res.Model != "" {
		printf(a.stderr, "%s, %s, %d tokens (%d today)\n", count(len(res.Due), "due task", "due tasks"), res.Model, res.Tokens, res.TokensToday)
	}
}
