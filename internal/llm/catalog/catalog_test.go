package catalog

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
	"github.com/localgpt-go/localgpt/internal/llm/provider"
)

// world is a configuration over fake providers: Ollama, an
// OpenAI-compatible server, and optionally Anthropic.
type world struct {
	cfg                       *config.Config
	ollama, openai, anthropic *llmtest.Server
}

func newWorld(t testing.TB, withOpenAI, withAnthropic bool) *world {
	t.Helper()
	w := &world{cfg: config.Default(), ollama: llmtest.NewOllama(t), openai: llmtest.NewOpenAI(t), anthropic: llmtest.NewAnthropic(t)}
	w.ollama.SetModels(llmtest.Model{Name: "llama3.2"}, llmtest.Model{Name: "qwen3:8b"}, llmtest.Model{Name: "gpt-oss:20b"})
	w.openai.SetModels(llmtest.Model{Name: "fake-small"}, llmtest.Model{Name: "llama3.2"}, llmtest.Model{Name: "gpt-4o"}, llmtest.Model{Name: "openai/gpt-oss-120b"})
	w.anthropic.SetModels(llmtest.Model{Name: "claude-sonnet-4-5-20250929"}, llmtest.Model{Name: "glm-4.6"})
	w.cfg.Providers.Ollama.Endpoint = w.ollama.URL
	if withOpenAI {
		w.cfg.Providers.OpenAI.BaseURL = w.openai.URL + "/v1"
	}
	if withAnthropic {
		w.cfg.Providers.Anthropic.BaseURL = w.anthropic.URL
		w.cfg.Providers.Anthropic.APIKey = "sk-ant-test"
	}
	return w
}

func (w *world) catalog(now func() time.Time) *Catalog {
	return New(w.cfg, Options{Provider: provider.Options{Retry: &llm.RetryPolicy{}}, Now: now})
}

func TestResolve(t *testing.T) {
	w := newWorld(t, true, true)
	c := w.catalog(nil)
	cases := []struct {
		name string
		want llm.Resolved
	}{
		{"fake-small", llm.Resolved{Provider: llm.OpenAI, Model: "fake-small"}},       // only the compatible server lists it
		{"glm-4.6", llm.Resolved{Provider: llm.Anthropic, Model: "glm-4.6"}},          // only Anthropic lists it
		{"llama3.2", llm.Resolved{Provider: llm.Ollama, Model: "llama3.2"}},           // two list it: the prefix rules decide
		{"qwen3:8b", llm.Resolved{Provider: llm.Ollama, Model: "qwen3:8b"}},           // only Ollama lists it
		{"gpt-4o", llm.Resolved{Provider: llm.OpenAI, Model: "gpt-4o"}},               // a family name
		{"gpt-oss:20b", llm.Resolved{Provider: llm.OpenAI, Model: "gpt-oss:20b"}},     // a family name, even though Ollama has it
		{"no-such-model", llm.Resolved{Provider: llm.Ollama, Model: "no-such-model"}}, // nobody: the fallback
		{"openai/llama3.2", llm.Resolved{Provider: llm.OpenAI, Model: "llama3.2", Explicit: true}},
		{"", llm.Resolved{Provider: llm.Ollama, Model: "llama3.2"}}, // agent.default_model
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.Resolve(context.Background(), tc.name)
			if err != nil || got != tc.want {
				t.Fatalf("Resolve(%q) = %+v, %v; want %+v", tc.name, got, err, tc.want)
			}
		})
	}
}

// TestNamesRoundTrip: every model a provider lists gets a name that
// resolves back to that provider and model.
func TestNamesRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name              string
		openai, anthropic bool
	}{{"ollama only", false, false}, {"ollama and openai", true, false}, {"all three", true, true}} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, tc.openai, tc.anthropic)
			c := w.catalog(nil)
			ls := c.List(context.Background())
			seen := map[string]bool{}
			n := 0
			for _, l := range ls {
				if l.Configured && l.Err != nil {
					t.Fatalf("%s: %v", l.Provider, l.Err)
				}
				for _, m := range l.Models {
					n++
					name := Name(w.cfg, ls, m)
					if seen[name] {
						t.Errorf("two models are named %q", name)
					}
					seen[name] = true
					r, err := c.Resolve(context.Background(), name)
					if err != nil || r.Provider != m.Provider || !provider.SameModel(m.Provider, m.Name, r.Model) {
						t.Errorf("%s/%s is named %q, which resolves to %+v (%v)", m.Provider, m.Name, name, r, err)
					}
				}
			}
			if n == 0 {
				t.Fatal("no models listed")
			}
		})
	}
	w := newWorld(t, true, false)
	ls := w.catalog(nil).List(context.Background())
	for _, tc := range []struct {
		m    llm.ModelInfo
		want string
	}{
		{llm.ModelInfo{Provider: llm.OpenAI, Name: "fake-small"}, "fake-small"},
		{llm.ModelInfo{Provider: llm.OpenAI, Name: "llama3.2"}, "openai/llama3.2"},
		{llm.ModelInfo{Provider: llm.Ollama, Name: "llama3.2:latest"}, "llama3.2:latest"},
		{llm.ModelInfo{Provider: llm.Ollama, Name: "gpt-oss:20b"}, "ollama/gpt-oss:20b"},
		{llm.ModelInfo{Provider: llm.OpenAI, Name: "openai/gpt-oss-120b"}, "openai/openai/gpt-oss-120b"},
	} {
		if got := Name(w.cfg, ls, tc.m); got != tc.want {
			t.Errorf("Name(%s/%s) = %q, want %q", tc.m.Provider, tc.m.Name, got, tc.want)
		}
	}
}

