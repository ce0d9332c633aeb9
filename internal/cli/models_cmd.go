package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/llm/provider"
)

// providerCallTimeout bounds each provider's answer in models and doctor.
const providerCallTimeout = 15 * time.Second

// providerModels is what one provider answered to a model listing.
type providerModels struct {
	Provider   llm.ProviderName `json:"provider"`
	Endpoint   string           `json:"endpoint"`
	Configured bool             `json:"configured"`
	Models     []listedModel    `json:"models"`
	Error      string           `json:"error,omitempty"`
	ErrorKind  llm.ErrorKind    `json:"error_kind,omitempty"`
	err        error
}

type listedModel struct {
	Name    string `json:"name"`
	Size    int64  `json:"size,omitempty"`
	Default bool   `json:"default"`
}

// listModels asks every configured provider for its models. Ollama is
// always asked; OpenAI and Anthropic only when they have a key or a base
// URL of their own. One failing provider does not stop the others.
func (a *app) listModels(ctx context.Context, def llm.Resolved) []providerModels {
	var out []providerModels
	for _, name := range llm.Providers() {
		pm := providerModels{Provider: name, Endpoint: provider.Endpoint(a.cfg, name),
			Configured: provider.Configured(a.cfg, name), Models: []listedModel{}}
		if !pm.Configured {
			pm.err = provider.Check(a.cfg, name, "", a.providerOptions())
			pm.Error = pm.err.Error()
			out = append(out, pm)
			continue
		}
		p, err := provider.For(a.cfg, name, a.providerOptions())
		if err == nil {
			cctx, cancel := context.WithTimeout(ctx, providerCallTimeout)
			var ms []llm.ModelInfo
			ms, err = p.Models(cctx)
			cancel()
			for _, m := range ms {
				pm.Models = append(pm.Models, listedModel{Name: m.Name, Size: m.Size,
					Default: def.Provider == name && provider.SameModel(name, m.Name, def.Model)})
			}
		}
		if err != nil {
			pm.err, pm.Error = err, err.Error()
			var le *llm.Error
			if errors.As(err, &le) {
				pm.ErrorKind = le.Kind
			}
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
of their own. The default model is marked with *.

A provider that cannot be reached is reported and the others are still listed.
The exit code is 3 only when no provider that was asked could answer.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.setup(); err != nil {
				return err
			}
			def, err := provider.Resolve(a.cfg, "", a.providerOptions())
			if err != nil {
				return err
			}
			list := a.listModels(cmd.Context(), def)
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
			return fmt.Errorf("no provider could list its models: %w", first)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

func (a *app) printModels(list []providerModels) {
	color := useColor(a.getenv, a.stdout)
	for _, pm := range list {
		fmt.Fprintf(a.stdout, "%s (%s)\n", pm.Provider, pm.Endpoint)
		switch {
		case !pm.Configured:
			fmt.Fprintf(a.stdout, "  not configured: %s\n", pm.Error)
		case pm.err != nil:
			fmt.Fprintf(a.stdout, "  %s %s\n", mark(false, color), pm.Error)
		case len(pm.Models) == 0:
			fmt.Fprintln(a.stdout, "  no models")
		}
		width := 0
		for _, m := range pm.Models {
			width = max(width, len(m.Name))
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
			fmt.Fprintf(a.stdout, "  %s %-*s  %s\n", star, width, m.Name, size)
		}
	}
}

// mark is the ✓ or ✗ of a check, green or red on a colour terminal.
func mark(ok, color bool) string {
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
