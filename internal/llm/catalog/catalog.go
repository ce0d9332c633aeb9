// Package catalog knows which models the configured providers offer and
// turns the names people write into a provider and model: the name that
// `localgpt models` prints works in `-m`, in chat's /model and on /v1.
//
// Resolution, cheapest first:
//   - "openai/NAME", "anthropic/NAME", "ollama/NAME" name the provider;
//   - a family name (gpt-*, o1/o3/o4, claude-*) goes to its provider when
//     that provider is configured;
//   - any other bare name goes to the one configured provider that lists
//     it, when exactly one does;
//   - otherwise the prefix rules of llm.Resolve decide (Ollama).
//
// Only the third rule needs the providers' model lists, and only when a
// provider other than Ollama is configured; the lists are cached (a
// minute when they answered, a few seconds when they failed), so a chat or
// the daemon asks once, not per turn.
package catalog

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/fuzzy"
	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/llm/provider"
)

// Default lifetimes of a cached listing.
const (
	DefaultTTL     = time.Minute
	DefaultFailTTL = 5 * time.Second
	// DefaultTimeout bounds one provider's answer to a listing.
	DefaultTimeout = 5 * time.Second
)

// Options tune a Catalog.
type Options struct {
	// Provider builds the providers that are asked for their lists.
	Provider provider.Options
	// TTL and FailTTL say how long a listing that answered, or failed, is
	// reused; Timeout bounds each provider's answer. Zero means the defaults.
	TTL, FailTTL, Timeout time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Catalog lists and resolves the models of one configuration. It is safe
// for concurrent use; one serves a whole process.
type Catalog struct {
	cfg  *config.Config
	opts Options

	mu      sync.Mutex
	entries map[llm.ProviderName]*entry
}

// entry is one provider's listing, in flight until done is closed.
type entry struct {
	done   chan struct{}
	at     time.Time
	models []llm.ModelInfo
	err    error
}

// New returns a Catalog over cfg.
func New(cfg *config.Config, opts Options) *Catalog {
	if opts.TTL <= 0 {
		opts.TTL = DefaultTTL
	}
	if opts.FailTTL <= 0 {
		opts.FailTTL = DefaultFailTTL
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Catalog{cfg: cfg, opts: opts, entries: map[llm.ProviderName]*entry{}}
}

// Listing is what one provider answered.
type Listing struct {
	Provider llm.ProviderName
	// Endpoint is where the provider is reached.
	Endpoint string
	// Configured is false for a provider that cannot be called (no key);
	// it is not asked.
	Configured bool
	Models     []llm.ModelInfo
	// Err is why the provider could not list its models.
	Err error
}

// List asks every configured provider for its models, at once, and
// returns them in llm.Providers order; cached answers are reused.
func (c *Catalog) List(ctx context.Context) []Listing {
	names := llm.Providers()
	out := make([]Listing, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		out[i] = Listing{Provider: name, Endpoint: provider.Endpoint(c.cfg, name), Configured: provider.Configured(c.cfg, name)}
		if !out[i].Configured {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i].Models, out[i].Err = c.models(ctx, name)
		}()
	}
	wg.Wait()
	return out
}

// Invalidate forgets every cached listing (after a model was pulled, or
// the configuration changed); a listing in flight still answers its callers.
func (c *Catalog) Invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
}

