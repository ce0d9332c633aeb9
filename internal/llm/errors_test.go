package llm

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	cases := []struct {
		status int
		msg    string
		want   ErrorKind
	}{
		{401, "invalid x-api-key", KindAuth},
		{403, "forbidden", KindAuth},
		{429, "slow down", KindRateLimit},
		{500, "oops", KindOverloaded},
		{529, "Overloaded", KindOverloaded},
		{404, "model 'x' not found", KindNotFound},
		{400, "This model's maximum context length is 8192 tokens", KindContextOverflow},
		{400, "prompt is too long: 210000 tokens > 200000 maximum", KindContextOverflow},
		{500, "the input length exceeds the context length", KindContextOverflow},
		{413, "request too large", KindContextOverflow},
		{400, "messages: field required", KindBadRequest},
	}
	for _, tc := range cases {
		if got := ClassifyStatus(tc.status, tc.msg, overflowPatterns); got != tc.want {
			t.Errorf("ClassifyStatus(%d, %q) = %s, want %s", tc.status, tc.msg, got, tc.want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		h    http.Header
		want time.Duration
	}{
		{http.Header{"Retry-After": {"3"}}, 3 * time.Second},
		{http.Header{"Retry-After": {"0.5"}}, 500 * time.Millisecond},
		{http.Header{"Retry-After-Ms": {"250"}, "Retry-After": {"1"}}, 250 * time.Millisecond},
		{http.Header{"Retry-After": {now.Add(7 * time.Second).Format(http.TimeFormat)}}, 7 * time.Second},
		{http.Header{"Retry-After": {"soon"}}, 0},
		{http.Header{"Retry-After": {"-4"}}, 0},
		{nil, 0},
	}
	for _, tc := range cases {
		if got := RetryAfter(tc.h, now); got != tc.want {
			t.Errorf("RetryAfter(%v) = %v, want %v", tc.h, got, tc.want)
		}
	}
}

func TestRetryDelay(t *testing.T) {
	p := RetryPolicy{MaxRetries: 3, BaseDelay: 100 * time.Millisecond, MaxDelay: 300 * time.Millisecond, MaxRetryAfter: 5 * time.Second}
	rl := func(after time.Duration) error { return &Error{Kind: KindRateLimit, RetryAfter: after} }
	cases := []struct {
		name     string
		err      error
		n        int
		ok       bool
		min, max time.Duration
	}{
		{"first backoff jittered", &Error{Kind: KindOverloaded}, 0, true, 50 * time.Millisecond, 100 * time.Millisecond},
		{"doubles", &Error{Kind: KindUnreachable}, 1, true, 100 * time.Millisecond, 200 * time.Millisecond},
		{"capped", &Error{Kind: KindOverloaded}, 2, true, 150 * time.Millisecond, 300 * time.Millisecond},
		{"retries exhausted", &Error{Kind: KindOverloaded}, 3, false, 0, 0},
		{"retry-after honoured", rl(2 * time.Second), 0, true, 2 * time.Second, 2 * time.Second},
		{"retry-after beyond the cap", rl(time.Minute), 0, false, 0, 0},
		{"auth is not retried", &Error{Kind: KindAuth}, 0, false, 0, 0},
		{"plain errors are not retried", errors.New("x"), 0, false, 0, 0},
	}
	for _, tc := range cases {
		d, ok := p.delay(tc.err, tc.n)
		if ok != tc.ok || d < tc.min || d > tc.max {
			t.Errorf("%s: delay = %v, %v; want %v in [%v, %v]", tc.name, d, ok, tc.ok, tc.min, tc.max)
		}
	}
}

func TestRetryWaitCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := DefaultRetryPolicy().wait(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("wait = %v, want context.Canceled", err)
	}
}

func TestErrorMessage(t *testing.T) {
	e := &Error{Kind: KindUnreachable, Provider: Ollama, Model: "llama3.2", Message: "connection refused",
		Hint: "Ollama is not running at http://localhost:11434; start it with `ollama serve`"}
	for _, want := range []string{"ollama", "llama3.2", "cannot reach", "ollama serve"} {
		if !strings.Contains(e.Error(), want) {
			t.Errorf("%q lacks %q", e.Error(), want)
		}
	}
	if !IsContextOverflow(&Error{Kind: KindContextOverflow}) || IsContextOverflow(e) {
		t.Error("IsContextOverflow wrong")
	}
}
