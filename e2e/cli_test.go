//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// commandTimeout bounds one localgpt run. The longest, a reply cut at the
// server's token limit, takes seconds; the bound only stops a hang.
const commandTimeout = 5 * time.Minute

// home is a LocalGPT home whose three providers all point at one Ollama.
type home struct {
	t   *testing.T
	dir string
}

// newHome writes a config.toml for an Ollama server at url: Ollama
// natively, OpenAI at url/v1, Anthropic at url, and the scripted model as
// the default.
func newHome(t *testing.T, url string) *home {
	t.Helper()
	// A home LocalGPT made itself is private (0700); t.TempDir's is 0755,
	// which doctor rightly reports as readable by others.
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`[agent]
default_model = "ollama/%[2]s"

[providers.openai]
api_key = "e2e-any-key"
base_url = "%[1]s/v1"

[providers.anthropic]
api_key = "e2e-any-key"
base_url = "%[1]s"

[providers.ollama]
endpoint = "%[1]s"
`, url, the.model)
	if err := os.WriteFile(filepath.Join(dir, "config.toml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return &home{t: t, dir: dir}
}

// workspace returns the path of a file in the home's workspace.
func (h *home) workspace(name string) string { return filepath.Join(h.dir, "workspace", name) }

// result is what one run of localgpt did.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout ---\n%s\n--- stderr ---\n%s", r.code, r.stdout, r.stderr)
}

// command returns localgpt with args, in this home, with a clean
// environment (no OLLAMA_HOST or API keys from the developer's shell).
func (h *home) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, the.bin, args...)
	cmd.Dir = h.dir
	cmd.Env = []string{"LOCALGPT_HOME=" + h.dir, "HOME=" + h.dir, "PATH=" + os.Getenv("PATH"), "TERM=dumb", "NO_COLOR=1"}
	// A run that outlives ctx gets SIGQUIT, so the Go runtime prints every
	// goroutine's stack to stderr (the failure message shows where it
	// hung), and SIGKILL if even that does not end it.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGQUIT) }
	cmd.WaitDelay = 10 * time.Second
	return cmd
}

// run runs localgpt to the end.
func (h *home) run(args ...string) result {
	h.t.Helper()
	return h.runInput("", args...)
}

// runInput runs localgpt to the end with stdin as its standard input.
func (h *home) runInput(stdin string, args ...string) result {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := h.command(ctx, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		h.t.Fatalf("running localgpt %v: %v", args, err)
	}
	if ctx.Err() != nil {
		failWithLog(h.t, "localgpt %v did not finish within %v (stderr has its goroutines):\n%s", args, commandTimeout, r)
	}
	return r
}

// askJSON is the output of `localgpt ask --json`.
type askJSON struct {
	Response string `json:"response"`
	Model    string `json:"model"`
	// StopReason is end, tool_use, length or other.
	StopReason string `json:"stop_reason"`
	Tokens     struct {
		Prompt     int `json:"prompt"`
		Completion int `json:"completion"`
		Total      int `json:"total"`
	} `json:"tokens"`
	ToolsUsed []struct {
		Name      string          `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
	} `json:"tools_used"`
}

// askJSON runs `localgpt ask --json -m model question` and decodes it.
func (h *home) askJSON(model, question string) (askJSON, result) {
	h.t.Helper()
	r := h.run("ask", "--json", "-m", model, question)
	if r.code != 0 {
		failWithLog(h.t, "localgpt ask --json -m %s %q failed:\n%s", model, question, r)
	}
	var out askJSON
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		h.t.Fatalf("ask --json printed no JSON object of the documented shape: %v\n%s", err, r)
	}
	return out, r
}

// getJSON decodes GET url into v.
func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// postJSON posts body as JSON to url and decodes the answer into v.
func postJSON(t *testing.T, url string, body, v any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
}
