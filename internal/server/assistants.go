package server

import (
	"context"
	"errors"
	"sync"

	"github.com/localgpt-go/localgpt/internal/assistant"
	"github.com/localgpt-go/localgpt/internal/llm/catalog"
)

// assistants keeps one assistant per model (and memory choice), built on
// first use and shared by every request: an agent keeps no conversation
// state, so one serves any number of sessions at once.
type assistants struct {
	o       Options
	catalog *catalog.Catalog
	mu      sync.Mutex
	m       map[assistantKey]*assistant.Assistant
}

type assistantKey struct {
	model    string
	noMemory bool
}

func newAssistants(o Options, c *catalog.Catalog) *assistants {
	return &assistants{o: o, catalog: c, m: map[assistantKey]*assistant.Assistant{}}
}

// get returns the assistant for model ("" is agent.default_model).
// Failures (an unknown model, an unreachable provider) are not cached.
func (a *assistants) get(ctx context.Context, model string, noMemory bool) (*assistant.Assistant, error) {
	if model == "" {
		model = a.o.Config.Agent.DefaultModel
	}
	key := assistantKey{model, noMemory}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.m == nil {
		return nil, errors.New("server: shutting down")
	}
	if as, ok := a.m[key]; ok {
		return as, nil
	}
	as, err := assistant.Open(ctx, assistant.Options{
		Config: a.o.Config, Paths: a.o.Paths, Model: model, NoMemory: noMemory,
		Log: a.o.Log, Getenv: a.o.Getenv, Secrets: a.o.Secrets, // no Approver: tools needing approval are refused
		Models: a.catalog, ClientRetries: true,
	})
	if err != nil {
		return nil, err
	}
	a.m[key] = as
	return as, nil
}

// Close closes every assistant; later gets fail.
func (a *assistants) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	var err error
	for _, as := range a.m {
		err = errors.Join(err, as.Close())
	}
	a.m = nil
	return err
}
