package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/fuzzy"
	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/llm/discover"
	"github.com/localgpt-go/localgpt/internal/llm/provider"
)

// setupOptions are the flags of `localgpt setup`.
type setupOptions struct {
	model, baseURL string
}

func newSetupCmd(a *app) *cobra.Command {
	var o setupOptions
	cmd := &cobra.Command{
		Use:   "setup",
		Short: "Find the models you have and make one the default",
		Long: `Find what can answer on this machine and make it LocalGPT's model: a running
Ollama and its chat models (not those that only embed, such as
nomic-embed-text), LM Studio (port 1234), llama.cpp's server (8080), vLLM
(8000), Jan (1337), and the OPENAI_API_KEY and ANTHROPIC_API_KEY variables.
Pick one (Enter takes the first), then a model; setup writes
agent.default_model and the provider's address into config.toml (one atomic
change, comments kept) and runs doctor.

For scripts: --model NAME picks the model without asking (among what was
found), --base-url URL points at a server that is not on a usual port
(Ollama or any OpenAI-compatible server; setup asks it which one it is).`,
		Example: `  localgpt setup
  localgpt setup --model qwen3:8b
  localgpt setup --base-url http://192.168.1.20:1234/v1 --model qwen2.5-7b-instruct`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.setup(); err != nil {
				return err
			}
			in := bufio.NewReader(a.stdin)
			ask := func(prompt string) (string, error) {
				fmt.Fprint(a.stdout, prompt)
				line, err := in.ReadString('\n')
				if errors.Is(err, io.EOF) && line != "" {
					err = nil
				}
				if !isTerminal(a.stdin) { // no echo from a terminal: show the answer read
					fmt.Fprintln(a.stdout, strings.TrimSpace(line))
				}
				return strings.TrimSpace(line), err
			}
			return a.runSetup(cmd.Context(), o, ask)
		},
	}
	// -m as everywhere else: this flag stands in for the global --model.
	cmd.Flags().StringVarP(&o.model, "model", "m", "", "use model `NAME` without asking")
	cmd.Flags().StringVar(&o.baseURL, "base-url", "", "use the server at `URL` (Ollama or OpenAI-compatible) instead of looking on the usual ports")
	return cmd
}

// serverURL checks --base-url, taking "localhost:1234" as http://.
func serverURL(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("--base-url %q is not the address of a server; write it like http://127.0.0.1:1234/v1", raw)
	}
	return s, nil
}

type targetsKey struct{}

// withTargets makes setup look at targets instead of the usual ports, so
// that tests point it at fake servers on free ports.
func withTargets(ctx context.Context, targets []discover.Target) context.Context {
	return context.WithValue(ctx, targetsKey{}, targets)
}

// runSetup finds, asks, writes the configuration and runs doctor. ask
// shows a prompt and returns the answer ("" takes the default; io.EOF
// when nobody answers, which also takes the default).
func (a *app) runSetup(ctx context.Context, o setupOptions, ask func(string) (string, error)) error {
	var choices []discover.Found
	if o.baseURL != "" {
		base, err := serverURL(o.baseURL)
		if err != nil {
			return err
		}
		f := discover.Probe(ctx, base, nil)
		if f.Err != nil {
			return fmt.Errorf("nothing at %s answers as Ollama (/api/tags) or an OpenAI-compatible server (/v1/models): %w", base, f.Err)
		}
		choices = []discover.Found{f}
	} else {
		targets, ok := ctx.Value(targetsKey{}).([]discover.Target)
		if !ok {
			targets = discover.Local(a.cfg.Providers.Ollama.Endpoint)
		}
		fmt.Fprintln(a.stdout, "Looking for models on this machine…")
		found := discover.Find(ctx, targets, a.getenv, nil)
		var missing []string
		for _, f := range found {
			if f.Err != nil {
				missing = append(missing, fmt.Sprintf("%s (%s)", f.Name, hostPort(f.URL)))
				continue
			}
			choices = append(choices, f)
		}
		for i, f := range choices {
			printf(a.stdout, "  %d) %s\n", i+1, describe(f))
		}
		if len(missing) > 0 {
			printf(a.stdout, "  not running: %s\n", strings.Join(missing, ", "))
		}
		if env := unsetKeys(a.getenv); env != "" {
			printf(a.stdout, "  not set: %s\n", env)
		}
	}
	if len(choices) == 0 {
		return errors.New("no model server or API key found. Start one — `ollama serve` (then `ollama pull llama3.2`), " +
			"or LM Studio's, llama.cpp's, vLLM's or Jan's server — and run `localgpt setup` again; one elsewhere: " +
			"`localgpt setup --base-url URL`; a hosted model: export OPENAI_API_KEY or ANTHROPIC_API_KEY")
	}
	choice, model, err := pick(choices, o, ask)
	if err != nil {
		return err
	}
	settings := settingsFor(choice, model)
	if err := config.SetAll(a.paths.ConfigFile, settings, a.getenv); err != nil {
		return err
	}
	var parts []string
	for _, s := range settings {
		parts = append(parts, fmt.Sprintf("%s = %q", s.Key, s.Value))
	}
	printf(a.stdout, "Wrote %s: %s\n", a.paths.ConfigFile, strings.Join(parts, ", "))
	// Load what was written, as every later command will, and check it.
	_ = a.close()
	a.cfg, a.catalog, a.modelFlag = nil, nil, ""
	fmt.Fprintln(a.stdout, "Checking it (localgpt doctor):")
	checks := a.runChecks(ctx)
	a.printChecks(checks)
	if err := doctorError(checks); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "Ready: try `localgpt ask \"hello\"` or `localgpt chat`.\n")
	return nil
}

