package server

import (
	"context"
	"sync"
)

// sessionLocks serialises the requests that touch one session (turns,
// deletion) while different sessions proceed in parallel. Entries exist
// only while someone holds or waits for them.
type sessionLocks struct {
	mu sync.Mutex
	m  map[string]*sessionLock
}

type sessionLock struct {
	ch   chan struct{} // holds a token while locked
	refs int
}

func newSessionLocks() *sessionLocks { return &sessionLocks{m: map[string]*sessionLock{}} }

// lock waits for session id until ctx is done; the returned func unlocks.
func (l *sessionLocks) lock(ctx context.Context, id string) (func(), error) {
	l.mu.Lock()
	e := l.m[id]
	if e == nil {
		e = &sessionLock{ch: make(chan struct{}, 1)}
		l.m[id] = e
	}
	e.refs++
	l.mu.Unlock()
	release := func() {
		l.mu.Lock()
		if e.refs--; e.refs == 0 {
			delete(l.m, id)
		}
		l.mu.Unlock()
	}
	select {
	case e.ch <- struct{}{}:
		return func() { <-e.ch; release() }, nil
	case <-ctx.Done():
		release()
		return nil, ctx.Err()
	}
}
