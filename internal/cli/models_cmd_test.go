package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
)

// providerHome writes a config.toml into a fresh LOCALGPT_HOME with the
// given TOML and returns the home.
func providerHome(t *testing.T, toml string) string {
	t.Helper()
	home := filepath.Join(t.TempDir(), "home") // private, as LocalGPT makes it
	if err := os.Mkdir(home, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(toml), 0o600); err != nil {
		t.Fatal(err)
	}
	return home
}

// fakes starts one fake server per protocol with a few models.
func fakes(t *testing.T) (ollama, openai, anthropic *llmtest.Server) {
	ollama = llmtest.NewOllama(t)
	ollama.SetModels(llmtest.Model{Name: "llama3.2", ContextLength: 131072, Size: 2019393189}, llmtest.Model{Name: "qwen3:8b", Size: 5225388164})
	openai = llmtest.NewOpenAI(t)
	openai.SetModels(llmtest.Model{Name: "gpt-4o"}, llmtest.Model{Name: "o3-mini"})
	anthropic = llmtest.NewAnthropic(t)
	anthropic.SetModels(llmtest.Model{Name: "claude-sonnet-4-5-20250929"})
	return
}

func TestModels(t *testing.T) {
	ol, oa, an := fakes(t)
	down := llmtest.NewOllama(t)
	down.Close()
	withEmbedder := llmtest.NewOllama(t)
	withEmbedder.SetModels(llmtest.Model{Name: "llama3.2"}, llmtest.Model{Name: "nomic-embed-text", Arch: "nomic-bert", EmbedOnly: true, Size: 274302450})
	cases := []struct {
		name     string
		toml     string
		env      map[string]string
		args     []string
		wantCode int
		want     []string // substrings of stdout
		wantErr  string   // substring of stderr
	}{
		{"ollama only", fmt.Sprintf("[providers.ollama]\nendpoint = %q\n", ol.URL), nil, nil, 0,
			[]string{"ollama (" + ol.URL + ")", "* llama3.2:latest", "qwen3:8b", "2.0 GB", "openai: not configured (export OPENAI_API_KEY", "anthropic: not configured"}, ""},
		{"an embedding model is marked", fmt.Sprintf("[providers.ollama]\nendpoint = %q\n", withEmbedder.URL), nil, nil, 0,
			[]string{"* llama3.2:latest\n", "    nomic-embed-text:latest  274.3 MB  embedding only (for memory.embeddings, not for chat)\n"}, ""},
		{"every provider, default on openai", fmt.Sprintf("[agent]\ndefault_model = \"gpt-4o\"\n[providers.ollama]\nendpoint = %q\n[providers.openai]\nbase_url = %q\n[providers.anthropic]\napi_key = \"sk-ant-x\"\nbase_url = %q\n", ol.URL, oa.URL+"/v1", an.URL),
			nil, nil, 0, []string{"* gpt-4o", "  o3-mini", "claude-sonnet-4-5-20250929", "  llama3.2:latest"}, ""},
		{"key from the environment", fmt.Sprintf("[providers.ollama]\nendpoint = %q\n[providers.openai]\nbase_url = %q\n", ol.URL, oa.URL+"/v1"),
			map[string]string{"OPENAI_API_KEY": "sk-env"}, []string{"-m", "o3-mini"}, 0, []string{"* o3-mini", "  llama3.2:latest"}, ""},
		{"ollama down, openai up", fmt.Sprintf("[providers.ollama]\nendpoint = %q\n[providers.openai]\napi_key = \"sk-x\"\nbase_url = %q\n", down.URL, oa.URL+"/v1"),
			nil, nil, 0, []string{"✗ ollama", "ollama serve", "gpt-4o"}, ""},
		{"ollama down and not in use: one quiet line", fmt.Sprintf("[agent]\ndefault_model = \"gpt-4o\"\n[providers.ollama]\nendpoint = %q\n[providers.openai]\nbase_url = %q\n", down.URL, oa.URL+"/v1"),
			nil, nil, 0, []string{"ollama (" + down.URL + "): not running, not in use\nopenai (", "* gpt-4o"}, ""},
		{"everything down", fmt.Sprintf("[providers.ollama]\nendpoint = %q\n", down.URL), nil, nil, 3,
			[]string{"✗ ollama"}, "no provider could list its models"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			home := providerHome(t, tc.toml)
			env := map[string]string{"LOCALGPT_HOME": home, "NO_COLOR": "1"}
			for k, v := range tc.env {
				env[k] = v
			}
			r := runEnv(t, env, "", append(tc.args, "models")...)
			if r.code != tc.wantCode {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tc.wantCode, r.stdout, r.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, r.stdout)
				}
			}
			if !strings.Contains(r.stderr, tc.wantErr) {
				t.Errorf("stderr lacks %q: %s", tc.wantErr, r.stderr)
			}
			if strings.Contains(r.stderr, "ollama serve") { // said once, on stdout
				t.Errorf("stderr repeats the provider's error: %s", r.stderr)
			}
			if strings.Contains(r.stdout+r.stderr, "sk-env") || strings.Contains(r.stdout+r.stderr, "sk-ant-x") {
				t.Error("a secret was printed")
			}
		})
	}
	r := run(t, providerHome(t, fmt.Sprintf("[providers.ollama]\nendpoint = %q\n", withEmbedder.URL)), "models", "--json")
	var out struct {
		Providers []struct {
			Models []struct {
				Name      string
				EmbedOnly bool `json:"embedding_only"`
			}
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 0 || len(out.Providers) == 0 || len(out.Providers[0].Models) != 2 ||
		out.Providers[0].Models[0].EmbedOnly || !out.Providers[0].Models[1].EmbedOnly {
		t.Errorf("--json does not mark the embedding model alone: %v %+v", err, r)
	}
}

func TestModelsJSON(t *testing.T) {
	ol, _, _ := fakes(t)
	home := providerHome(t, fmt.Sprintf("[providers.ollama]\nendpoint = %q\n", ol.URL))
	r := run(t, home, "models", "--json")
	if r.code != 0 {
		t.Fatalf("%+v", r)
	}
	var out struct {
		DefaultModel string `json:"default_model"`
		Providers    []struct {
			Provider   string `json:"provider"`
			Configured bool   `json:"configured"`
			Error      string `json:"error"`
			Models     []struct {
				Name    string `json:"name"`
				Default bool   `json:"default"`
			} `json:"models"`
		} `json:"providers"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	if out.DefaultModel != "ollama/llama3.2" || len(out.Providers) != 3 {
		t.Fatalf("%+v", out)
	}
	o := out.Providers[0]
	if o.Provider != "ollama" || !o.Configured || len(o.Models) != 2 || !o.Models[0].Default || o.Models[1].Default {
		t.Errorf("ollama = %+v", o)
	}
	if p := out.Providers[1]; p.Configured || !strings.Contains(p.Error, "providers.openai.api_key") {
		t.Errorf("openai = %+v", p)
	}
}

// TestModelNamesRoundTrip: every name `models --json` prints picks that
// very model with -m (ask sends it to that provider under its own name).
func TestModelNamesRoundTrip(t *testing.T) {
	ol, oa, _ := fakes(t)
	oa.SetModels(llmtest.Model{Name: "fake-small"}, llmtest.Model{Name: "llama3.2"}, llmtest.Model{Name: "gpt-4o"})
	ol.SetModels(llmtest.Model{Name: "llama3.2"}, llmtest.Model{Name: "gpt-oss:20b"})
	home := providerHome(t, fmt.Sprintf("[providers.ollama]\nendpoint = %q\n[providers.openai]\nbase_url = %q\n", ol.URL, oa.URL+"/v1"))
	r := run(t, home, "models", "--json")
	var out struct {
		Providers []struct {
			Provider string
			Models   []struct{ ID, Name string }
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 0 {
		t.Fatalf("%v %+v", err, r)
	}
	ids := map[string]string{}
	for _, p := range out.Providers {
		for _, m := range p.Models {
			ids[p.Provider+"/"+m.Name] = m.ID
		}
	}
	want := map[string]string{"openai/fake-small": "fake-small", "openai/llama3.2": "openai/llama3.2", "openai/gpt-4o": "gpt-4o",
		"ollama/llama3.2:latest": "llama3.2:latest", "ollama/gpt-oss:20b": "ollama/gpt-oss:20b"}
	for k, v := range want {
		if ids[k] != v {
			t.Errorf("%s is listed as %q, want %q (all: %v)", k, ids[k], v, ids)
		}
	}
	for key, id := range ids {
		provider, name, _ := strings.Cut(key, "/")
		srv, path := ol, "/api/chat"
		if provider == "openai" {
			srv, path = oa, "/v1/chat/completions"
		}
		before := len(srv.Calls(path))
		srv.Enqueue(llmtest.Text("hi from " + key))
		r := run(t, home, "-m", id, "ask", "--no-tools", "--no-memory", "hello")
		if r.code != 0 || !strings.Contains(r.stdout, "hi from "+key) || len(srv.Calls(path)) != before+1 {
			t.Fatalf("-m %s: %+v", id, r)
		}
		if got := srv.Last(t, path).JSON(t)["model"]; got != name && got != strings.TrimSuffix(name, ":latest") {
			t.Errorf("-m %s sent model %v, want %s", id, got, name)
		}
	}
	// A typo gets a suggestion.
	r = run(t, home, "-m", "fake-smal", "ask", "--no-tools", "--no-memory", "hello")
	if r.code != 3 || !strings.Contains(r.stderr, `did you mean "fake-small"`) {
		t.Fatalf("typo: %+v", r)
	}
}