// pick chooses a server and a model: by the flags, or by asking.
func pick(choices []discover.Found, o setupOptions, ask func(string) (string, error)) (discover.Found, string, error) {
	if o.model != "" {
		var names []string
		for _, f := range choices {
			for _, m := range f.Models {
				if provider.SameModel(f.Provider, m, o.model) {
					return f, m, nil
				}
				names = append(names, m)
			}
		}
		if o.baseURL != "" { // a server that lists nothing (or not this name) may still serve it
			return choices[0], o.model, nil
		}
		msg := fmt.Sprintf("no server found offers model %q", o.model)
		if near := fuzzy.Nearest(o.model, names, 3); len(near) > 0 {
			msg += fmt.Sprintf("; did you mean %q?", near[0])
		} else {
			msg += "; name one of the models listed above, or make it available first (for Ollama: ollama pull " + o.model + ")"
		}
		return discover.Found{}, "", errors.New(msg)
	}
	choice := choices[0]
	if len(choices) > 1 {
		n, err := choose(ask, fmt.Sprintf("Use which one? [1-%d, Enter for 1] ", len(choices)), len(choices))
		if err != nil {
			return choice, "", err
		}
		choice = choices[n]
	}
	switch len(choice.Models) {
	case 0:
		name, err := ask(fmt.Sprintf("%s lists no models; model name to use: ", choice.Name))
		if err != nil && !errors.Is(err, io.EOF) || name == "" {
			return choice, "", fmt.Errorf("no model named for %s; run `localgpt setup --model NAME`", choice.Name)
		}
		return choice, name, nil
	case 1:
		return choice, choice.Models[0], nil
	}
	models := choice.Models
	if len(models) > 30 {
		models = models[:30]
	}
	var b strings.Builder
	printf(&b, "Models of %s:\n", choice.Name)
	for i, m := range models {
		printf(&b, "  %d) %s\n", i+1, m) // names a server sent
	}
	fmt.Fprintf(&b, "Use which model? [1-%d, Enter for 1] ", len(models))
	n, err := choose(ask, b.String(), len(models))
	return choice, models[n], err
}

// choose asks until the answer is a number from 1 to n (Enter or no
// answer is 1) and returns it 0-based.
func choose(ask func(string) (string, error), prompt string, n int) (int, error) {
	for range 5 {
		answer, err := ask(prompt)
		if answer == "" && (err == nil || errors.Is(err, io.EOF)) {
			return 0, nil
		}
		if err != nil {
			return 0, err
		}
		if i, err := strconv.Atoi(answer); err == nil && i >= 1 && i <= n {
			return i - 1, nil
		}
		prompt = fmt.Sprintf("Type a number from 1 to %d: ", n)
	}
	return 0, errors.New("no valid choice; run `localgpt setup` again, or `localgpt setup --model NAME`")
}

// settingsFor is what the configuration needs for a choice: the
// provider's address and the default model, named so that it goes there
// without asking any provider (openai/NAME for a compatible server).
func settingsFor(f discover.Found, model string) []config.KeyValue {
	switch {
	case f.Provider == llm.Ollama:
		name := model
		if r, err := llm.Resolve(model); err != nil || r.Explicit || r.Provider != llm.Ollama {
			name = "ollama/" + model
		}
		return []config.KeyValue{{Key: "providers.ollama.endpoint", Value: f.URL}, {Key: "agent.default_model", Value: name}}
	case f.Env != "": // a hosted provider: its key stays in the environment
		out := []config.KeyValue{{Key: "agent.default_model", Value: model}}
		if f.Provider == llm.OpenAI {
			out = append([]config.KeyValue{{Key: "providers.openai.base_url", Value: f.URL}}, out...)
		}
		return out
	}
	return []config.KeyValue{{Key: "providers.openai.base_url", Value: f.URL}, {Key: "agent.default_model", Value: "openai/" + model}}
}

// describe is one line about what was found.
func describe(f discover.Found) string {
	if f.Env != "" {
		return fmt.Sprintf("%s (%s is set): %s", f.Name, f.Env, strings.Join(f.Models, ", "))
	}
	models := "no models listed"
	switch n := len(f.Models); {
	case n == 1:
		models = "1 model: " + f.Models[0]
	case n > 1 && n <= 4:
		models = fmt.Sprintf("%d models: %s", n, strings.Join(f.Models, ", "))
	case n > 4:
		models = fmt.Sprintf("%d models: %s, …", n, strings.Join(f.Models[:4], ", "))
	}
	return fmt.Sprintf("%s at %s — %s", f.Name, f.URL, models)
}

// unsetKeys names the hosted providers' key variables that are not set.
func unsetKeys(getenv func(string) string) string {
	var out []string
	for _, env := range []string{"OPENAI_API_KEY", "ANTHROPIC_API_KEY"} {
		if getenv(env) == "" {
			out = append(out, env)
		}
	}
	return strings.Join(out, ", ")
}

// hostPort shortens a URL to host:port for the list of what is absent.
func hostPort(u string) string {
	u = strings.TrimPrefix(strings.TrimPrefix(u, "http://"), "https://")
	host, _, _ := strings.Cut(u, "/")
	return host
}
