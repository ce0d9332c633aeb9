package fuzzy

import (
	"slices"
	"testing"
)

func TestDistance(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"", "abc", 3}, {"kitten", "sitting", 3}, {"gpt-4o", "gpt-4o", 0}, {"gpt4o", "gpt-4o", 1},
	}
	for _, tc := range cases {
		if got := Distance(tc.a, tc.b); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestNearest(t *testing.T) {
	models := []string{"llama3.2:latest", "qwen3:8b", "openai/gpt-4o-mini", "fake-small", "fake-large", "claude-sonnet-4-5"}
	cases := []struct {
		name  string
		limit int
		want  []string
	}{
		{"fake-smal", 3, []string{"fake-small"}},
		{"fake-larg", 3, []string{"fake-large"}},
		{"FAKE-SMALL", 3, nil}, // the same name in another case is no suggestion
		{"llama3.2", 3, []string{"llama3.2:latest"}},
		{"gpt-4o-mini", 3, []string{"openai/gpt-4o-mini"}},
		{"qwen3:8", 1, []string{"qwen3:8b"}},
		{"mistral", 3, nil},
		{"", 3, nil},
		{"fake-smal", 0, nil},
	}
	for _, tc := range cases {
		got := Nearest(tc.name, models, tc.limit)
		if !slices.Equal(got, tc.want) && (len(got) != 0 || len(tc.want) != 0) {
			t.Errorf("Nearest(%q, %d) = %q, want %q", tc.name, tc.limit, got, tc.want)
		}
	}
}

func FuzzNearest(f *testing.F) {
	f.Add("fake-smal", "fake-small")
	f.Add("", "x")
	f.Add("ü", "üü")
	f.Fuzz(func(t *testing.T, name, candidate string) {
		got := Nearest(name, []string{candidate, candidate + "x"}, 2)
		if len(got) > 2 {
			t.Fatalf("limit exceeded: %q", got)
		}
		if d := Distance(name, candidate); d < 0 || d > max(len(name), len(candidate)) {
			t.Fatalf("Distance(%q, %q) = %d out of range", name, candidate, d)
		}
	})
}
