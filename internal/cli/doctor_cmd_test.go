package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
	"github.com/localgpt-go/localgpt/internal/sandbox"
)

func TestDoctor(t *testing.T) {
	ol, oa, _ := fakes(t)
	down := llmtest.NewOllama(t)
	down.Close()
	withEmbedder := llmtest.NewOllama(t)
	withEmbedder.SetModels(llmtest.Model{Name: "llama3.2"}, llmtest.Model{Name: "nomic-embed-text", Arch: "nomic-bert", EmbedOnly: true})
	cases := []struct {
		name     string
		toml     string
		wantCode int
		want     []string
		notWant  []string
	}{
		{"all good", fmt.Sprintf("[providers.ollama]\nendpoint = %q\n", ol.URL), 0,
			[]string{"✓ config", "✓ default model  llama3.2 → ollama/llama3.2", "✓ ollama", "2 models", "✓ model",
				"✓ window         llama3.2:latest: num_ctx 16384 of 131072; KV cache ≈ 1.9 GB (28 layers × 8 KV heads × 128 × 16384 tokens × 2 for K and V × 2 bytes, assuming Ollama's default f16 cache)",
				"✓ window         qwen3:8b: num_ctx 8192 of 8192;", "✓ workspace",
				"✓ permissions"},
			[]string{"✗", "api key", "openai"}},
		{"an embedding model gets no KV-cache estimate", fmt.Sprintf("[providers.ollama]\nendpoint = %q\n", withEmbedder.URL), 0,
			[]string{"✓ window         llama3.2:latest: num_ctx 8192 of 8192; KV cache ≈ 939.5 MB",
				"✓ window         nomic-embed-text:latest: an embedding model, run for memory.embeddings and never for a chat: no chat window or KV cache to estimate\n"},
			[]string{"nomic-embed-text:latest: num_ctx"}},
		{"the default model only embeds", fmt.Sprintf("[agent]\ndefault_model = \"nomic-embed-text\"\n[providers.ollama]\nendpoint = %q\n", withEmbedder.URL), 3,
			[]string{"✗ model          ollama model nomic-embed-text: request rejected: it only embeds (a model for memory.embeddings.model) and cannot chat; make a chat model the default"},
			[]string{"✓ model"}},
		{"model not pulled", fmt.Sprintf("[agent]\ndefault_model = \"mistral\"\n[providers.ollama]\nendpoint = %q\n", ol.URL), 3,
			[]string{"✓ ollama", "✗ model", "ollama pull mistral", "✓ workspace"}, nil},
		{"ollama not running", fmt.Sprintf("[providers.ollama]\nendpoint = %q\n", down.URL), 3,
			[]string{"✗ ollama", "ollama serve", "providers.openai.base_url", "openai/NAME", "localgpt setup", "✓ workspace"}, []string{"✓ model"}},
		{"openai without key", "[agent]\ndefault_model = \"gpt-4o\"\n", 2,
			[]string{"✗ api key", "localgpt config set providers.openai.api_key", "OPENAI_API_KEY"}, []string{"✓ api key"}},
		{"openai with key", fmt.Sprintf("[agent]\ndefault_model = \"gpt-4o\"\n[providers.openai]\napi_key = \"sk-secret-1\"\nbase_url = %q\n", oa.URL+"/v1"), 0,
			[]string{"✓ api key", "✓ openai", "✓ model", "gpt-4o is available on openai"}, []string{"sk-secret-1", "ollama"}},
		{"invalid config", "[agent]\ncontext_window = \"big\"\n", 2, []string{"✗ config", "context_window"}, []string{"✓"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, providerHome(t, tc.toml), "doctor")
			if r.code != tc.wantCode {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tc.wantCode, r.stdout, r.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, r.stdout)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(r.stdout+r.stderr, w) {
					t.Errorf("output has %q:\n%s%s", w, r.stdout, r.stderr)
				}
			}
			if strings.Contains(r.stdout, "\x1b[") {
				t.Error("colour codes with NO_COLOR set")
			}
			// A failure is said once: the ✗ line, then a one-line summary.
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			if last := lines[len(lines)-1]; tc.wantCode != 0 && (!strings.HasPrefix(last, "localgpt: doctor: failed: ") ||
				strings.Contains(r.stderr, "ollama serve") || strings.Contains(r.stderr, "context_window")) {
				t.Errorf("stderr repeats the failed check or lacks the summary:\n%s", r.stderr)
			}
		})
	}
}

