package assistant

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/keylock"
	"github.com/localgpt-go/localgpt/internal/llm/catalog"
	"github.com/localgpt-go/localgpt/internal/llm/provider"
	"github.com/localgpt-go/localgpt/internal/mcpclient"
	"github.com/localgpt-go/localgpt/internal/memory"
	"github.com/localgpt-go/localgpt/internal/secret"
	"github.com/localgpt-go/localgpt/internal/skills"
	"github.com/localgpt-go/localgpt/internal/tokens"
	"github.com/localgpt-go/localgpt/internal/tools"
)

// RootOptions are what a Root is built from.
type RootOptions struct {
	Config *config.Config
	Paths  config.Paths
	// Log receives the notes of every part; nil discards them.
	Log *slog.Logger
	// Getenv reads the environment (HOME for ~, secret fallbacks); nil
	// means os.Getenv.
	Getenv func(string) string
	// Secrets masks the credentials in every tool result. A process
	// builds one (NewSecrets) and passes it to each Root it makes; nil
	// builds one from Config.
	Secrets *secret.Masker
	// Locks is the process's lock table of files: every tool that
	// rewrites a file takes its lock here, so two assistants of one
	// process (the server's and the heartbeat's) never interleave edits.
	// A process makes one and passes it to each Root it makes (the daemon
	// makes a Root per configuration); nil makes one for this Root.
	Locks *keylock.Table
	// Models resolves model names and caches the providers' listings:
	// the process's one catalog; nil makes one for this Root.
	Models *catalog.Catalog
	// OnMCPFailure, when set, hears of each MCP server that could not
	// start or that stopped (the CLI tells the user); it must not block.
	OnMCPFailure func(server string, err error)
}

// Root is LocalGPT's composition root: the one place below the CLI that
// reads *config.Config. It holds what a process shares — one memory store
// (opened on first use), one lock table, one secret masker, one model
// catalog — and
// translates the configuration into the plain options of memory, tools
// and the agent. Every assistant it opens shares them, so opening one
// costs no file handle. Close it when the process (or, in the daemon,
// the configuration) is done.
type Root struct {
	o RootOptions

	mu     sync.Mutex
	mem    *memory.Store
	tokens *tokens.Calibration
	mcp    *mcpclient.Manager // see MCP
	closed bool

	// skills are the workspace's and skills.paths'; index lists them in
	// every assistant's prompt (logging each problem once).
	skills *skills.Catalog
	index  *skillIndex
	// mcpPolicy says which MCP tools run without approval.
	mcpPolicy map[string]tools.MCPPolicy
}

// TokensFile, in the state folder, keeps each model's token calibration.
const TokensFile = "tokens.json"

// Tokens is the process's token calibration (TokensFile), read on first
// use and shared by every assistant.
func (r *Root) Tokens() *tokens.Calibration {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.tokens == nil {
		r.tokens = tokens.LoadCalibration(filepath.Join(r.o.Paths.State, TokensFile))
	}
	return r.tokens
}

// NewRoot builds a Root; it opens nothing yet.
func NewRoot(o RootOptions) *Root {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Secrets == nil {
		o.Secrets = NewSecrets(o.Config, o.Paths, o.Getenv)
	}
	if o.Locks == nil {
		o.Locks = &keylock.Table{}
	}
	if o.Models == nil {
		o.Models = catalog.New(o.Config, catalog.Options{Provider: provider.Options{ConfigFile: o.Paths.ConfigFile, Log: o.Log}})
	}
	r := &Root{o: o, skills: skills.NewCatalog(SkillRoots(o.Config, o.Paths, o.Getenv)...)}
	r.index = &skillIndex{c: r.skills, log: o.Log}
	_, r.mcpPolicy = MCPServers(o.Config)
	return r
}

// Config is the configuration the Root was built from. Callers read it,
// never change it.
func (r *Root) Config() *config.Config { return r.o.Config }

// Paths are the resolved paths of the configuration.
func (r *Root) Paths() config.Paths { return r.o.Paths }

