package server

import (
	"context"
	"errors"
	"sync"

	"github.com/localgpt-go/localgpt/internal/assistant"
)

// assistants keeps one assistant per model (and memory choice), built on
// first use and shared by every request: an agent keeps no conversation
// state, so one serves any number of sessions at once.
type assistants struct {
	o  Options
	mu sync.Mutex
	m  map[assistantKey]*assistant.Assistant
}

type assistantKey struct {
	model    string
	noMemory bool
}

func newAssistants(o Options) *assistants {
	return &assistants{o: o, m: map[assistantKey]*assistant.Assistant{}}
}

// get returns the assistant for model ("" is agent.default_model).
// Failures (an unknown model, an unreachable provider) are not cached.
func (a *assistants) get(ctx context.Context, model string, noMemory bool) (*assistant.Assistant, error) {
	if model == "" {
		model = a.o.DefaultModel
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
	as, err := a.o.Assistants(ctx, model, noMemory)
	if err != nil {
		return nil, err
	}
	a.m[key] = as
	return as, nil
}

// Close drops every assistant; later gets fail.
func (a *assistants) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.m = nil
	return nil
}
