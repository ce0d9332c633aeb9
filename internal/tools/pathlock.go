package tools

import (
	"context"
	"sync"
)

// PathLocks serialises the tool calls that rewrite one file. The agent
// runs the tool calls of one model reply at once, and edit_file reads,
// changes and rewrites a whole file: without a lock, two edits of the same
// file read the same old content and the later write erases the earlier
// edit while both report success. Locks are keyed by the resolved real
// path, so two names for one file (a symbolic link, "./a" and "a") share
// a lock. The zero value is ready to use; a lock that nobody holds or
// waits for takes no memory.
type PathLocks struct {
	mu   sync.Mutex
	held map[string]*pathLock
}

// processLocks is the lock table of every registry built without one of
// its own. Files are shared by the whole process, so their locks are too:
// in the daemon, the HTTP server's assistants (one per model) and the
// heartbeat build separate registries, and must still not interleave
// their edits of one file. It is the one deliberate piece of package
// state here: a lock table, not configuration.
var processLocks PathLocks

// pathLock is one file's lock: a one-slot channel, so that waiting for it
// can give up when the call's context is cancelled.
type pathLock struct {
	ch   chan struct{}
	refs int // holders and waiters; the entry goes when it drops to 0
}

// Lock waits until no other call holds path's lock, or ctx is done, and
// returns the function that releases it. A nil *PathLocks does not lock.
func (l *PathLocks) Lock(ctx context.Context, path string) (unlock func(), err error) {
	if l == nil {
		return func() {}, nil
	}
	l.mu.Lock()
	if l.held == nil {
		l.held = make(map[string]*pathLock)
	}
	pl := l.held[path]
	if pl == nil {
		pl = &pathLock{ch: make(chan struct{}, 1)}
		l.held[path] = pl
	}
	pl.refs++
	l.mu.Unlock()
	select {
	case pl.ch <- struct{}{}:
	case <-ctx.Done():
		l.release(path, pl)
		return nil, ctx.Err()
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			<-pl.ch
			l.release(path, pl)
		})
	}, nil
}

// release drops one reference to path's lock.
func (l *PathLocks) release(path string, pl *pathLock) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if pl.refs--; pl.refs == 0 {
		delete(l.held, path)
	}
}

// size reports how many paths have a lock entry, for tests.
func (l *PathLocks) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.held)
}
