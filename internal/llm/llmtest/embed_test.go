package llmtest

import (
	"math"
	"testing"
)

func TestConceptEmbedding(t *testing.T) {
	cases := []struct {
		a, b     string
		min, max float64
	}{
		{"what do I drink in the morning", "I prefer tea to coffee", 0.5, 1},
		{"my partner's name", "married Anna in 2019", 0.5, 1},
		{"what do I drink in the morning", "married Anna in 2019", -0.01, 0.01},
		{"Deploy to Kubernetes", "the release ships to production", 0.99, 1.0001},
		{"cat", "postgres migration", -0.01, 0.01},
	}
	for _, tc := range cases {
		c := Cosine(Embedding(tc.a, 0), Embedding(tc.b, 0))
		if c < tc.min || c > tc.max {
			t.Errorf("cosine(%q, %q) = %.3f, want %.2f..%.2f", tc.a, tc.b, c, tc.min, tc.max)
		}
	}
	for _, dims := range []int{0, 8, 100} {
		v := Embedding("tea in the garden", dims)
		want := dims
		if dims == 0 {
			want = ConceptDims()
		}
		var ss float64
		for _, x := range v {
			ss += float64(x) * float64(x)
		}
		if len(v) != want || math.Abs(ss-1) > 1e-6 {
			t.Errorf("dims %d: %d dimensions of norm² %.6f, want %d of 1", dims, len(v), ss, want)
		}
	}
	for _, x := range Embedding("zzz qqq", 0) {
		if x != 0 {
			t.Fatal("a text of unknown words embeds as non-zero")
		}
	}
}
