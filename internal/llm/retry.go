package llm

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"
)

// RetryPolicy bounds the retries of rate-limited, overloaded and
// unreachable calls. Retries happen only before the first event reached
// the caller, so nothing is ever delivered twice.
type RetryPolicy struct {
	// MaxRetries is the number of retries after the first attempt.
	MaxRetries int
	// BaseDelay is the first backoff; each retry doubles it, up to MaxDelay,
	// and the actual wait is jittered between half and all of it.
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// MaxRetryAfter is the longest Retry-After honoured; a provider asking
	// for a longer wait gets its error returned at once instead.
	MaxRetryAfter time.Duration
	// Wait sleeps for d or until ctx is done; nil uses a timer. Tests
	// replace it to record the waits.
	Wait func(ctx context.Context, d time.Duration) error
	// OnRetry, when set, is told of each retry before its wait (for logs).
	OnRetry func(err error, retry int, wait time.Duration)
}

// DefaultRetryPolicy is what LocalGPT uses: 3 retries, backoff from 500ms
// to 10s, Retry-After honoured up to 30s.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxRetries: 3, BaseDelay: 500 * time.Millisecond, MaxDelay: 10 * time.Second, MaxRetryAfter: 30 * time.Second}
}

// For returns the policy for req: no retries when the caller retries
// the call itself (Request.NoRetry).
func (p RetryPolicy) For(req Request) RetryPolicy {
	if req.NoRetry {
		p.MaxRetries = 0
	}
	return p
}

// delay returns how long to wait before retry number n (0-based) after
// err, and false when err must not be retried.
func (p RetryPolicy) delay(err error, n int) (time.Duration, bool) {
	var e *Error
	if !errors.As(err, &e) || !e.Retryable() || n >= p.MaxRetries {
		return 0, false
	}
	if e.RetryAfter > 0 {
		if p.MaxRetryAfter > 0 && e.RetryAfter > p.MaxRetryAfter {
			return 0, false
		}
		return e.RetryAfter, true
	}
	d := p.BaseDelay
	for range n {
		d *= 2
		if p.MaxDelay > 0 && d >= p.MaxDelay {
			d = p.MaxDelay
			break
		}
	}
	if p.MaxDelay > 0 && d > p.MaxDelay {
		d = p.MaxDelay
	}
	if d > 1 {
		d = d/2 + rand.N(d/2+1)
	}
	return d, true
}

func (p RetryPolicy) wait(ctx context.Context, d time.Duration) error {
	if p.Wait != nil {
		return p.Wait(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Do calls fn until it succeeds, returns an error that must not be
// retried, or the retries are spent, waiting between attempts as Stream
// does. For calls that deliver nothing until they are done (embeddings).
func (p RetryPolicy) Do(ctx context.Context, fn func(context.Context) error) error {
	for n := 0; ; n++ {
		err := fn(ctx)
		if err == nil || ctx.Err() != nil {
			return err
		}
		wait, ok := p.delay(err, n)
		if !ok {
			return err
		}
		if p.OnRetry != nil {
			p.OnRetry(err, n+1, wait)
		}
		if werr := p.wait(ctx, wait); werr != nil {
			return err
		}
	}
}