func TestDoctorJSON(t *testing.T) {
	down := llmtest.NewOllama(t)
	down.Close()
	r := run(t, providerHome(t, fmt.Sprintf("[providers.ollama]\nendpoint = %q\n", down.URL)), "doctor", "--json")
	if r.code != 3 {
		t.Fatalf("%+v", r)
	}
	var out struct {
		OK     bool `json:"ok"`
		Checks []struct {
			Name string `json:"name"`
			OK   bool   `json:"ok"`
		} `json:"checks"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	if out.OK || len(out.Checks) < 3 || out.Checks[0].Name != "config" || !out.Checks[0].OK {
		t.Errorf("%+v", out)
	}
}

// TestDoctorReportsWideHome: a home that older versions made 0755, with
// 0644 files, is reported with the command that fixes it.
func TestDoctorReportsWideHome(t *testing.T) {
	ol, _, _ := fakes(t)
	home := providerHome(t, fmt.Sprintf("[providers.ollama]\nendpoint = %q\n", ol.URL))
	if r := run(t, home, "doctor"); r.code != 0 || !strings.Contains(r.stdout, "✓ permissions") {
		t.Fatalf("a private home: %+v", r)
	}
	os.Chmod(home, 0o755)
	os.WriteFile(filepath.Join(home, "workspace", "notes.md"), []byte("private"), 0o644)
	r := run(t, home, "doctor")
	for _, want := range []string{"✗ permissions", "2 files and folders can be read by other users", home + " (0755)",
		"notes.md (0644)", "chmod -R go-rwx " + home} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, r.stdout)
		}
	}
	if r.code != ExitError {
		t.Fatalf("exit %d, want %d", r.code, ExitError)
	}
	if exec.Command("chmod", "-R", "go-rwx", home).Run() != nil {
		t.Fatal("chmod failed")
	}
	if r := run(t, home, "doctor"); r.code != 0 {
		t.Fatalf("after the suggested chmod: %+v", r)
	}
}

// TestDoctorSandbox: doctor says how bash is confined, and warns in red
// (without failing) when it is not.
func TestDoctorSandbox(t *testing.T) {
	oa := llmtest.NewOpenAI(t)
	oa.SetModels(llmtest.Model{Name: "gpt-4o"})
	base := fmt.Sprintf("[agent]\ndefault_model = \"gpt-4o\"\n[providers.openai]\napi_key = \"sk-secret-1\"\nbase_url = %q\n", oa.URL+"/v1")
	probe := sandbox.Probe()
	cases := []struct {
		name, tools string
		want        string
	}{
		{"off", "[tools]\nbash_sandbox = false\n", "! sandbox        off (tools.bash_sandbox = false)"},
		{"on", "", map[bool]string{true: "✓ sandbox        " + probe.Detail, false: "! sandbox        not available: " + probe.Detail}[probe.Confine]},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, providerHome(t, base+tc.tools), "doctor")
			if r.code != 0 || !strings.Contains(r.stdout, tc.want) {
				t.Fatalf("exit %d, want 0 and %q:\n%s%s", r.code, tc.want, r.stdout, r.stderr)
			}
		})
	}
	if warnMark(true) != "\x1b[31m!\x1b[0m" || warnMark(false) != "!" {
		t.Fatal("warn mark")
	}
}
