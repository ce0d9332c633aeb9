package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/llm/ollama"
	"github.com/localgpt-go/localgpt/internal/llm/provider"
	"github.com/localgpt-go/localgpt/internal/sandbox"
)

// check is one line of `localgpt doctor`.
type check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
	// Warn marks a check that passes but leaves LocalGPT less safe than it
	// could be (bash without its sandbox); shown in red, exit code unchanged.
	Warn bool `json:"warn,omitempty"`
	err  error
}

func newDoctorCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check the configuration, providers and workspace",
		Long: `Check that LocalGPT can work: the config is valid, the default model's
provider has its API key, every configured provider answers, the default
model exists on its provider (and, on Ollama, can chat rather than only
embed), the workspace is writable, the LocalGPT home is private to you (no
file or folder other users can read), bash commands can be sandboxed (a red
! when they cannot: they then run with your full permissions), every skill
loads and every MCP server of [mcp.servers] starts. One line per check. With
Ollama in use, one line per pulled model gives the context window calls use
(providers.ollama.num_ctx, at most the model's own) and an estimate of the
memory its KV cache takes at that window; an embedding model (such as
nomic-embed-text) is named as one instead, as it never runs a chat. With
semantic search on (memory.embeddings.enabled), the embedding model embeds a
sentence: its vectors must have memory.embeddings.dimensions (when set), and
the line says how many chunks of the index have one.

Exit code 2 when the configuration is the problem (invalid, or a key is
missing), 3 when a provider is unreachable or lacks the model, 1 when the
workspace is not writable or the home is readable by others, 0 when every
check passes.`,
		Example: `  localgpt doctor
  localgpt doctor --json | jq '.checks[] | select(.ok | not)'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			checks := a.runChecks(cmd.Context())
			if asJSON {
				ok := true
				for _, c := range checks {
					ok = ok && c.OK
				}
				if err := writeJSON(a.stdout, struct {
					OK     bool    `json:"ok"`
					Checks []check `json:"checks"`
				}{ok, checks}); err != nil {
					return err
				}
			} else {
				a.printChecks(checks)
			}
			return doctorError(checks)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

// printChecks prints one line per check, ✓, ✗ or a warning mark first.
func (a *app) printChecks(checks []check) {
	color := useColor(a.getenv, a.stdout)
	width := 0
	for _, c := range checks {
		width = max(width, len(c.Name))
	}
	for _, c := range checks {
		m := mark(c.OK, color)
		if c.Warn {
			m = warnMark(color)
		}
		printf(a.stdout, "%s %-*s  %s\n", m, width, c.Name, c.Detail)
	}
}

// doctorError is the error the failed checks amount to: configuration
// first (exit 2), then providers (exit 3), then anything else (exit 1).
func doctorError(checks []check) error {
	var cfgErr, provErr, other error
	var failed []string
	for _, c := range checks {
		if c.OK {
			continue
		}
		if !slices.Contains(failed, c.Name) {
			failed = append(failed, c.Name)
		}
		var ce *config.Error
		var le *llm.Error
		switch {
		case errors.As(c.err, &ce):
			cfgErr = cmp(cfgErr, c.err)
		case errors.As(c.err, &le):
			provErr = cmp(provErr, c.err)
		default:
			other = cmp(other, c.err)
		}
	}
	first := cmp(cmp(cfgErr, provErr), other)
	if first == nil {
		return nil
	}
	return &reportedError{summary: "doctor: failed: " + strings.Join(failed, ", "), cause: first}
}

func cmp(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// runChecks runs every check (collectChecks), with the secrets masked in
// what they say: a provider's error may quote the key it was sent, and
// doctor and setup print the checks on stdout.
func (a *app) runChecks(ctx context.Context) []check {
	checks := a.collectChecks(ctx)
	for i := range checks {
		checks[i].Detail = a.secrets.Mask(checks[i].Detail)
	}
	return checks
}

// collectChecks runs every check it can: without a valid config only the
// first one.
func (a *app) collectChecks(ctx context.Context) []check {
	a.mcpReported = true // each server is a check
	if err := a.setup(); err != nil {
		return []check{{Name: "config", Detail: err.Error(), err: err}}
	}
	checks := []check{{Name: "config", OK: true, Detail: a.paths.ConfigFile + " is valid"}}
	opts := a.providerOptions()
	def, err := a.models().Resolve(ctx, "")
	if err != nil {
		return append(checks, check{Name: "default model", Detail: err.Error(), err: err})
	}
	checks = append(checks, check{Name: "default model", OK: true,
		Detail: fmt.Sprintf("%s → %s", a.cfg.Agent.DefaultModel, def)})
	if err := provider.Check(a.cfg, def.Provider, def.Model, opts); err != nil {
		checks = append(checks, check{Name: "api key", Detail: err.Error(), err: err})
	} else if def.Provider != llm.Ollama {
		detail := fmt.Sprintf("%s has an API key", def.Provider)
		if key := map[llm.ProviderName]string{llm.OpenAI: a.cfg.Providers.OpenAI.APIKey,
			llm.Anthropic: a.cfg.Providers.Anthropic.APIKey}[def.Provider]; key == "" {
			detail = fmt.Sprintf("%s at %s needs no API key", def.Provider, provider.Endpoint(a.cfg, def.Provider))
		}
		checks = append(checks, check{Name: "api key", OK: true, Detail: detail})
	}
	for _, pm := range a.listModels(ctx, def) {
		used := pm.Provider == def.Provider
		// Ollama is checked when it is in use or was pointed somewhere.
		if !pm.Configured || (pm.Provider == llm.Ollama && !used && pm.Endpoint == config.Default().Providers.Ollama.Endpoint) {
			continue
		}
		name := string(pm.Provider)
		if pm.err != nil {
			checks = append(checks, check{Name: name, Detail: pm.Error, err: pm.err})
			continue
		}
		checks = append(checks, check{Name: name, OK: true,
			Detail: fmt.Sprintf("reachable at %s, %s", pm.Endpoint, count(len(pm.Models), "model", "models"))})
		if used {
			checks = append(checks, a.modelCheck(ctx, def, pm))
		}
		if used && pm.Provider == llm.Ollama {
			checks = append(checks, a.windowChecks(ctx, pm)...)
		}
	}
	if a.cfg.Memory.Embeddings.Enabled {
		checks = append(checks, a.embeddingsCheck(ctx))
	}
	checks = append(checks, workspaceCheck(a.paths.Workspace), permissionsCheck(a.paths), sandboxCheck(a.cfg.Tools), a.skillsCheck())
	return append(checks, a.mcpChecks(ctx)...)
}

// sandboxCheck says how bash commands are confined (see package sandbox);
// where they are not, it warns in red.
func sandboxCheck(tc config.Tools) check {
	s := sandbox.Probe()
	c := check{Name: "sandbox", OK: true}
	switch {
	case !tc.BashSandbox:
		c.Warn, c.Detail = true, "off (tools.bash_sandbox = false): bash commands run with your full permissions"
	case !s.Confine:
		c.Warn, c.Detail = true, "not available: "+s.Detail+"; bash commands run unconfined, and each result says so"
	case !tc.BashNetwork && !s.Network:
		c.Warn, c.Detail = true, s.Detail+"; tools.bash_network = false is not enforced"
	default:
		c.Detail = s.Detail + ": bash writes only to the workspace, tools.allowed_paths and a private temp folder, and cannot read LocalGPT's own files"
		if !tc.BashNetwork {
			c.Detail += "; no network"
		}
		if tc.BashUnixSockets {
			c.Detail += "; Unix sockets allowed (tools.bash_unix_sockets), through which a command can have your tmux, systemd or Docker run something outside the sandbox"
		}
	}
	return c
}

// embeddingsCheck embeds a sentence with memory.embeddings' model and
// checks the answer: a vector of memory.embeddings.dimensions (when set),
// and of the size of the vectors the index holds.
func (a *app) embeddingsCheck(ctx context.Context) check {
	e := a.cfg.Memory.Embeddings
	fail := func(err error) check { return check{Name: "embeddings", Detail: err.Error(), err: err} }
	emb, err := provider.Embedder(a.cfg, a.providerOptions())
	if err != nil {
		return fail(err)
	}
	cctx, cancel := context.WithTimeout(ctx, providerCallTimeout)
	defer cancel()
	vecs, err := emb.Embed(cctx, llm.EmbedRequest{Model: e.Model, Input: []string{"LocalGPT checks its embedding model."}, Dimensions: e.Dimensions})
	if err != nil {
		return fail(err)
	}
	got := len(vecs[0])
	if e.Dimensions > 0 && got != e.Dimensions {
		return fail(&config.Error{File: a.paths.ConfigFile, Key: "memory.embeddings.dimensions", Msg: fmt.Sprintf(
			"is %d, but %s/%s answers vectors of %d dimensions (it cannot shorten them); set it to 0", e.Dimensions, e.Provider, e.Model, got)})
	}
	detail := fmt.Sprintf("%s/%s answers vectors of %d dimensions", e.Provider, e.Model, got)
	if s, err := a.root.Memory(ctx); err == nil {
		if st, err := s.Stats(ctx); err == nil && st.Embeddings != nil {
			es := st.Embeddings
			switch {
			case es.IndexModel != "":
				detail += fmt.Sprintf("; the index holds vectors of %s, which the next embedding pass replaces", es.IndexModel)
			case es.Dims > 0 && es.Dims != got:
				detail += fmt.Sprintf("; the index holds vectors of %d dimensions, which the next embedding pass replaces", es.Dims)
			default:
				detail += fmt.Sprintf("; %d of %d chunks have one", es.Embedded, es.Chunks)
			}
		}
	}
	return check{Name: "embeddings", OK: true, Detail: detail}
}

// warnMark is the red "!" of a check that passes with a warning.
func warnMark(color bool) styled {
	if color {
		return "\x1b[31m!\x1b[0m"
	}
	return "!"
}

// modelCheck says whether the default model is on its provider, and,
// on Ollama, that it can chat: a model that only embeds is listed like
// any other, but every turn with it fails.
func (a *app) modelCheck(ctx context.Context, def llm.Resolved, pm providerModels) check {
	for _, m := range pm.Models {
		if !m.Default {
			continue
		}
		if def.Provider == llm.Ollama && a.embedOnly(ctx, m.Name) {
			err := &llm.Error{Kind: llm.KindBadRequest, Provider: def.Provider, Model: def.Model,
				Message: "it only embeds (a model for memory.embeddings.model) and cannot chat",
				Hint:    "make a chat model the default: `localgpt models` lists them, `localgpt setup` offers them"}
			return check{Name: "model", Detail: err.Error(), err: err}
		}
		return check{Name: "model", OK: true, Detail: fmt.Sprintf("%s is available on %s", def.Model, def.Provider)}
	}
	hint := "`localgpt models` lists what is available"
	if def.Provider == llm.Ollama {
		hint = fmt.Sprintf("pull it with `ollama pull %s`", def.Model)
	}
	err := &llm.Error{Kind: llm.KindNotFound, Provider: def.Provider, Model: def.Model,
		Message: "not among the provider's models", Hint: hint}
	return check{Name: "model", Detail: err.Error(), err: err}
}

// embedOnly reports whether Ollama's /api/show says model only embeds;
// false when it cannot tell.
func (a *app) embedOnly(ctx context.Context, model string) bool {
	p, err := provider.For(a.cfg, llm.Ollama, a.providerOptions())
	op, ok := p.(*ollama.Provider)
	if err != nil || !ok {
		return false
	}
	cctx, cancel := context.WithTimeout(ctx, providerCallTimeout)
	defer cancel()
	w, err := op.Window(cctx, model)
	return err == nil && w.EmbedOnly
}

// windowChecks gives, for each Ollama model, the window calls ask for and
// what its KV cache costs there (from /api/show). They inform: a model
// whose shape cannot be read is reported, not failed.
func (a *app) windowChecks(ctx context.Context, pm providerModels) []check {
	p, err := provider.For(a.cfg, llm.Ollama, a.providerOptions())
	op, ok := p.(*ollama.Provider)
	if err != nil || !ok {
		return nil
	}
	var out []check
	for _, m := range pm.Models {
		cctx, cancel := context.WithTimeout(ctx, providerCallTimeout)
		w, err := op.Window(cctx, m.Name)
		cancel()
		out = append(out, check{Name: "window", OK: true, Detail: windowDetail(m.Name, w, err)})
	}
	return out
}

// windowDetail describes a model's window and KV cache in one line.
func windowDetail(model string, w ollama.Window, err error) string {
	if err != nil {
		return fmt.Sprintf("%s: window unknown (%v)", model, err)
	}
	if w.EmbedOnly {
		return model + ": an embedding model, run for memory.embeddings and never for a chat: no chat window or KV cache to estimate"
	}
	d := fmt.Sprintf("%s: num_ctx %d", model, w.NumCtx)
	if w.Max > 0 {
		d += fmt.Sprintf(" of %d", w.Max)
	}
	kv := w.KV
	if kv.KVHeads == 0 {
		return d + "; KV cache unknown (/api/show lacks the layer and head counts)"
	}
	return d + fmt.Sprintf("; KV cache ≈ %s (%d layers × %d KV heads × %d × %d tokens × 2 for K and V × %d bytes, assuming Ollama's default f16 cache)",
		humanBytes(kv.KVCacheBytes(w.NumCtx)), kv.Layers, kv.KVHeads/kv.Layers, kv.HeadSize, w.NumCtx, ollama.KVBytesPerElement)
}

// workspaceCheck creates and removes a probe file in the workspace.
func workspaceCheck(dir string) check {
	f, err := os.CreateTemp(dir, ".doctor-*")
	if err != nil {
		err = fmt.Errorf("workspace %s is not writable: %w; check its permissions", dir, err)
		return check{Name: "workspace", Detail: err.Error(), err: err}
	}
	name := f.Name()
	_ = f.Close()
	if err := os.Remove(name); err != nil {
		err = fmt.Errorf("cannot remove %s from the workspace: %w", name, err)
		return check{Name: "workspace", Detail: err.Error(), err: err}
	}
	return check{Name: "workspace", OK: true, Detail: dir + " is writable"}
}

// permissionsCheck reports the files and folders of the LocalGPT home (and
// a workspace kept elsewhere) that other accounts on the machine can read
// or enter: homes made by older versions were 0755 with 0644 files, so
// every local user could read the memory, the sessions and the index.
func permissionsCheck(paths config.Paths) check {
	type wide struct {
		path string
		mode fs.FileMode
	}
	var found []wide
	n := 0
	visit := func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // unreadable: not ours to judge
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		if info.Mode().Perm()&0o077 != 0 {
			n++
			if len(found) < 3 {
				found = append(found, wide{path, info.Mode().Perm()})
			}
		}
		return nil
	}
	roots := []string{paths.Home}
	if rel, err := filepath.Rel(paths.Home, paths.Workspace); err != nil || strings.HasPrefix(rel, "..") {
		roots = append(roots, paths.Workspace)
	}
	for _, root := range roots {
		filepath.WalkDir(root, visit)
	}
	if n == 0 {
		what := roots[0] + " is"
		if len(roots) > 1 {
			what = strings.Join(roots, " and ") + " are"
		}
		return check{Name: "permissions", OK: true, Detail: what + " private to you"}
	}
	examples := make([]string, len(found))
	for i, w := range found {
		examples[i] = fmt.Sprintf("%s (%04o)", w.path, w.mode)
	}
	err := fmt.Errorf("%s can be read by other users of this machine, such as %s; make them private with: chmod -R go-rwx %s",
		count(n, "file or folder", "files and folders"), strings.Join(examples, ", "), strings.Join(quoteAll(roots), " "))
	return check{Name: "permissions", Detail: err.Error(), err: err}
}

// quoteAll quotes paths for a shell command line when they need it.
func quoteAll(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		if strings.ContainsAny(p, " '\"$`\\!*?&;|<>()[]{}#~") {
			p = "'" + strings.ReplaceAll(p, "'", `'\''`) + "'"
		}
		out[i] = p
	}
	return out
}
