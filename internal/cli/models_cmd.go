package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/llm/catalog"
	"github.com/localgpt-go/localgpt/internal/llm/provider"
)

// providerCallTimeout bounds each provider's answer in models and doctor.
const providerCallTimeout = 15 * time.Second

// providerModels is what one provider answered to a model listing.
type providerModels struct {
	Provider   llm.ProviderName `json:"provider"`
	Endpoint   string           `json:"endpoint"`
	Configured bool             `json:"configured"`
	// Used is true for the default model's provider: a failure of any
	// other is only noted.
	Used      bool          `json:"used"`
	Models    []listedModel `json:"models"`
	Error     string        `json:"error,omitempty"`
	ErrorKind llm.ErrorKind `json:"error_kind,omitempty"`
	err       error
}

type listedModel struct {
	// ID is the name that picks this model in -m, /model and /v1.
	ID string `json:"id"`
	// Name is the provider's own name of the model.
	Name    string `json:"name"`
	Size    int64  `json:"size,omitempty"`
	Default bool   `json:"default"`
	// EmbedOnly marks an Ollama model that only embeds (set by the models
	// command): it serves memory.embeddings, not a chat.
	EmbedOnly bool `json:"embedding_only,omitempty"`
}

// models returns the process's model catalog, built on first use: it
// resolves -m and /model names and caches the providers' listings.
func (a *app) models() *catalog.Catalog {
	if a.catalog == nil {
		a.catalog = catalog.New(a.cfg, catalog.Options{Provider: a.providerOptions(), Timeout: providerCallTimeout})
	}
	return a.catalog
}

// listModels asks every configured provider for its models, at once.
// Ollama is always asked; OpenAI and Anthropic only when they have a key
// or a base URL of their own. One failing provider does not stop the others.
func (a *app) listModels(ctx context.Context, def llm.Resolved) []providerModels {
	ls := a.models().List(ctx)
	out := make([]providerModels, 0, len(ls))
	for _, l := range ls {
		pm := providerModels{Provider: l.Provider, Endpoint: l.Endpoint, Configured: l.Configured,
			Used:   l.Provider == def.Provider,
			Models: []listedModel{}, err: l.Err}
		if !l.Configured {
			pm.err = provider.Check(a.cfg, l.Provider, "", a.providerOptions())
		}
		if pm.err != nil {
			pm.Error = a.secrets.Mask(pm.err.Error()) // a provider's error may echo its key, and this goes to stdout
			var le *llm.Error
			if errors.As(pm.err, &le) {
				pm.ErrorKind = le.Kind
			}
		}
		for _, m := range l.Models {
			pm.Models = append(pm.Models, listedModel{ID: catalog.Name(a.cfg, ls, m), Name: m.Name, Size: m.Size,
				Default: def.Provider == l.Provider && provider.SameModel(l.Provider, m.Name, def.Model)})
		}
		out = append(out, pm)
	}
	return out
}

// providerOptions are the provider options of CLI commands that only ask
// a provider something: no retries, so an unreachable one is reported at once.
func (a *app) providerOptions() provider.Options {
	return provider.Options{ConfigFile: a.paths.ConfigFile, Log: a.log, Retry: &llm.RetryPolicy{}}
}

func newModelsCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "models",
		Short: "List the models of each configured provider",
		Long: `List the models each provider offers: Ollama's pulled models (/api/tags), and
OpenAI's and Anthropic's (/v1/models) when they have an API key or a base_url
of their own. The default model is marked with *, and an Ollama model that
only embeds (such as nomic-embed-text) is marked as one: it serves
memory.embeddings and cannot chat.

Each model is printed by the name that picks it in -m, in chat's /model and
on the HTTP API's /v1: its bare name when that leads to it, otherwise
provider/NAME (for example when two providers offer a model of that name).

A provider that is not configured, or not in use and not running, is one
quiet line. One that is in use and fails is reported with what to do; the
others are still listed. The exit code is 3 only when no provider that was
asked could answer.`,
		Example: `  localgpt models
  localgpt models --json | jq -r '.providers[].models[].name'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.setup(); err != nil {
				return err
			}
			def, err := a.models().Resolve(cmd.Context(), "")
			if err != nil {
				return err
			}
			list := a.listModels(cmd.Context(), def)
			for _, pm := range list {
				if pm.Provider == llm.Ollama && pm.err == nil {
					for i, m := range pm.Models {
						pm.Models[i].EmbedOnly = a.embedOnly(cmd.Context(), m.Name)
					}
				}
			}
			if err := cmd.Context().Err(); err != nil {
				return err
			}
			if asJSON {
				if err := writeJSON(a.stdout, struct {
					DefaultModel string           `json:"default_model"`
					Providers    []providerModels `json:"providers"`
				}{def.String(), list}); err != nil {
					return err
				}
			} else {
				a.printModels(list)
			}
			var first error
			for _, pm := range list {
				if !pm.Configured {
					continue
				}
				if pm.err == nil {
					return nil
				}
				if first == nil {
					first = pm.err
				}
			}
			if first == nil {
				return nil
			}
			return &reportedError{summary: "no provider could list its models", cause: first}
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

func (a *app) printModels(list []providerModels) {
	color := useColor(a.getenv, a.stdout)
	for _, pm := range list {
		switch {
		case !pm.Configured:
			printf(a.stdout, "%s: not configured (%s)\n", pm.Provider, setupHint(pm.Provider))
			continue
		case pm.err != nil && !pm.Used:
			printf(a.stdout, "%s (%s): %s, not in use\n", pm.Provider, pm.Endpoint, quietReason(pm.err))
			continue
		}
		printf(a.stdout, "%s (%s)\n", pm.Provider, pm.Endpoint)
		switch {
		case pm.err != nil:
			printf(a.stdout, "  %s %s\n", mark(false, color), pm.Error)
		case len(pm.Models) == 0:
			fmt.Fprintln(a.stdout, "  no models")
		}
		width := 0
		for _, m := range pm.Models {
			width = max(width, len(m.ID))
		}
		for _, m := range pm.Models {
			star := " "
			if m.Default {
				star = "*"
			}
			size := ""
			if m.Size > 0 {
				size = humanBytes(m.Size)
			}
			if m.EmbedOnly {
				size = strings.TrimLeft(size+"  embedding only (for memory.embeddings, not for chat)", " ")
			}
			printf(a.stdout, "%s\n", strings.TrimRight(fmt.Sprintf("  %s %-*s  %s", star, width, m.ID, size), " "))
		}
	}
}

// setupHint says in a few words how to configure a provider.
func setupHint(name llm.ProviderName) string {
	switch name {
	case llm.OpenAI:
		return "export OPENAI_API_KEY, or set providers.openai.base_url to a compatible server; `localgpt setup` finds local ones"
	case llm.Anthropic:
		return "export ANTHROPIC_API_KEY"
	}
	return "`localgpt setup`"
}

// quietReason says why a provider not in use could not be asked, in a few words.
func quietReason(err error) string {
	var le *llm.Error
	if errors.As(err, &le) && le.Kind == llm.KindUnreachable {
		return "not running"
	}
	return "not answering"
}

// mark is the ✓ or ✗ of a check, green or red on a colour terminal.
func mark(ok, color bool) styled {
	switch {
	case ok && color:
		return "\x1b[32m✓\x1b[0m"
	case ok:
		return "✓"
	case color:
		return "\x1b[31m✗\x1b[0m"
	}
	return "✗"
}

func humanBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}
