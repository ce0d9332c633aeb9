package llm

import "testing"

func TestResolve(t *testing.T) {
	cases := []struct {
		in      string
		want    Resolved
		wantErr bool
	}{
		{"gpt-4o", Resolved{OpenAI, "gpt-4o", false}, false},
		{"chatgpt-4o-latest", Resolved{OpenAI, "chatgpt-4o-latest", false}, false},
		{"o1-mini", Resolved{OpenAI, "o1-mini", false}, false},
		{"o3", Resolved{OpenAI, "o3", false}, false},
		{"o4-mini", Resolved{OpenAI, "o4-mini", false}, false},
		{"gpt-5-mini", Resolved{OpenAI, "gpt-5-mini", false}, false},
		{"claude-sonnet-4-5", Resolved{Anthropic, "claude-sonnet-4-5", false}, false},
		{"llama3.2", Resolved{Ollama, "llama3.2", false}, false},
		{"o1pro-local", Resolved{Ollama, "o1pro-local", false}, false},
		{"qwen3:8b", Resolved{Ollama, "qwen3:8b", false}, false},
		{"hf.co/bartowski/Llama-3.2-1B-GGUF", Resolved{Ollama, "hf.co/bartowski/Llama-3.2-1B-GGUF", false}, false},
		{"openai/qwen2.5-coder", Resolved{OpenAI, "qwen2.5-coder", true}, false},
		{"anthropic/glm-4.6", Resolved{Anthropic, "glm-4.6", true}, false},
		{"ollama/gpt-oss:20b", Resolved{Ollama, "gpt-oss:20b", true}, false},
		{"OpenAI/gpt-4o", Resolved{OpenAI, "gpt-4o", true}, false},
		{"openai/", Resolved{}, true},
		{"  ", Resolved{}, true},
	}
	for _, tc := range cases {
		got, err := Resolve(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("Resolve(%q) = %+v, %v; want %+v, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestIsReasoningModel(t *testing.T) {
	cases := map[string]bool{
		"o1": true, "o1-mini": true, "o3-mini": true, "o4-mini-high": true, "gpt-5": true, "gpt-5-nano": true,
		"gpt-5-chat-latest": false, "gpt-4o": false, "o10": false, "openai/o3": true, "llama3.2": false,
	}
	for m, want := range cases {
		if got := IsReasoningModel(m); got != want {
			t.Errorf("IsReasoningModel(%q) = %v, want %v", m, got, want)
		}
	}
}
