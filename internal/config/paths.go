package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// HomeEnv moves the whole LocalGPT tree, as ~/.localgpt does by default.
const HomeEnv = "LOCALGPT_HOME"

// Paths are every location LocalGPT reads or writes. The workspace holds
// only the user's markdown; derived data (index, sessions, daemon state)
// lives beside it so the workspace can be kept in git.
type Paths struct {
	Home       string `json:"home"`
	ConfigFile string `json:"config"`
	Workspace  string `json:"workspace"`
	DailyLogs  string `json:"daily_logs"`
	LogFile    string `json:"log_file"`
	// DaemonOut receives what the daemon prints outside its log (panics,
	// the Go runtime's messages): logs/daemon.out beside LogFile.
	DaemonOut string `json:"daemon_out"`
	IndexDB   string `json:"index"`
	Sessions  string `json:"sessions"`
	State     string `json:"state"`
}

// ResolveHome returns LOCALGPT_HOME, or ~/.localgpt.
func ResolveHome(getenv func(string) string) (string, error) {
	if h := getenv(HomeEnv); h != "" {
		return filepath.Abs(expandTilde(h, getenv))
	}
	home := getenv("HOME")
	if home == "" {
		var err error
		if home, err = os.UserHomeDir(); err != nil {
			return "", errors.New("cannot find your home directory; set LOCALGPT_HOME to where LocalGPT should keep its files")
		}
	}
	return filepath.Join(home, ".localgpt"), nil
}

// DefaultConfigFile is where config.toml lives when -c is not given.
func DefaultConfigFile(home string) string { return filepath.Join(home, "config.toml") }

// ResolvePaths derives every location from home, the config file in use and
// the config's own path settings. Relative settings are relative to home.
func ResolvePaths(home, configFile string, c *Config, getenv func(string) string) Paths {
	rel := func(p, def string) string {
		if p == "" {
			return filepath.Join(home, def)
		}
		p = expandTilde(p, getenv)
		if !filepath.IsAbs(p) {
			p = filepath.Join(home, p)
		}
		return filepath.Clean(p)
	}
	ws := rel(c.Memory.Workspace, "workspace")
	logFile := rel(c.Logging.File, filepath.Join("logs", "agent.log"))
	return Paths{
		Home:       home,
		ConfigFile: configFile,
		Workspace:  ws,
		DailyLogs:  filepath.Join(ws, "memory"),
		LogFile:    logFile,
		DaemonOut:  filepath.Join(filepath.Dir(logFile), "daemon.out"),
		IndexDB:    filepath.Join(home, "index", "memory.sqlite"),
		Sessions:   filepath.Join(home, "sessions"),
		State:      filepath.Join(home, "state"),
	}
}

// expandTilde turns a leading ~ into the user's home directory.
func expandTilde(p string, getenv func(string) string) string {
	if p != "~" && !strings.HasPrefix(p, "~/") {
		return p
	}
	home := getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	return filepath.Join(home, strings.TrimPrefix(p, "~"))
}
