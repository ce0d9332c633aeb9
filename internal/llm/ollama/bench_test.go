package ollama

import (
	"context"
	"testing"

	"github.com/ollama/ollama/api"

	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
)

func BenchmarkDecode(b *testing.B) {
	s := llmtest.NewOllama(b)
	s.SetModels(llmtest.Model{Name: "llama3.2", ContextLength: 131072})
	retry, _ := llmtest.Retry(0)
	p, err := New(Options{Endpoint: s.URL, HTTPClient: s.Client(), Retry: retry})
	if err != nil {
		b.Fatal(err)
	}
	llmtest.BenchDecode(b, s, p, "llama3.2")
}

// BenchmarkSDKOnly decodes the same stream with the bare client, so that
// the adapter's own share is BenchmarkDecode minus this.
func BenchmarkSDKOnly(b *testing.B) {
	s := llmtest.NewOllama(b)
	p, err := New(Options{Endpoint: s.URL, HTTPClient: s.Client()})
	if err != nil {
		b.Fatal(err)
	}
	body := s.Render(llmtest.BenchReply(), "llama3.2")
	req, err := p.buildRequest(llm.Request{Model: "llama3.2", Messages: []llm.Message{llm.UserText("write it")}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		s.Enqueue(llmtest.Reply{Raw: body})
		if err := p.client.Chat(context.Background(), req, func(api.ChatResponse) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}
