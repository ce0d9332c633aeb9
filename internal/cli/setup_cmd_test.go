package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/llm/discover"
	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
)

// setupWorld is a fake Ollama, a fake LM Studio and three closed ports
// standing in for llama.cpp, vLLM and Jan: the usual targets, on free
// loopback ports.
func setupWorld(t *testing.T) (targets []discover.Target, ol, lm *llmtest.Server) {
	ol = llmtest.NewOllama(t)
	// Listed first, the embedding model would be what Enter takes: it is
	// no chat model, so setup leaves it out.
	ol.SetModels(llmtest.Model{Name: "nomic-embed-text", Arch: "nomic-bert", EmbedOnly: true},
		llmtest.Model{Name: "llama3.2"}, llmtest.Model{Name: "qwen3:8b"})
	lm = llmtest.NewOpenAI(t)
	lm.SetModels(llmtest.Model{Name: "qwen2.5-7b-instruct"})
	closed := func() string {
		s := llmtest.NewOpenAI(t)
		s.Close()
		return s.URL + "/v1"
	}
	return []discover.Target{
		{Name: "Ollama", Provider: llm.Ollama, URL: ol.URL},
		{Name: "LM Studio", Provider: llm.OpenAI, URL: lm.URL + "/v1"},
		{Name: "llama.cpp server", Provider: llm.OpenAI, URL: closed()},
		{Name: "vLLM", Provider: llm.OpenAI, URL: closed()},
		{Name: "Jan", Provider: llm.OpenAI, URL: closed()},
	}, ol, lm
}

// runSetupCmd runs `localgpt setup ARGS` in-process against targets, with
// stdin as the user's answers.
func runSetupCmd(t *testing.T, home string, targets []discover.Target, stdin string, args ...string) result {
	t.Helper()
	env := map[string]string{"LOCALGPT_HOME": home, "NO_COLOR": "1", "HOME": filepath.Join(home, "user-home")}
	var out, errOut bytes.Buffer
	ctx := withTargets(context.Background(), targets)
	code := Main(ctx, append([]string{"setup"}, args...), func(k string) string { return env[k] }, strings.NewReader(stdin), &out, &errOut)
	return result{out.String(), errOut.String(), code}
}

func loadConfig(t *testing.T, home string) *config.Config {
	t.Helper()
	cfg, _, err := config.LoadFile(filepath.Join(home, "config.toml"), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestSetup(t *testing.T) {
	targets, ol, lm := setupWorld(t)
	cases := []struct {
		name      string
		stdin     string
		args      []string
		wantModel string
		wantURL   func(c *config.Config) string
		want      string
	}{
		{"pick the compatible server", "2\n", nil, "openai/qwen2.5-7b-instruct",
			func(c *config.Config) string { return c.Providers.OpenAI.BaseURL }, lm.URL + "/v1"},
		{"pick Ollama, then its second model", "1\n2\n", nil, "qwen3:8b",
			func(c *config.Config) string { return c.Providers.Ollama.Endpoint }, ol.URL},
		{"Enter takes the first", "\n\n", nil, "llama3.2:latest",
			func(c *config.Config) string { return c.Providers.Ollama.Endpoint }, ol.URL},
		{"a wrong answer is asked again", "7\nx\n2\n", nil, "openai/qwen2.5-7b-instruct",
			func(c *config.Config) string { return c.Providers.OpenAI.BaseURL }, lm.URL + "/v1"},
		{"--model for scripts", "", []string{"--model", "qwen2.5-7b-instruct"}, "openai/qwen2.5-7b-instruct",
			func(c *config.Config) string { return c.Providers.OpenAI.BaseURL }, lm.URL + "/v1"},
		{"--base-url without /v1", "", []string{"--base-url", lm.URL}, "openai/qwen2.5-7b-instruct",
			func(c *config.Config) string { return c.Providers.OpenAI.BaseURL }, lm.URL + "/v1"},
		{"--base-url of an Ollama", "", []string{"--base-url", ol.URL, "--model", "qwen3:8b"}, "qwen3:8b",
			func(c *config.Config) string { return c.Providers.Ollama.Endpoint }, ol.URL},
		{"-m as everywhere, host:port as http", "", []string{"--base-url", strings.TrimPrefix(ol.URL, "http://"), "-m", "qwen3:8b"}, "qwen3:8b",
			func(c *config.Config) string { return c.Providers.Ollama.Endpoint }, ol.URL},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			home := filepath.Join(t.TempDir(), "home") // LocalGPT creates it, private
			r := runSetupCmd(t, home, targets, tc.stdin, tc.args...)
			if r.code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			cfg := loadConfig(t, home)
			if cfg.Agent.DefaultModel != tc.wantModel || tc.wantURL(cfg) != tc.want {
				t.Fatalf("default_model %q, url %q; want %q, %q\n%s", cfg.Agent.DefaultModel, tc.wantURL(cfg), tc.wantModel, tc.want, r.stdout)
			}
			if tc.stdin != "" && !strings.Contains(r.stdout, "Enter for 1] "+strings.SplitN(tc.stdin, "\n", 2)[0]+"\n") {
				t.Errorf("a piped answer is not shown after its question:\n%s", r.stdout)
			}
			for _, w := range []string{"Wrote ", "Checking it", "✓ default model", "Ready:"} {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, r.stdout)
				}
			}
			if tc.args == nil && (!strings.Contains(r.stdout, "not running: llama.cpp server") || !strings.Contains(r.stdout, "Jan (")) {
				t.Errorf("the servers not found are not named:\n%s", r.stdout)
			}
			// The written config works: the model answers through it.
			srv, path := ol, "/api/chat"
			if strings.HasPrefix(tc.wantModel, "openai/") {
				srv, path = lm, "/v1/chat/completions"
			}
			srv.Enqueue(llmtest.Text("set up and answering"))
			ask := run(t, home, "ask", "--no-tools", "--no-memory", "hi")
			if ask.code != 0 || !strings.Contains(ask.stdout, "set up and answering") || len(srv.Calls(path)) == 0 {
				t.Fatalf("ask after setup: %+v", ask)
			}
		})
	}
}