// Secrets is the masker every part shares.
func (r *Root) Secrets() *secret.Masker { return r.o.Secrets }

// Locks is the lock table every part shares.
func (r *Root) Locks() *keylock.Table { return r.o.Locks }

// Models is the model catalog every part shares.
func (r *Root) Models() *catalog.Catalog { return r.o.Models }

// Log is the logger every part shares.
func (r *Root) Log() *slog.Logger { return r.o.Log }

// Memory returns the process's memory store, opening it on first use. A
// failed open is not remembered: the next call tries again. The store
// belongs to the Root: callers never close it.
func (r *Root) Memory(ctx context.Context) (*memory.Store, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, errors.New("memory store closed: LocalGPT is shutting down")
	}
	if r.mem == nil {
		// Not the caller's cancellation: the store outlives the request
		// that happened to open it.
		o := MemoryOptions(r.o.Config, r.o.Paths, r.o.Log)
		if e := r.o.Config.Memory.Embeddings; e.Enabled {
			o.Embedder = newEmbedder(r.o.Config, provider.Options{ConfigFile: r.o.Paths.ConfigFile, Log: r.o.Log}, r.o.Secrets)
			o.EmbedModel, o.EmbedBatch = EmbedModel(r.o.Config), e.BatchSize
		}
		st, err := memory.Open(context.WithoutCancel(ctx), o)
		if err != nil {
			return nil, err
		}
		r.mem = st
	}
	return r.mem, nil
}

// Close stops the MCP servers and closes the memory store; later Memory
// calls fail and MCP returns nil.
func (r *Root) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	var err error
	if r.mcp != nil {
		err = r.mcp.Close()
		r.mcp = nil
	}
	if r.mem != nil {
		err = errors.Join(err, r.mem.Close())
		r.mem = nil
	}
	return err
}

// MemoryOptions translates the configuration into memory.Options:
// external paths are made absolute (relative to the LocalGPT home).
func MemoryOptions(c *config.Config, p config.Paths, log *slog.Logger) memory.Options {
	ext := make([]string, 0, len(c.Memory.ExternalPaths))
	for _, e := range c.Memory.ExternalPaths {
		if !filepath.IsAbs(e) {
			e = filepath.Join(p.Home, e)
		}
		ext = append(ext, filepath.Clean(e))
	}
	return memory.Options{
		Workspace:     p.Workspace,
		IndexPath:     p.IndexDB,
		ExternalPaths: ext,
		ChunkSize:     c.Memory.ChunkSize,
		ChunkOverlap:  c.Memory.ChunkOverlap,
		HalfLife:      time.Duration(c.Memory.RecencyHalfLifeDays * float64(24*time.Hour)),
		MaxFileBytes:  c.Memory.MaxFileBytes,
		Logger:        log,
	}
}

// toolOptions translates the [tools] section into tools.Options.
func (r *Root) toolOptions() tools.Options {
	tc := r.o.Config.Tools
	return tools.Options{
		Paths:                r.o.Paths,
		AllowedPaths:         tc.AllowedPaths,
		RequireApproval:      tc.RequireApproval,
		MaxOutputChars:       tc.ToolOutputMaxChars,
		BashTimeout:          time.Duration(tc.BashTimeoutMS) * time.Millisecond,
		BashSandbox:          tc.BashSandbox,
		BashNetwork:          tc.BashNetwork,
		BashUnixSockets:      tc.BashUnixSockets,
		WebFetchAllowPrivate: tc.WebFetchAllowPrivate,
		Getenv:               r.o.Getenv,
		Log:                  r.o.Log,
		Secrets:              r.o.Secrets,
		Locks:                r.o.Locks,
		ControlPaths:         r.skillFolders(),
	}
}

// skillFolders are the folders skills are found in, which tools treat as
// control files wherever they lie.
func (r *Root) skillFolders() []string {
	var out []string
	for _, root := range SkillRoots(r.o.Config, r.o.Paths, r.o.Getenv) {
		out = append(out, root.Dir)
	}
	return out
}
