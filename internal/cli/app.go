package cli

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/localgpt-go/localgpt/internal/assistant"
	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/fsutil"
	"github.com/localgpt-go/localgpt/internal/llm/catalog"
	"github.com/localgpt-go/localgpt/internal/logging"
	"github.com/localgpt-go/localgpt/internal/memory"
	"github.com/localgpt-go/localgpt/internal/secret"
)

// app is one invocation of localgpt: its I/O, environment and global
// flags, and the state that commands load on demand. Nothing is global, so
// tests run many invocations in one process.
type app struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer

	// global flags
	configFlag string
	modelFlag  string
	verbose    bool

	interrupts interrupts

	// mcpReported is set by the commands that show a failing MCP server
	// in their own output (mcp list, doctor), so it is not said again as
	// a warning.
	mcpReported bool
	// mcpWarnMu keeps the warnings of MCP servers that fail at once (each
	// reported from its own start goroutine) from writing stderr together.
	mcpWarnMu sync.Mutex

	// secrets are masked on stderr, in the log, in session files, tool
	// results and HTTP responses: one masker for the whole invocation,
	// which grows as configurations are loaded (setup, daemon reloads).
	secrets *secret.Masker

	// set by setup
	cfg     *config.Config
	paths   config.Paths
	log     *slog.Logger
	logFile *logging.File    // closed by close; the daemon owns its rotation
	catalog *catalog.Catalog // see models()
	// root opens the invocation's one memory store and assistants on
	// demand (`daemon run` makes its own per configuration).
	root *assistant.Root
}

// home returns the LocalGPT home and the config file in use.
func (a *app) configFile() (home, file string, err error) {
	home, err = config.ResolveHome(a.getenv)
	if err != nil {
		return "", "", &config.Error{File: config.HomeEnv, Msg: err.Error()}
	}
	file = config.DefaultConfigFile(home)
	if a.configFlag != "" {
		if file, err = filepath.Abs(a.configFlag); err != nil {
			return "", "", err
		}
	}
	return home, file, nil
}

// setup loads the configuration and prepares the home directory: on the
// first run it creates config.toml, the workspace with its templates and
// the logs folder. Existing files are never overwritten. It runs once per
// invocation; commands call it when they need the config.
func (a *app) setup() error {
	if a.cfg != nil {
		return nil
	}
	home, file, err := a.configFile()
	if err != nil {
		return err
	}
	var created []string
	if a.configFlag == "" {
		ok, _, err := config.Init(file, false)
		if err != nil {
			return fmt.Errorf("cannot set up the LocalGPT home %s: %w; make it a folder you can write, or set %s to one", home, err, config.HomeEnv)
		}
		if ok {
			created = append(created, file)
		}
	}
	cfg, warnings, err := config.LoadFile(file, a.getenv)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		printf(a.stderr, "localgpt: warning: %s\n", w)
	}
	if a.modelFlag != "" {
		cfg.Agent.DefaultModel = a.modelFlag
	}
	paths := config.ResolvePaths(home, file, cfg, a.getenv)
	a.secrets.Add(assistant.SecretValues(cfg, paths, a.getenv)...)
	ws, err := memory.EnsureWorkspace(paths.Workspace)
	if err != nil {
		return err
	}
	created = append(created, ws...)
	if err := os.MkdirAll(filepath.Dir(paths.LogFile), fsutil.DirMode); err != nil {
		return fmt.Errorf("create log folder: %w", err)
	}
	if len(created) > 0 {
		printf(a.stderr, "localgpt: created %s\n", strings.Join(relTo(home, created), ", "))
	}
	a.cfg, a.paths = cfg, paths
	a.log, a.logFile = logging.New(logging.Options{
		File: paths.LogFile, Level: cfg.Logging.Level, Verbose: a.verbose, Stderr: a.stderr, Secrets: a.secrets,
	})
	a.log.Debug("config loaded", "file", file, "model", cfg.Agent.DefaultModel)
	a.root = assistant.NewRoot(assistant.RootOptions{Config: cfg, Paths: paths, Log: a.log, Getenv: a.getenv,
		Secrets: a.secrets, Models: a.models(), OnMCPFailure: a.mcpFailed})
	return nil
}

// close releases what setup opened; setup may then run again.
func (a *app) close() error {
	var err error
	if a.root != nil {
		err = a.root.Close()
		a.root = nil
	}
	if a.logFile != nil {
		err = errors.Join(err, a.logFile.Close())
		a.logFile = nil
	}
	return err
}

func relTo(base string, paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		if r, err := filepath.Rel(base, p); err == nil && !strings.HasPrefix(r, "..") {
			p = r
		}
		out[i] = p
	}
	return out
}
