// Package keylock holds LocalGPT's locks, each keyed by a name: a Table
// keys locks by any string (a file's real path, a session ID) for the
// goroutines of one process, and the file locks key them by a file, so
// that other processes are excluded too (the daemon's lock, heartbeat
// cycles, appends to a log, an open session). The composition root makes
// one Table per process and passes it down; nothing here is global.
package keylock

import (
	"context"
	"sync"
)

// Table is a set of in-process locks keyed by string. Waiting for a key
// gives up when the caller's context ends, so a cancelled request or tool
// call never hangs on a lock. The zero value is ready to use; a key that
// nobody holds or waits for takes no memory. A nil *Table does not lock
// (for a caller that knows it is alone).
type Table struct {
	mu   sync.Mutex
	held map[string]*entry
}

// entry is one key's lock: a one-slot channel, so that waiting for it can
// give up when the context is done.
type entry struct {
	ch   chan struct{}
	refs int // holders and waiters; the entry goes when it drops to 0
}

// Lock waits until nobody else holds key, or ctx is done, and returns the
// function that releases the lock. Calling unlock more than once is
// harmless.
func (t *Table) Lock(ctx context.Context, key string) (unlock func(), err error) {
	if t == nil {
		return func() {}, nil
	}
	t.mu.Lock()
	if t.held == nil {
		t.held = make(map[string]*entry)
	}
	e := t.held[key]
	if e == nil {
		e = &entry{ch: make(chan struct{}, 1)}
		t.held[key] = e
	}
	e.refs++
	t.mu.Unlock()
	select {
	case e.ch <- struct{}{}:
	case <-ctx.Done():
		t.release(key, e)
		return nil, ctx.Err()
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			<-e.ch
			t.release(key, e)
		})
	}, nil
}

// release drops one reference to key's entry.
func (t *Table) release(key string, e *entry) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e.refs--; e.refs == 0 {
		delete(t.held, key)
	}
}

// Len reports how many keys are held or waited for: 0 once every lock
// was released, which tests use to prove no entry leaks.
func (t *Table) Len() int {
	if t == nil {
		return 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.held)
}