func TestSetupKeepsTheRestOfTheConfig(t *testing.T) {
	targets, _, lm := setupWorld(t)
	home := filepath.Join(t.TempDir(), "home") // LocalGPT creates it, private
	if r := run(t, home, "config", "set", "heartbeat.interval", "2h"); r.code != 0 {
		t.Fatal(r)
	}
	if r := runSetupCmd(t, home, targets, "", "--model", "qwen2.5-7b-instruct"); r.code != 0 {
		t.Fatalf("%+v", r)
	}
	data, _ := os.ReadFile(filepath.Join(home, "config.toml"))
	if !strings.Contains(string(data), `interval = "2h"`) || !strings.Contains(string(data), "# ") || !strings.Contains(string(data), lm.URL) {
		t.Fatalf("config after setup:\n%s", data)
	}
}

func TestSetupFailures(t *testing.T) {
	targets, _, _ := setupWorld(t)
	none := targets[2:] // only closed ports
	cases := []struct {
		name    string
		targets []discover.Target
		args    []string
		code    int
		want    string
	}{
		{"nothing found", none, nil, 1, "no model server or API key found"},
		{"unknown --model", targets, []string{"--model", "qwen3:9b"}, 1, `did you mean "qwen3:8b"?`},
		{"--model like none found", targets, []string{"--model", "mistral-large"}, 1,
			`no server found offers model "mistral-large"; name one of the models listed above, or make it available first (for Ollama: ollama pull mistral-large)`},
		{"--base-url that answers nothing", targets, []string{"--base-url", none[0].URL}, 3, "answers as Ollama"},
		{"--base-url that is no server's address", targets, []string{"--base-url", "ftp://files"}, 1,
			`--base-url "ftp://files" is not the address of a server; write it like http://127.0.0.1:1234/v1`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			home := filepath.Join(t.TempDir(), "home") // LocalGPT creates it, private
			before, _ := os.ReadFile(filepath.Join(home, "config.toml"))
			r := runSetupCmd(t, home, tc.targets, "", tc.args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want %d with %q", r.code, r.stderr, tc.code, tc.want)
			}
			if after, _ := os.ReadFile(filepath.Join(home, "config.toml")); len(before) > 0 && string(after) != string(before) {
				t.Fatal("a failed setup changed the config")
			}
		})
	}
}

func TestSettingsForHostedProviders(t *testing.T) {
	for _, tc := range []struct {
		f     discover.Found
		model string
		want  string
	}{
		{discover.Found{Target: discover.Target{Name: "OpenAI", Provider: llm.OpenAI, URL: "https://api.openai.com/v1"}, Env: "OPENAI_API_KEY"}, "gpt-4o-mini",
			`providers.openai.base_url=https://api.openai.com/v1 agent.default_model=gpt-4o-mini`},
		{discover.Found{Target: discover.Target{Name: "Anthropic", Provider: llm.Anthropic}, Env: "ANTHROPIC_API_KEY"}, "claude-sonnet-4-5",
			`agent.default_model=claude-sonnet-4-5`},
		{discover.Found{Target: discover.Target{Provider: llm.Ollama, URL: "http://h:1"}}, "gpt-oss:20b",
			`providers.ollama.endpoint=http://h:1 agent.default_model=ollama/gpt-oss:20b`},
	} {
		var parts []string
		for _, kv := range settingsFor(tc.f, tc.model) {
			parts = append(parts, kv.Key+"="+kv.Value)
		}
		if got := strings.Join(parts, " "); got != tc.want {
			t.Errorf("settingsFor(%s, %s) = %s, want %s", tc.f.Name, tc.model, got, tc.want)
		}
	}
}
