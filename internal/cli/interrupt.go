package cli

import (
	"context"
	"os"
	"sync"
)

type interruptKey struct{}

// WithInterrupts returns ctx carrying the channel on which the process
// receives SIGINT and SIGTERM. Run then decides what an interrupt means:
// by default it cancels the command, but a command may claim interrupts
// for itself (chat uses Ctrl-C to cancel only the running turn). Tests
// send on the channel to press Ctrl-C.
func WithInterrupts(ctx context.Context, sigs <-chan os.Signal) context.Context {
	return context.WithValue(ctx, interruptKey{}, sigs)
}

// interrupts routes signals to the current handler, or cancels the command.
type interrupts struct {
	mu      sync.Mutex
	handler func(os.Signal) bool // reports whether it handled the signal
}

// watch delivers signals until ctx is done; an unhandled one calls cancel.
func (in *interrupts) watch(ctx context.Context, cancel context.CancelFunc) {
	sigs, _ := ctx.Value(interruptKey{}).(<-chan os.Signal)
	if sigs == nil {
		return
	}
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case s := <-sigs:
				in.mu.Lock()
				h := in.handler
				in.mu.Unlock()
				if h == nil || !h(s) {
					cancel()
				}
			}
		}
	}()
}

// claim makes h receive interrupts until the returned function is called.
func (in *interrupts) claim(h func(os.Signal) bool) (release func()) {
	in.mu.Lock()
	in.handler = h
	in.mu.Unlock()
	return func() {
		in.mu.Lock()
		in.handler = nil
		in.mu.Unlock()
	}
}

type signalNotifyKey struct{}

// SignalNotify subscribes to a signal: it returns a channel receiving it
// and a function that ends the subscription.
type SignalNotify func(sig os.Signal) (<-chan os.Signal, func())

// WithSignalNotify returns ctx carrying how a command may subscribe to
// signals other than SIGINT and SIGTERM (`daemon run` reloads on SIGHUP).
// Only commands that subscribe change how such a signal is handled.
func WithSignalNotify(ctx context.Context, notify SignalNotify) context.Context {
	return context.WithValue(ctx, signalNotifyKey{}, notify)
}

// subscribe subscribes to sig through ctx; nil channel if ctx cannot.
func subscribe(ctx context.Context, sig os.Signal) (<-chan os.Signal, func()) {
	if n, ok := ctx.Value(signalNotifyKey{}).(SignalNotify); ok && n != nil {
		return n(sig)
	}
	return nil, func() {}
}
