package anthropic

import (
	"context"
	"testing"

	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
)

func BenchmarkDecode(b *testing.B) {
	s := llmtest.NewAnthropic(b)
	retry, _ := llmtest.Retry(0)
	p := New(Options{APIKey: "sk-ant-bench", BaseURL: s.URL, HTTPClient: s.Client(), Retry: retry})
	llmtest.BenchDecode(b, s, p, "claude-sonnet-4-5")
}

// BenchmarkSDKOnly decodes the same stream with the bare SDK, so that the
// adapter's own share is BenchmarkDecode minus this.
func BenchmarkSDKOnly(b *testing.B) {
	s := llmtest.NewAnthropic(b)
	p := New(Options{APIKey: "sk-ant-bench", BaseURL: s.URL, HTTPClient: s.Client()})
	body := s.Render(llmtest.BenchReply(), "claude-sonnet-4-5")
	params, err := buildParams(llm.Request{Model: "claude-sonnet-4-5", Messages: []llm.Message{llm.UserText("write it")}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		s.Enqueue(llmtest.Reply{Raw: body})
		st := p.messages.NewStreaming(context.Background(), params)
		for st.Next() {
		}
		if err := st.Err(); err != nil {
			b.Fatal(err)
		}
	}
}
