package heartbeat

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// BenchmarkSkippedCycle is a whole cycle that calls no model: lock, state
// load, read + hash + parse HEARTBEAT.md, due check, atomic state save.
// The file holds 50 future tasks so parsing is not trivially cheap.
func BenchmarkSkippedCycle(b *testing.B) {
	e := newEnvB(b)
	var sb strings.Builder
	sb.WriteString("# Heartbeat\n\n## Pending\n\n")
	for i := range 50 {
		fmt.Fprintf(&sb, "### Task %d\n- Due: 2027-01-%02d 09:00\n- Priority: normal\n- Description: something to do later.\n\n", i, i%28+1)
	}
	sb.WriteString("## Completed\n")
	e.writeHeartbeat(b, sb.String())
	r := e.runner(b)
	ctx := context.Background()
	if _, err := r.Cycle(ctx); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		res, err := r.Cycle(ctx)
		if err != nil || !res.Skipped {
			b.Fatalf("%+v %v", res, err)
		}
	}
	b.StopTimer()
	if n := len(e.srv.Requests()); n != 0 {
		b.Fatalf("%d provider requests", n)
	}
}

// BenchmarkParse parses a HEARTBEAT.md of 50 tasks.
func BenchmarkParse(b *testing.B) {
	var sb strings.Builder
	for i := range 50 {
		fmt.Fprintf(&sb, "### Task %d\n- Due: 2027-01-%02d 09:00\n- Recurring: daily at 08:30\n- Description: x\n\n", i, i%28+1)
	}
	src := sb.String()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		Parse(src, nil)
	}
}
