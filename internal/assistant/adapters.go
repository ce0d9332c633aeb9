package assistant

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/memory"
	"github.com/localgpt-go/localgpt/internal/secret"
	"github.com/localgpt-go/localgpt/internal/skills"
	"github.com/localgpt-go/localgpt/internal/tools"
)

// agentTools lets the agent use the tool registry.
type agentTools struct{ r *tools.Registry }

func (t agentTools) Specs(ctx context.Context) []llm.Tool {
	specs := t.r.Specs(ctx)
	out := make([]llm.Tool, len(specs))
	for i, s := range specs {
		out[i] = llm.Tool{Name: s.Name, Description: s.Description, Parameters: s.Parameters}
	}
	return out
}

func (t agentTools) Call(ctx context.Context, name string, args json.RawMessage) (string, bool) {
	res := t.r.Call(ctx, name, args)
	return res.Content, res.IsError
}

// freshMemory is the memory store as tools see it: before the first search
// of an assistant's life it brings the index up to date with the markdown
// (Store.Refresh: a stat per folder when nothing changed) and, with
// embeddings on, embeds the chunks that wait when they fit in one request
// (Store.CatchUp), so a note edited a minute ago is found, by meaning too.
// Later searches rely on the daemon's watcher and embedder, or the next
// assistant.
type freshMemory struct {
	*memory.Store
	once    sync.Once
	log     *slog.Logger
	secrets *secret.Masker
}

// Context implements agent.Memory: the memory put in the system prompt,
// with the secrets masked as in any tool result.
func (m *freshMemory) Context(now time.Time, budgetTokens int) (string, error) {
	s, err := m.Store.Context(now, budgetTokens)
	return m.secrets.Mask(s), err
}

// Find implements tools.Memory.
func (m *freshMemory) Find(ctx context.Context, query string, o memory.FindOptions) (memory.Found, error) {
	m.once.Do(func() {
		if _, err := m.Refresh(ctx); err != nil {
			m.log.Warn("memory index not refreshed before search", "err", err)
		}
		if _, err := m.CatchUp(ctx); err != nil {
			m.log.Warn("memory: waiting chunks not embedded before search", "err", err)
		}
	})
	return m.Store.Find(ctx, query, o)
}

// Close does nothing: the store belongs to the Root, and closing it here
// would break every other assistant of the process.
func (m *freshMemory) Close() error { return nil }

// skillIndex lists the skills in the system prompt, scanning the skill
// folders at every turn (a stat per skill when nothing changed). Problems
// are logged once each, not at every turn.
type skillIndex struct {
	c   *skills.Catalog
	log *slog.Logger

	mu     sync.Mutex
	warned map[string]bool
}

// Index implements agent.Skills.
func (s *skillIndex) Index() string {
	set, warnings := s.c.Load()
	s.mu.Lock()
	if s.warned == nil {
		s.warned = map[string]bool{}
	}
	for _, w := range warnings {
		if !s.warned[w.String()] {
			s.warned[w.String()] = true
			s.log.Warn("skill not loaded as it is", "problem", w.String())
		}
	}
	s.mu.Unlock()
	return set.Index(0)
}
