package server

import (
	"container/list"
	"context"
	"errors"
	"sync"

	"github.com/localgpt-go/localgpt/internal/assistant"
)

// assistantCacheSize is how many assistants the server keeps: a few
// models in use at once. Clients name the model of every request, so
// the cache must stay bounded whatever names they send.
const assistantCacheSize = 8

// assistants keeps the assistants of the models used most recently (and
// their memory choice), built on first use and shared by every request:
// an agent keeps no conversation state, so one serves any number of
// sessions at once. Only assistants that built are kept (a name that
// resolves to no model is never cached), and the lock is never held
// while one builds, which may ask a provider (Ollama's /api/show), so a
// slow or unreachable provider never stalls the chats of other models.
// An assistant holds nothing of its own to release (the memory store
// and the locks are the composition root's), so one that falls out of
// the cache is simply dropped; requests still using it finish with it.
type assistants struct {
	open func(ctx context.Context, model string, noMemory bool) (*assistant.Assistant, error)
	def  string // the model of requests that name none

	mu     sync.Mutex
	lru    *list.List // of *cached, most recently used first
	byKey  map[assistantKey]*list.Element
	closed bool
}

type assistantKey struct {
	model    string
	noMemory bool
}

type cached struct {
	key assistantKey
	as  *assistant.Assistant
}

func newAssistants(o Options) *assistants {
	return &assistants{open: o.Assistants, def: o.DefaultModel, lru: list.New(), byKey: map[assistantKey]*list.Element{}}
}

// get returns the assistant for model ("" is the default model).
// Failures (an unknown model, an unreachable provider) are not cached.
func (a *assistants) get(ctx context.Context, model string, noMemory bool) (*assistant.Assistant, error) {
	if model == "" {
		model = a.def
	}
	key := assistantKey{model, noMemory}
	if as, err := a.lookup(key); as != nil || err != nil {
		return as, err
	}
	as, err := a.open(ctx, model, noMemory) // without the lock: this may call the provider
	if err != nil {
		return nil, err
	}
	return a.add(key, as)
}

// lookup returns the cached assistant of key, marking it recently used.
func (a *assistants) lookup(key assistantKey) (*assistant.Assistant, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return nil, errors.New("server: shutting down")
	}
	if e, ok := a.byKey[key]; ok {
		a.lru.MoveToFront(e)
		return e.Value.(*cached).as, nil
	}
	return nil, nil
}

// add caches as under key, unless a request that built the same one at
// the same time got there first (then its assistant is used), and drops
// the least recently used beyond assistantCacheSize.
func (a *assistants) add(key assistantKey, as *assistant.Assistant) (*assistant.Assistant, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return nil, errors.New("server: shutting down")
	}
	if e, ok := a.byKey[key]; ok {
		a.lru.MoveToFront(e)
		return e.Value.(*cached).as, nil
	}
	a.byKey[key] = a.lru.PushFront(&cached{key: key, as: as})
	for a.lru.Len() > assistantCacheSize {
		old := a.lru.Remove(a.lru.Back()).(*cached)
		delete(a.byKey, old.key)
	}
	return as, nil
}

// len reports how many assistants are cached.
func (a *assistants) len() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.lru.Len()
}

// Close drops every assistant; later gets fail.
func (a *assistants) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.closed = true
	a.lru.Init()
	clear(a.byKey)
	return nil
}
