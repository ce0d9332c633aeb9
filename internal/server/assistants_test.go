package server

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/internal/assistant"
)

// countingOpen is an assistant factory that counts its builds per model;
// models named "bad…" fail, and a model in block waits for its channel.
type countingOpen struct {
	mu     sync.Mutex
	builds map[string]int
	block  map[string]chan struct{}
}

func (c *countingOpen) open(_ context.Context, model string, _ bool) (*assistant.Assistant, error) {
	c.mu.Lock()
	c.builds[model]++
	wait := c.block[model]
	c.mu.Unlock()
	if wait != nil {
		<-wait
	}
	if len(model) >= 3 && model[:3] == "bad" {
		return nil, errors.New("no such model")
	}
	return &assistant.Assistant{}, nil
}

func (c *countingOpen) count(model string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.builds[model]
}

func newCounting() (*countingOpen, *assistants) {
	c := &countingOpen{builds: map[string]int{}, block: map[string]chan struct{}{}}
	return c, newAssistants(Options{Assistants: c.open, DefaultModel: "default"})
}

// TestAssistantCacheIsBounded: any number of model names leaves at most
// assistantCacheSize assistants; the most recently used stay cached,
// older ones are built again, failures are never cached.
func TestAssistantCacheIsBounded(t *testing.T) {
	c, a := newCounting()
	ctx := context.Background()
	for i := range 1000 {
		if _, err := a.get(ctx, fmt.Sprintf("m%d", i), false); err != nil {
			t.Fatal(err)
		}
		if n := a.len(); n > assistantCacheSize {
			t.Fatalf("after %d models the cache holds %d", i+1, n)
		}
	}
	steps := []struct {
		name   string
		model  string
		builds int // builds of the model after the get
		err    bool
	}{
		{"a recent model is cached", "m999", 1, false},
		{"the oldest kept model is cached", fmt.Sprintf("m%d", 1000-assistantCacheSize), 1, false},
		{"an evicted model is built again", "m0", 2, false},
		{"a failure is not cached", "bad1", 1, true},
		{"nor on the second try", "bad1", 2, true},
		{"\"\" is the default model", "", 1, false},
	}
	for _, s := range steps {
		as, err := a.get(ctx, s.model, false)
		if (err != nil) != s.err || (err == nil && as == nil) {
			t.Fatalf("%s: %v %v", s.name, as, err)
		}
		model := s.model
		if model == "" {
			model = "default"
		}
		if got := c.count(model); got != s.builds {
			t.Fatalf("%s: %d builds of %s, want %d", s.name, got, model, s.builds)
		}
	}
	a.Close()
	if _, err := a.get(ctx, "m999", false); err == nil {
		t.Fatal("get after Close succeeded")
	}
}

// TestAssistantCacheNeverWaitsForABuild: while one model's assistant is
// being built (a provider that takes its time to answer /api/show), the
// chats of a cached model and the build of another go on.
func TestAssistantCacheNeverWaitsForABuild(t *testing.T) {
	c, a := newCounting()
	ctx := context.Background()
	if _, err := a.get(ctx, "cached", false); err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	c.block["slow"] = release
	slow := make(chan error, 1)
	go func() { _, err := a.get(ctx, "slow", false); slow <- err }()
	for c.count("slow") == 0 { // the build has started and waits
		time.Sleep(time.Millisecond)
	}
	done := make(chan error, 2)
	go func() { _, err := a.get(ctx, "cached", false); done <- err }()
	go func() { _, err := a.get(ctx, "other", false); done <- err }()
	for range 2 {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(30 * time.Second): // a guard against a hang, not a timing
			t.Fatal("a get waited for another model's build")
		}
	}
	close(release)
	if err := <-slow; err != nil {
		t.Fatal(err)
	}
}
