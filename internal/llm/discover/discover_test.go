package discover

import (
	"context"
	"slices"
	"testing"

	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
)

func TestFind(t *testing.T) {
	ol := llmtest.NewOllama(t)
	ol.SetModels(llmtest.Model{Name: "llama3.2"}, llmtest.Model{Name: "qwen3:8b"})
	lm := llmtest.NewOpenAI(t)
	lm.SetModels(llmtest.Model{Name: "qwen2.5-7b-instruct"})
	down := llmtest.NewOpenAI(t)
	down.Close()
	targets := []Target{
		{Name: "Ollama", Provider: llm.Ollama, URL: ol.URL},
		{Name: "LM Studio", Provider: llm.OpenAI, URL: lm.URL + "/v1"},
		{Name: "vLLM", Provider: llm.OpenAI, URL: down.URL + "/v1"},
	}
	env := map[string]string{"ANTHROPIC_API_KEY": "sk-ant-x"}
	found := Find(context.Background(), targets, func(k string) string { return env[k] }, nil)
	if len(found) != 4 {
		t.Fatalf("found %d, want 3 targets and 1 key: %+v", len(found), found)
	}
	if f := found[0]; f.Err != nil || !slices.Equal(f.Models, []string{"llama3.2:latest", "qwen3:8b"}) {
		t.Errorf("ollama: %+v", f)
	}
	if f := found[1]; f.Err != nil || !slices.Equal(f.Models, []string{"qwen2.5-7b-instruct"}) {
		t.Errorf("lm studio: %+v", f)
	}
	if f := found[2]; f.Err == nil {
		t.Errorf("a closed port answered: %+v", f)
	}
	if f := found[3]; f.Provider != llm.Anthropic || f.Env != "ANTHROPIC_API_KEY" || len(f.Models) == 0 {
		t.Errorf("key: %+v", f)
	}
	if n := len(Local("")); n != 5 || Local("")[0].URL != "http://localhost:11434" || Local("")[1].URL != "http://127.0.0.1:1234/v1" {
		t.Errorf("Local = %+v", Local(""))
	}
}

func TestProbe(t *testing.T) {
	ol := llmtest.NewOllama(t)
	ol.SetModels(llmtest.Model{Name: "llama3.2"})
	lm := llmtest.NewOpenAI(t)
	lm.SetModels(llmtest.Model{Name: "qwen"})
	cases := []struct {
		url      string
		provider llm.ProviderName
		want     string
	}{
		{ol.URL, llm.Ollama, ol.URL},
		{lm.URL + "/v1", llm.OpenAI, lm.URL + "/v1"},
		{lm.URL, llm.OpenAI, lm.URL + "/v1"}, // /v1 added
	}
	for _, tc := range cases {
		f := Probe(context.Background(), tc.url, nil)
		if f.Err != nil || f.Provider != tc.provider || f.URL != tc.want || len(f.Models) != 1 {
			t.Errorf("Probe(%s) = %+v", tc.url, f)
		}
	}
	lm.Close()
	if f := Probe(context.Background(), lm.URL, nil); f.Err == nil {
		t.Errorf("a closed server was found: %+v", f)
	}
}
