package openai

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
)

func TestEmbedConformance(t *testing.T) {
	llmtest.EmbedConformance(t, llmtest.NewOpenAI, "/v1/embeddings", "text-embedding-3-small", func(t *testing.T, s *llmtest.Server, retry llm.RetryPolicy) llm.Embedder {
		return New(Options{APIKey: "sk-test", BaseURL: s.URL + "/v1", HTTPClient: s.Client(), Retry: retry})
	})
}

// A model that takes no "dimensions" says so, and the request asked for
// floats (not every compatible server speaks base64).
func TestEmbedWire(t *testing.T) {
	s := llmtest.NewOpenAI(t)
	s.SetModels(llmtest.Model{Name: "text-embedding-ada-002", NoDimensions: true})
	retry, _ := llmtest.Retry(0)
	p := New(Options{APIKey: "sk-test", BaseURL: s.URL + "/v1", HTTPClient: s.Client(), Retry: retry})
	_, err := p.Embed(context.Background(), llm.EmbedRequest{Model: "text-embedding-ada-002", Input: []string{"tea"}, Dimensions: 256})
	var e *llm.Error
	if !errors.As(err, &e) || e.Status != http.StatusBadRequest || e.Message == "" {
		t.Fatalf("error = %v, want the server's 400", err)
	}
	if _, err := p.Embed(context.Background(), llm.EmbedRequest{Model: "text-embedding-ada-002", Input: []string{"tea"}}); err != nil {
		t.Fatal(err)
	}
	body := s.Last(t, "/v1/embeddings").JSON(t)
	if body["encoding_format"] != "float" || body["model"] != "text-embedding-ada-002" {
		t.Errorf("request %v, want encoding_format float and the model", body)
	}
	if _, ok := body["dimensions"]; ok {
		t.Error("dimensions sent when none was asked for")
	}
	if got := s.Last(t, "/v1/embeddings").Header.Get("Authorization"); got != "Bearer sk-test" {
		t.Errorf("Authorization = %q", got)
	}
}
