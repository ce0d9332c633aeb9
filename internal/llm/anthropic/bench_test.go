package anthropic

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/packages/ssestream"

	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
)

func BenchmarkDecode(b *testing.B) {
	s := llmtest.NewAnthropic(b)
	retry, _ := llmtest.Retry(0)
	p := New(Options{APIKey: "sk-ant-bench", BaseURL: s.URL, HTTPClient: s.Client(), Retry: retry})
	llmtest.BenchDecode(b, s, p, "claude-sonnet-4-5")
}

// BenchmarkSDKOnly reads the same stream with only the request and the
// SDK's event decoder, so that the adapter's own share is BenchmarkDecode
// minus this.
func BenchmarkSDKOnly(b *testing.B) {
	s := llmtest.NewAnthropic(b)
	p := New(Options{APIKey: "sk-ant-bench", BaseURL: s.URL, HTTPClient: s.Client()})
	body := s.Render(llmtest.BenchReply(), "claude-sonnet-4-5")
	params, err := buildParams(llm.Request{Model: "claude-sonnet-4-5", Messages: []llm.Message{llm.UserText("write it")}})
	if err != nil {
		b.Fatal(err)
	}
	params.Stream = true
	data, err := json.Marshal(params)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		s.Enqueue(llmtest.Reply{Raw: body})
		res, err := p.do(context.Background(), http.MethodPost, "v1/messages", nil, data)
		if err != nil {
			b.Fatal(err)
		}
		st := ssestream.NewStream[streamEvent](ssestream.NewDecoder(res), nil)
		for st.Next() {
		}
		if err := st.Err(); err != nil {
			b.Fatal(err)
		}
		_ = st.Close()
	}
}
