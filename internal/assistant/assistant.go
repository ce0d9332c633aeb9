// Package assistant assembles a ready agent from the configuration: the
// provider the model resolves to, the memory store, the built-in tools and
// the approval policy. The CLI, the HTTP server and the heartbeat all build
// their agent here, so they behave alike.
package assistant

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"time"

	"github.com/localgpt-go/localgpt/internal/agent"
	"github.com/localgpt-go/localgpt/internal/apitoken"
	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/llm/catalog"
	"github.com/localgpt-go/localgpt/internal/llm/provider"
	"github.com/localgpt-go/localgpt/internal/memory"
	"github.com/localgpt-go/localgpt/internal/secret"
	"github.com/localgpt-go/localgpt/internal/tools"
)

// Options say how to build an Assistant.
type Options struct {
	Config *config.Config
	Paths  config.Paths
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
	// Secrets masks the credentials in every tool result. The process's
	// composition root builds one (NewSecrets) and passes it everywhere;
	// nil builds one from Config for this assistant alone.
	Secrets *secret.Masker
	// Models resolves the model name (a bare name listed by one provider
	// goes there); nil uses a catalog of its own. Pass the process's one
	// catalog so that its cached listings are shared.
	Models *catalog.Catalog
	// ClientRetries says the caller retries failed turns itself (the HTTP
	// server's clients do): see agent.Options.ClientRetries.
	ClientRetries bool
	// Unattended says nobody watches the tool calls (heartbeat cycles).
	Unattended bool
	Log        *slog.Logger
	Getenv     func(string) string
}

// Assistant is an agent with everything it was built from.
type Assistant struct {
	Agent    *agent.Agent
	Provider llm.Provider
	Resolved llm.Resolved
	// Memory is nil when NoMemory was set. Its first search refreshes the
	// index (see freshMemory).
	Memory *freshMemory
	// ContextWindow is the model's usable window in tokens.
	ContextWindow int
}

// Open builds an Assistant. Provider errors (such as an unreachable Ollama)
// are *llm.Error; a model whose provider is not configured is a *config.Error.
func Open(ctx context.Context, o Options) (*Assistant, error) {
	cfg := o.Config
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	model := o.Model
	if model == "" {
		model = cfg.Agent.DefaultModel
	}
	popts := provider.Options{ConfigFile: o.Paths.ConfigFile, Log: log}
	models := o.Models
	if models == nil {
		models = catalog.New(cfg, catalog.Options{Provider: popts})
	}
	r, err := models.Resolve(ctx, model)
	if err != nil {
		return nil, err
	}
	prov, resolved, err := provider.New(cfg, r.String(), popts)
	if err != nil {
		return nil, err
	}
	resolved.Explicit = r.Explicit
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
	as := &Assistant{Provider: prov, Resolved: resolved, ContextWindow: window}
	secrets := o.Secrets
	if secrets == nil {
		secrets = NewSecrets(cfg, o.Paths, o.Getenv)
	}
	var mem agent.Memory
	var toolMem tools.Memory
	if !o.NoMemory {
		store, err := memory.Open(ctx, memory.OptionsFromConfig(cfg, o.Paths, log))
		if err != nil {
			return nil, err
		}
		fresh := &freshMemory{Store: store, log: log, secrets: secrets}
		as.Memory, mem, toolMem = fresh, fresh, fresh
	}
	var agentToolSet agent.Tools
	if !o.NoTools {
		reg, err := tools.New(tools.Options{Config: cfg, Paths: o.Paths, Memory: toolMem,
			Approver: o.Approver, Exclude: o.ExcludeTools, Getenv: o.Getenv, Secrets: secrets, Log: log, Unattended: o.Unattended})
		if err != nil {
			as.Close()
			return nil, err
		}
		agentToolSet = agentTools{reg}
	}
	as.Agent = agent.New(agent.Options{
		Provider: prov, Model: resolved.Model, Tools: agentToolSet, Memory: mem,
		Workspace: o.Paths.Workspace, ContextWindow: window, ReserveTokens: cfg.Agent.ReserveTokens,
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

// Close releases the memory store.
func (a *Assistant) Close() error {
	if a.Memory != nil {
		return a.Memory.Close()
	}
	return nil
}
