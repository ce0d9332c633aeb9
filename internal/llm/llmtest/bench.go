package llmtest

import (
	"context"
	"runtime"
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/internal/llm"
)

// BenchReply is the response BenchDecode streams: 1000 text deltas of 4
// bytes and one tool call whose arguments arrive in 100 pieces.
func BenchReply() Reply {
	return Reply{
		Text:      strings.Repeat("word", 1000),
		ToolCalls: []Call{{ID: "call_1", Name: "write_file", Args: `{"path":"notes/today.md","content":"` + strings.Repeat("x", 388) + `"}`}},
		Usage:     Usage{Prompt: 1200, Completion: 1100},
		ChunkSize: 4,
	}
}

// BenchDecode measures a provider decoding a long streamed response from
// s over loopback HTTP, and reports the cost per delivered event
// (ns/event, allocs/event, including the fake server's share) beside the
// usual per-response figures.
func BenchDecode(b *testing.B, s *Server, p llm.Provider, model string) {
	body := s.Render(BenchReply(), model)
	req := llm.Request{Model: model, Messages: []llm.Message{llm.UserText("write it")},
		Tools: []llm.Tool{{Name: "write_file", Parameters: []byte(`{"type":"object","properties":{"path":{"type":"string"},"content":{"type":"string"}}}`)}}}
	ctx := context.Background()
	run := func() int {
		s.Enqueue(Reply{Raw: body})
		st, err := p.Stream(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for st.Next() {
			n++
		}
		if err := st.Err(); err != nil {
			b.Fatal(err)
		}
		return n
	}
	events := run() // warm up: connection, and Ollama's cached /api/show
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		run()
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	total := float64(b.N) * float64(events)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/total, "ns/event")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/total, "allocs/event")
	b.ReportMetric(float64(events), "events/response")
}
