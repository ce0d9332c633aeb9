package llm

import (
	"fmt"
	"strings"
)

// ProviderName names an LLM provider.
type ProviderName string

// The providers LocalGPT speaks to.
const (
	OpenAI    ProviderName = "openai"
	Anthropic ProviderName = "anthropic"
	Ollama    ProviderName = "ollama"
)

// Providers lists every provider, in the order commands report them.
func Providers() []ProviderName { return []ProviderName{Ollama, OpenAI, Anthropic} }

// Resolved is a model name resolved to its provider.
type Resolved struct {
	Provider ProviderName `json:"provider"`
	// Model is the name sent to the provider, without any prefix.
	Model string `json:"model"`
	// Explicit is true when the name carried a provider prefix.
	Explicit bool `json:"explicit"`
}

// String writes the resolved model as "provider/model".
func (r Resolved) String() string { return string(r.Provider) + "/" + r.Model }

// Resolve picks the provider of a model name: "openai/", "anthropic/" and
// "ollama/" prefixes win and are stripped; otherwise gpt-*, chatgpt-*, the
// reasoning families o1/o3/o4 and gpt-5* go to OpenAI, claude-* to
// Anthropic, and anything else to Ollama.
func Resolve(name string) (Resolved, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return Resolved{}, fmt.Errorf("no model named; set agent.default_model or pass --model")
	}
	if prefix, rest, ok := strings.Cut(name, "/"); ok {
		switch p := ProviderName(strings.ToLower(prefix)); p {
		case OpenAI, Anthropic, Ollama:
			if rest == "" {
				return Resolved{}, fmt.Errorf("model %q names the provider but no model; write it as %s/MODEL", name, p)
			}
			return Resolved{Provider: p, Model: rest, Explicit: true}, nil
		}
	}
	lower := strings.ToLower(name)
	switch {
	case strings.HasPrefix(lower, "claude-"):
		return Resolved{Provider: Anthropic, Model: name}, nil
	case strings.HasPrefix(lower, "gpt-"), strings.HasPrefix(lower, "chatgpt-"), IsReasoningModel(lower):
		return Resolved{Provider: OpenAI, Model: name}, nil
	}
	return Resolved{Provider: Ollama, Model: name}, nil
}

// IsReasoningModel reports whether an OpenAI model is one of the reasoning
// families (o1, o3, o4, gpt-5), which take max_completion_tokens and no
// temperature. gpt-5-chat models are ordinary chat models.
func IsReasoningModel(model string) bool {
	m := strings.ToLower(model)
	if i := strings.LastIndexByte(m, '/'); i >= 0 {
		m = m[i+1:]
	}
	for _, fam := range []string{"o1", "o3", "o4"} {
		if m == fam || strings.HasPrefix(m, fam+"-") {
			return true
		}
	}
	return strings.HasPrefix(m, "gpt-5") && !strings.Contains(m, "-chat")
}
