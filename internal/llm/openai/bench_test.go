package openai

import (
	"context"
	"testing"

	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
)

func BenchmarkDecode(b *testing.B) {
	s := llmtest.NewOpenAI(b)
	retry, _ := llmtest.Retry(0)
	p := New(Options{APIKey: "sk-bench", BaseURL: s.URL + "/v1", HTTPClient: s.Client(), Retry: retry})
	llmtest.BenchDecode(b, s, p, "gpt-4o")
}

// BenchmarkSDKOnly decodes the same stream with the bare SDK, so that the
// adapter's own share is BenchmarkDecode minus this.
func BenchmarkSDKOnly(b *testing.B) {
	s := llmtest.NewOpenAI(b)
	p := New(Options{APIKey: "sk-bench", BaseURL: s.URL + "/v1", HTTPClient: s.Client()})
	body := s.Render(llmtest.BenchReply(), "gpt-4o")
	params, err := buildParams(llm.Request{Model: "gpt-4o", Messages: []llm.Message{llm.UserText("write it")}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		s.Enqueue(llmtest.Reply{Raw: body})
		st := p.chat.NewStreaming(context.Background(), params)
		for st.Next() {
		}
		if err := st.Err(); err != nil {
			b.Fatal(err)
		}
	}
}
