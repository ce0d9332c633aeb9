package llmtest

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/localgpt-go/localgpt/internal/llm"
)

// EmbedFactory builds the embedder under test against a fake server,
// with the given retry policy.
type EmbedFactory func(t *testing.T, s *Server, retry llm.RetryPolicy) llm.Embedder

// EmbedConformance runs what every embedder must do against the fake
// server newServer starts: vectors in the order of the inputs, the
// dimensions asked for, retries of 429 and 5xx, typed errors for a
// missing model, a refused key and an unreachable server, and a refusal of
// answers with the wrong number or size of vectors.
func EmbedConformance(t *testing.T, newServer func(testing.TB) *Server, path, model string, build EmbedFactory) {
	input := []string{"I prefer tea to coffee", "married Anna in 2019", "what do I drink in the morning"}
	kind := func(t *testing.T, err error, want llm.ErrorKind) {
		t.Helper()
		var e *llm.Error
		if !errors.As(err, &e) || e.Kind != want {
			t.Fatalf("error = %v, want *llm.Error of kind %s", err, want)
		}
		if e.Model != model || e.Error() == "" {
			t.Errorf("error %#v does not name the model", e)
		}
	}
	t.Run("vectors in input order", func(t *testing.T) {
		s := newServer(t)
		retry, _ := Retry(0)
		vecs, err := build(t, s, retry).Embed(context.Background(), llm.EmbedRequest{Model: model, Input: input})
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range vecs {
			if c := Cosine(v, Embedding(input[i], 0)); c < 0.9999 {
				t.Errorf("vector %d has cosine %.4f with the embedding of %q", i, c, input[i])
			}
		}
		if c := Cosine(vecs[0], vecs[2]); c < 0.5 {
			t.Errorf("tea and morning drink: cosine %.3f, want close", c)
		}
		if n := len(s.Calls(path)); n != 1 {
			t.Errorf("%d requests for one batch, want 1", n)
		}
	})
	t.Run("dimensions", func(t *testing.T) {
		s := newServer(t)
		retry, _ := Retry(0)
		vecs, err := build(t, s, retry).Embed(context.Background(), llm.EmbedRequest{Model: model, Input: input[:1], Dimensions: 8})
		if err != nil {
			t.Fatal(err)
		}
		if len(vecs[0]) != 8 {
			t.Errorf("%d dimensions, want 8", len(vecs[0]))
		}
		if got := s.Last(t, path).JSON(t)["dimensions"]; got != float64(8) {
			t.Errorf("dimensions sent = %v, want 8", got)
		}
	})
	t.Run("retries 429 and 5xx", func(t *testing.T) {
		s := newServer(t)
		var n atomic.Int32
		s.OnEmbed(func(Recorded) *Reply {
			switch n.Add(1) {
			case 1:
				return &Reply{Status: http.StatusTooManyRequests, Error: "slow down", RetryAfter: "2"}
			case 2:
				return &Reply{Status: http.StatusServiceUnavailable, Error: "loading"}
			}
			return nil
		})
		retry, waits := Retry(3)
		if _, err := build(t, s, retry).Embed(context.Background(), llm.EmbedRequest{Model: model, Input: input}); err != nil {
			t.Fatal(err)
		}
		if w := waits.All(); len(w) != 2 || w[0].Seconds() != 2 {
			t.Errorf("waits %v, want Retry-After 2s then a backoff", w)
		}
	})
	for _, tc := range []struct {
		name   string
		status int
		want   llm.ErrorKind
	}{
		{"model not found", http.StatusNotFound, llm.KindNotFound},
		{"refused key", http.StatusUnauthorized, llm.KindAuth},
		{"bad request", http.StatusBadRequest, llm.KindBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t)
			s.OnEmbed(func(Recorded) *Reply { return &Reply{Status: tc.status, Error: "model '" + model + "' not found"} })
			retry, _ := Retry(2)
			_, err := build(t, s, retry).Embed(context.Background(), llm.EmbedRequest{Model: model, Input: input})
			if tc.want == llm.KindBadRequest {
				var e *llm.Error
				if !errors.As(err, &e) || e.Status != http.StatusBadRequest {
					t.Fatalf("error = %v, want an HTTP 400 *llm.Error", err)
				}
				return
			}
			kind(t, err, tc.want)
			if n := len(s.Calls(path)); n != 1 {
				t.Errorf("%d requests, want no retry", n)
			}
		})
	}
	t.Run("unreachable", func(t *testing.T) {
		s := newServer(t)
		retry, _ := Retry(1)
		e := build(t, s, retry)
		s.Close()
		_, err := e.Embed(context.Background(), llm.EmbedRequest{Model: model, Input: input})
		kind(t, err, llm.KindUnreachable)
	})
	t.Run("wrong answers refused", func(t *testing.T) {
		for _, raw := range []string{
			`{"model":"m","embeddings":[[0.1,0.2]],"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,0.2]}]}`,
			`{"model":"m","embeddings":[[0.1,0.2],[0.3],[0.1,0.2]],"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,0.2]},{"object":"embedding","index":1,"embedding":[0.3]},{"object":"embedding","index":2,"embedding":[0.1,0.2]}]}`,
		} {
			s := newServer(t)
			s.OnEmbed(func(Recorded) *Reply { return &Reply{Raw: []byte(raw)} })
			retry, _ := Retry(0)
			_, err := build(t, s, retry).Embed(context.Background(), llm.EmbedRequest{Model: model, Input: input})
			kind(t, err, llm.KindStream)
		}
	})
}