func TestResolveAsksNobodyWhenTheRulesDecide(t *testing.T) {
	w := newWorld(t, false, false) // only Ollama: a bare name can only go there
	c := w.catalog(nil)
	for _, name := range []string{"llama3.2", "anything", "openai/gpt-4o", ""} {
		if _, err := c.Resolve(context.Background(), name); err != nil {
			t.Fatal(err)
		}
	}
	w2 := newWorld(t, true, false)
	c2 := w2.catalog(nil)
	for _, name := range []string{"gpt-4o", "o3-mini", "ollama/qwen3:8b"} {
		if _, err := c2.Resolve(context.Background(), name); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(w.ollama.Calls("/api/tags")) + len(w2.ollama.Calls("/api/tags")) + len(w2.openai.Calls("/v1/models")); n != 0 {
		t.Fatalf("%d listings were made for names the rules decide", n)
	}
}

func TestListingsAreCached(t *testing.T) {
	w := newWorld(t, true, false)
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	c := w.catalog(clock)
	resolve := func() {
		t.Helper()
		var wg sync.WaitGroup
		for range 8 { // concurrent callers share one listing
			wg.Add(1)
			go func() {
				defer wg.Done()
				if r, err := c.Resolve(context.Background(), "fake-small"); err != nil || r.Provider != llm.OpenAI {
					t.Errorf("Resolve = %+v, %v", r, err)
				}
			}()
		}
		wg.Wait()
	}
	listings := func() int { return len(w.openai.Calls("/v1/models")) }
	resolve()
	if n := listings(); n != 1 {
		t.Fatalf("%d listings for 8 concurrent resolutions, want 1", n)
	}
	advance(DefaultTTL / 2)
	resolve()
	if n := listings(); n != 1 {
		t.Fatalf("a fresh listing was asked again (%d)", n)
	}
	advance(DefaultTTL)
	resolve()
	if n := listings(); n != 2 {
		t.Fatalf("a stale listing was not renewed (%d listings)", n)
	}
	c.Invalidate()
	resolve()
	if n := listings(); n != 3 {
		t.Fatalf("Invalidate did not forget the listing (%d listings)", n)
	}

	// A provider that went down is noticed once the listing is stale.
	w.ollama.Close()
	if n := len(c.List(context.Background())[0].Models); n != 3 {
		t.Fatalf("the fresh listing was not reused: %d models", n)
	}
	advance(DefaultTTL)
	first := len(c.List(context.Background())[0].Models)
	if first != 0 {
		t.Fatalf("ollama is down but listed %d models", first)
	}
	if err := c.List(context.Background())[0].Err; err == nil || !isUnreachable(err) {
		t.Fatalf("ollama down: err = %v", err)
	}
}

func TestCheckAndSuggest(t *testing.T) {
	w := newWorld(t, true, false)
	c := w.catalog(nil)
	ctx := context.Background()
	check := func(name string) error {
		t.Helper()
		r, err := c.Resolve(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		return c.Check(ctx, name, r)
	}
	for _, ok := range []string{"fake-small", "llama3.2", "qwen3:8b", "openai/not-listed", "gpt-4o-typo", ""} {
		if err := check(ok); err != nil {
			t.Errorf("Check(%q) = %v, want nil", ok, err)
		}
	}
	err := check("fake-smal")
	var le *llm.Error
	if !errors.As(err, &le) || le.Kind != llm.KindNotFound || !strings.Contains(le.Hint, `did you mean "fake-small"`) {
		t.Fatalf("Check(fake-smal) = %v, want not found with a suggestion", err)
	}
	w.ollama.Close()
	c.Invalidate()
	err = check("qwen3:8")
	if !errors.As(err, &le) || le.Kind != llm.KindNotFound || !strings.Contains(le.Message, "not reachable at "+w.ollama.URL) {
		t.Fatalf("Check with Ollama down = %v", err)
	}

	upstream := &llm.Error{Kind: llm.KindNotFound, Provider: llm.OpenAI, Model: "gpt-4o-typo", Status: 404, Hint: "check the model name"}
	got := c.Explain(ctx, "gpt-4o-typo", upstream).Error()
	if !strings.Contains(got, `did you mean "gpt-4o"`) {
		t.Fatalf("Explain = %s", got)
	}
	if other := fmt.Errorf("x"); c.Explain(ctx, "a", other) != other {
		t.Fatal("Explain changed an error that is not not-found")
	}
}
