package keylock

import (
	"context"
	"errors"
	"sync"
	"testing"
)

// TestTable: a held lock excludes others on the same key only, a waiter
// gives up when its context ends, and released entries go away.
func TestTable(t *testing.T) {
	var l Table
	ctx := context.Background()
	unlockA, err := l.Lock(ctx, "/a")
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name    string
		key     string
		cancel  bool
		wantErr error
	}{
		{"another key is free", "/b", false, nil},
		{"the held key waits until cancelled", "/a", true, context.Canceled},
	}
	for _, s := range steps {
		c, cancel := context.WithCancel(ctx)
		if s.cancel {
			cancel()
		}
		unlock, err := l.Lock(c, s.key)
		cancel()
		if !errors.Is(err, s.wantErr) {
			t.Fatalf("%s: err = %v, want %v", s.name, err, s.wantErr)
		}
		if err == nil {
			unlock()
		}
	}
	unlockA()
	unlockA() // a second call is harmless
	again, err := l.Lock(ctx, "/a")
	if err != nil {
		t.Fatalf("relock after unlock: %v", err)
	}
	again()
	if n := l.Len(); n != 0 {
		t.Fatalf("%d entries left", n)
	}
	var nilLocks *Table
	if u, err := nilLocks.Lock(ctx, "/a"); err != nil {
		t.Fatal(err)
	} else {
		u()
	}
}

// TestTableExcludes: many goroutines incrementing a counter under one
// key never overlap (the race detector and the count both say so).
func TestTableExcludes(t *testing.T) {
	var l Table
	counts := map[string]*int{"a": new(int), "b": new(int)} // each key guards its own counter
	var wg sync.WaitGroup
	for i := range 200 {
		key := []string{"a", "b"}[i%2]
		wg.Go(func() {
			unlock, err := l.Lock(context.Background(), key)
			if err != nil {
				t.Error(err)
				return
			}
			defer unlock()
			*counts[key]++
		})
	}
	wg.Wait()
	if *counts["a"] != 100 || *counts["b"] != 100 || l.Len() != 0 {
		t.Fatalf("counts a=%d b=%d, %d entries left", *counts["a"], *counts["b"], l.Len())
	}
}