// models returns one provider's models, listing them when the cache has
// no fresh answer. Concurrent callers share one listing. The listing runs
// to its own timeout even when ctx ends, so that its answer serves the
// others; the caller stops waiting when ctx ends.
func (c *Catalog) models(ctx context.Context, name llm.ProviderName) ([]llm.ModelInfo, error) {
	c.mu.Lock()
	e, ok := c.entries[name]
	if ok {
		select {
		case <-e.done:
			ttl := c.opts.TTL
			if e.err != nil {
				ttl = c.opts.FailTTL
			}
			if c.opts.Now().Sub(e.at) >= ttl {
				ok = false
			}
		default: // in flight: wait for it
		}
	}
	if !ok {
		e = &entry{done: make(chan struct{})}
		c.entries[name] = e
		c.mu.Unlock()
		e.models, e.err = c.fetch(ctx, name)
		e.at = c.opts.Now()
		close(e.done)
		return e.models, e.err
	}
	c.mu.Unlock()
	select {
	case <-e.done:
		return e.models, e.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (c *Catalog) fetch(ctx context.Context, name llm.ProviderName) ([]llm.ModelInfo, error) {
	p, err := provider.For(c.cfg, name, c.opts.Provider)
	if err != nil {
		return nil, err
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.opts.Timeout)
	defer cancel()
	return p.Models(cctx)
}

// Resolve turns a model name into its provider and model, by the rules in
// the package comment; "" is agent.default_model. It never fails because a
// provider could not be asked: the prefix rules decide then. A name that
// names no model is a *config.Error.
func (c *Catalog) Resolve(ctx context.Context, name string) (llm.Resolved, error) {
	r, err := provider.Resolve(c.cfg, name, c.opts.Provider)
	if err != nil || decided(c.cfg, r) {
		return r, err
	}
	return byListing(r, c.List(ctx)), nil
}

// decided reports whether the rules that need no listing settle r: an
// explicit prefix, a family name of a configured provider, or a name that
// only Ollama could serve because no other provider is configured.
func decided(cfg *config.Config, r llm.Resolved) bool {
	switch {
	case r.Explicit:
		return true
	case r.Provider != llm.Ollama:
		return provider.Configured(cfg, r.Provider)
	}
	return !provider.Configured(cfg, llm.OpenAI) && !provider.Configured(cfg, llm.Anthropic)
}

// byListing sends r to the one provider whose listing has its model, if
// exactly one has; otherwise r stands.
func byListing(r llm.Resolved, ls []Listing) llm.Resolved {
	if h := holders(ls, r.Model); len(h) == 1 {
		return llm.Resolved{Provider: h[0], Model: r.Model}
	}
	return r
}

// holders returns the providers whose listing has model.
func holders(ls []Listing, model string) []llm.ProviderName {
	var out []llm.ProviderName
	for _, l := range ls {
		if l.Err == nil && slices.ContainsFunc(l.Models, func(m llm.ModelInfo) bool {
			return provider.SameModel(l.Provider, m.Name, model)
		}) {
			out = append(out, l.Provider)
		}
	}
	return out
}

// Name returns the shortest name of a listed model that resolves back to
// it: the bare name when the rules send it to this provider, otherwise
// "provider/NAME". ls is the listing the name is computed against (from
// List), so that a whole list is named without asking again.
func Name(cfg *config.Config, ls []Listing, m llm.ModelInfo) string {
	r, err := llm.Resolve(m.Name)
	if err == nil && !decided(cfg, r) {
		r = byListing(r, ls)
	}
	if err == nil && !r.Explicit && r.Provider == m.Provider && r.Model == m.Name {
		return m.Name
	}
	return string(m.Provider) + "/" + m.Name
}

// Name is the package's Name for this catalog's configuration.
func (c *Catalog) Name(ls []Listing, m llm.ModelInfo) string { return Name(c.cfg, ls, m) }

// Suggest returns up to three listed names (as Name writes them) close to
// name, for a "did you mean" hint. It uses the cached listings, asking the
// providers only when nothing is cached.
func (c *Catalog) Suggest(ctx context.Context, name string) []string {
	ls := c.List(ctx)
	var names []string
	for _, l := range ls {
		for _, m := range l.Models {
			names = append(names, Name(c.cfg, ls, m))
		}
	}
	_, bare, explicit := strings.Cut(name, "/")
	if !explicit {
		bare = name
	}
	out := fuzzy.Nearest(name, names, 3)
	if explicit && len(out) == 0 {
		out = fuzzy.Nearest(bare, names, 3)
	}
	return out
}

// Check answers whether a bare name that only the fallback rule sends to
// Ollama names a model at all, before any model call: it returns a
// KindNotFound *llm.Error (with suggestions) when no configured provider
// lists it and Ollama either lists its models without it or cannot be
// reached. Explicit names, family names and the default model are not
// checked: their provider answers for them (and compatible servers such as
// llama.cpp accept names they do not list).
func (c *Catalog) Check(ctx context.Context, name string, r llm.Resolved) error {
	if name == "" || r.Explicit || r.Provider != llm.Ollama || strings.TrimSpace(name) == c.cfg.Agent.DefaultModel {
		return nil
	}
	if fam, err := llm.Resolve(r.Model); err == nil && fam.Provider != llm.Ollama {
		return nil
	}
	ls := c.List(ctx)
	if len(holders(ls, r.Model)) > 0 {
		return nil
	}
	var ollamaErr error
	for _, l := range ls {
		if l.Provider == llm.Ollama {
			ollamaErr = l.Err
		}
	}
	if ollamaErr != nil && !isUnreachable(ollamaErr) {
		return nil // Ollama answered oddly: let the call say what is wrong
	}
	msg := "no configured provider offers it"
	if ollamaErr != nil {
		msg += fmt.Sprintf(" (Ollama, where such names go, is not reachable at %s)", provider.Endpoint(c.cfg, llm.Ollama))
	}
	return &llm.Error{Kind: llm.KindNotFound, Provider: llm.Ollama, Model: r.Model, Status: 404,
		Message: msg, Hint: c.hint(ctx, name)}
}

// Explain adds a "did you mean" to a KindNotFound error of a model call.
func (c *Catalog) Explain(ctx context.Context, name string, err error) error {
	var le *llm.Error
	if !errors.As(err, &le) || le.Kind != llm.KindNotFound || strings.Contains(le.Hint, "did you mean") {
		return err
	}
	if name == "" {
		name = le.Model
	}
	e := *le
	e.Hint = c.hint(ctx, name)
	if le.Hint != "" && e.Hint != le.Hint {
		e.Hint = strings.TrimSuffix(e.Hint, "`localgpt models` lists the available ones") + le.Hint
	}
	return &e
}

func (c *Catalog) hint(ctx context.Context, name string) string {
	h := "`localgpt models` lists the available ones"
	if s := c.Suggest(ctx, name); len(s) > 0 {
		h = "did you mean " + strings.Join(quote(s), " or ") + "? " + h
	}
	return h
}

func quote(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = `"` + s + `"`
	}
	return out
}

func isUnreachable(err error) bool {
	var le *llm.Error
	return errors.As(err, &le) && le.Kind == llm.KindUnreachable
}
