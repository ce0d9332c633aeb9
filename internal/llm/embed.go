package llm

import (
	"context"
	"fmt"
)

// Embedder computes embeddings: one vector per input text, in order. The
// Ollama adapter serves it from /api/embed, the OpenAI adapter from
// /v1/embeddings (OpenAI, LM Studio, llama.cpp, vLLM). Errors are *Error,
// as for chat calls.
type Embedder interface {
	Embed(ctx context.Context, req EmbedRequest) ([][]float32, error)
}

// EmbedRequest asks for the embeddings of Input.
type EmbedRequest struct {
	Model string
	Input []string
	// Dimensions asks for shorter vectors; 0 means the model's own size.
	// OpenAI's text-embedding-3 models take it, other OpenAI-compatible
	// models may refuse it; Ollama truncates any model's vector to it.
	Dimensions int
}

// CheckEmbeddings checks what a provider answered to req: one vector per
// input, all of one size and none empty. It returns that size.
func CheckEmbeddings(provider ProviderName, req EmbedRequest, vecs [][]float32) (int, error) {
	bad := func(msg string, args ...any) error {
		return &Error{Kind: KindStream, Provider: provider, Model: req.Model, Message: fmt.Sprintf(msg, args...)}
	}
	if len(vecs) != len(req.Input) {
		return 0, bad("asked for %d embeddings, got %d", len(req.Input), len(vecs))
	}
	dims := 0
	for i, v := range vecs {
		switch {
		case len(v) == 0:
			return 0, bad("embedding %d is empty", i)
		case i == 0:
			dims = len(v)
		case len(v) != dims:
			return 0, bad("embeddings of different sizes (%d and %d)", dims, len(v))
		}
	}
	return dims, nil
}
