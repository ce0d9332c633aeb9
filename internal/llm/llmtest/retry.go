package llmtest

import (
	"context"
	"sync"
	"time"

	"github.com/localgpt-go/localgpt/internal/llm"
)

// Waits records the backoff waits a retry policy asked for.
type Waits struct {
	mu sync.Mutex
	d  []time.Duration
}

// All returns the recorded waits in order.
func (w *Waits) All() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Duration(nil), w.d...)
}

// Retry returns the default retry policy with maxRetries retries whose
// waits are recorded in the returned Waits and not slept, so tests of
// retries are instant and can assert that Retry-After was honoured.
func Retry(maxRetries int) (llm.RetryPolicy, *Waits) {
	w := &Waits{}
	p := llm.DefaultRetryPolicy()
	p.MaxRetries = maxRetries
	p.Wait = func(ctx context.Context, d time.Duration) error {
		w.mu.Lock()
		w.d = append(w.d, d)
		w.mu.Unlock()
		return ctx.Err()
	}
	return p, w
}
