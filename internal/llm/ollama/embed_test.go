package ollama

import (
	"testing"

	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
)

func TestEmbedConformance(t *testing.T) {
	llmtest.EmbedConformance(t, llmtest.NewOllama, "/api/embed", "nomic-embed-text", func(t *testing.T, s *llmtest.Server, retry llm.RetryPolicy) llm.Embedder {
		return newProvider(t, s, retry, "", 0)
	})
}
