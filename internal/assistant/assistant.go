// Package assistant is the composition root (see Root): it assembles a
// ready agent from the configuration — the provider the model resolves
// to, the process's memory store, the built-in tools and the approval
// policy. The CLI, the HTTP server and the heartbeat all build their agent
// here, so they behave alike.
package assistant

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/localgpt-go/localgpt/internal/agent"
	"github.com/localgpt-go/localgpt/internal/apitoken"
	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/llm/provider"
	"github.com/localgpt-go/localgpt/internal/secret"
	"github.com/localgpt-go/localgpt/internal/skills"
	"github.com/localgpt-go/localgpt/internal/tokens"
	"github.com/localgpt-go/localgpt/internal/tools"
)

// Options say which assistant to open.
type Options struct {
	// Model overrides agent.default_model when set.
	Model string
	// NoTools offers the model no tools; NoMemory leaves memory out of the
	// prompt and the tools.
	NoTools, NoMemory bool
	// Approver answers approval requests; nil refuses every call that
	// needs approval (tools.require_approval, writes outside the workspace).
	Approver tools.Approver
	// ExcludeTools leaves some built-in tools out.
	ExcludeTools []string
	// ClientRetries says the caller retries failed turns itself (the HTTP
	// server's clients do): see agent.Options.ClientRetries.
	ClientRetries bool
	// Unattended says nobody watches the tool calls (heartbeat cycles).
	Unattended bool
}

// Assistant is an agent with everything it was built from.
type Assistant struct {
	Agent    *agent.Agent
	Provider llm.Provider
	Resolved llm.Resolved
	// Memory is nil when NoMemory was set. Its first search refreshes the
	// index (see freshMemory).
	Memory *freshMemory
	// Skills are the skills of the workspace and skills.paths (the Root's).
	Skills *skills.Catalog
	// ContextWindow is the model's usable window in tokens, and
	// ReserveTokens what is kept free in it for the answer
	// (agent.reserve_tokens).
	ContextWindow, ReserveTokens int
	// Tokens calibrates the token estimate per model with what providers
	// report; it is kept in the state folder (TokensFile).
	Tokens *tokens.Calibration
}

// Open builds an Assistant on the Root's shared store, locks and masker:
// it opens no file and holds nothing that needs closing, so an assistant
// is simply dropped when no longer used. Provider errors (such as an unreachable Ollama) are
// *llm.Error; a model whose provider is not configured is a *config.Error.
func (r *Root) Open(ctx context.Context, o Options) (*Assistant, error) {
	cfg, log := r.o.Config, r.o.Log
	model := o.Model
	if model == "" {
		model = cfg.Agent.DefaultModel
	}
	popts := provider.Options{ConfigFile: r.o.Paths.ConfigFile, Log: log}
	named, err := r.o.Models.Resolve(ctx, model)
	if err != nil {
		return nil, err
	}
	prov, resolved, err := provider.New(cfg, named.String(), popts)
	if err != nil {
		return nil, err
	}
	resolved.Explicit = named.Explicit
	window := cfg.Agent.ContextWindow
	if resolved.Provider == llm.Ollama {
		window = cfg.Providers.Ollama.NumCtx // until /api/show says the model's maximum
	}
	if w, err := prov.ContextWindow(ctx, resolved.Model); err == nil && w > 0 {
		window = w
	} else if err != nil {
		var le *llm.Error
		if errors.As(err, &le) && le.Kind == llm.KindUnreachable {
			return nil, err // fail now with the clear message, not mid-turn
		}
		log.Warn("context window unknown; using the configured one", "model", resolved.String(), "window", window, "err", err)
	}
	as := &Assistant{Provider: prov, Resolved: resolved, ContextWindow: window, ReserveTokens: cfg.Agent.ReserveTokens}
	var mem agent.Memory
	var toolMem tools.Memory
	if !o.NoMemory {
		store, err := r.Memory(ctx)
		if err != nil {
			return nil, err
		}
		fresh := &freshMemory{Store: store, log: log, secrets: r.o.Secrets}
		as.Memory, mem, toolMem = fresh, fresh, fresh
	}
	as.Skills = r.skills
	var agentToolSet agent.Tools
	var index agent.Skills
	if !o.NoTools {
		to := r.toolOptions()
		to.Memory, to.Approver, to.Exclude, to.Unattended = toolMem, o.Approver, o.ExcludeTools, o.Unattended
		to.Skills = r.skills
		reg, err := tools.New(to)
		if err != nil {
			return nil, err
		}
		if m := r.MCP(); m != nil {
			reg.AddMCP(m, r.mcpPolicy)
		}
		agentToolSet = agentTools{reg}
		index = r.index
	}
	as.Tokens = r.Tokens()
	label := resolved.String()
	as.Agent = agent.New(agent.Options{
		Provider: prov, Model: resolved.Model, Tools: agentToolSet, Memory: mem, Skills: index,
		Workspace: r.o.Paths.Workspace, ContextWindow: window, ReserveTokens: cfg.Agent.ReserveTokens,
		TokenRatio:    func() float64 { return as.Tokens.Ratio(label) },
		MaxIterations: cfg.Agent.MaxToolIterations, MaxTokens: cfg.Agent.MaxTokens, Now: time.Now, Log: log,
		ClientRetries:    o.ClientRetries,
		MaxCallsPerReply: cfg.Tools.MaxCallsPerReply, MaxParallel: cfg.Tools.MaxParallel, MaxOutputPerTurn: cfg.Tools.MaxOutputPerTurn,
		// Local time, as the memory writers use: "today's log" in the
		// prompt is the one memory_save appends to. heartbeat.timezone only
		// schedules the heartbeat.
	})
	return as, nil
}

// NewSecrets builds the masker of every credential LocalGPT knows of: the
// configuration's secret keys (after expansion and environment
// fallbacks), the variables those fall back on and the daemon's API token. Build it once per
// process and pass it to everything that writes text out; after a
// reload, add the new configuration's values with SecretValues.
func NewSecrets(cfg *config.Config, paths config.Paths, getenv func(string) string) *secret.Masker {
	return secret.New(SecretValues(cfg, paths, getenv)...)
}

// SecretValues lists the credentials of cfg (see NewSecrets) and the
// daemon's API token, when one was made.
func SecretValues(cfg *config.Config, paths config.Paths, getenv func(string) string) []string {
	if getenv == nil {
		getenv = os.Getenv
	}
	out := cfg.SecretValues(getenv)
	if paths.State != "" {
		if tok, _ := apitoken.Read(apitoken.Path(paths.State)); tok != "" {
			out = append(out, tok)
		}
	}
	return out
}

// Label names the model as the user would write it: "ollama/llama3.2".
func (a *Assistant) Label() string { return a.Resolved.String() }
