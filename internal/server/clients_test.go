//go:build browser

// The tests in this file run real clients against the server: the
// `openai` npm package and headless Chromium on the web page (see
// web-tests/). They need node, `npm ci` in web-tests and Debian's
// chromium; scripts/test installs all three and runs them with
// `go test -tags browser`. Anything missing fails the test.
package server

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
)

const clientToken = "web-test-token-0123456789"

// runNode runs one node test file in web-tests against f's server.
func runNode(t *testing.T, f *fixture, file string, env ...string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not installed (apt-get install nodejs npm): %v", err)
	}
	dir, err := filepath.Abs("../../web-tests")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "openai")); err != nil {
		t.Fatalf("web-tests has no node_modules: run `npm ci` in %s (scripts/test does): %v", dir, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", file)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), append(env, "LOCALGPT_URL="+f.hs.URL, "LOCALGPT_TOKEN="+clientToken)...)
	out, err := cmd.CombinedOutput()
	t.Logf("node %s:\n%s", file, out)
	if err != nil {
		t.Fatalf("node %s failed: %v", file, err)
	}
}

func TestOpenAINodeClient(t *testing.T) {
	f := newFixture(t, "[server]\napi_token = \""+clientToken+"\"\n")
	f.llm.Enqueue(
		llmtest.Text("Hello from LocalGPT."),
		llmtest.Reply{Text: "Streaming works fine.", Usage: llmtest.Usage{Prompt: 12, Completion: 5}},
		llmtest.Text("Accumulated answer."),
		llmtest.HTTPError(401, "Incorrect API key provided"),
		llmtest.Reply{Text: "starts well", Error: "the provider fell over"},
	)
	runNode(t, f, "openai.test.js")
	if n := f.llm.Pending(); n != 0 {
		t.Fatalf("%d scripted replies were not used", n)
	}
	first := string(f.llm.Calls("/v1/chat/completions")[0].Body)
	if !strings.Contains(first, "Be brief.") || !strings.Contains(first, "Say hello") {
		t.Fatalf("the client's messages did not reach the model: %s", first)
	}
}

func TestBrowserChat(t *testing.T) {
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("chromium is not installed (apt-get install chromium, or set CHROMIUM): %v", err)
	}
	f := newFixture(t, "[server]\napi_token = \""+clientToken+"\"\n")
	if err := os.MkdirAll(filepath.Join(f.paths.Workspace, "notes"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.paths.Workspace, "notes", "animals.md"), []byte("# Animals\n\nThe zebra has stripes.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f.llm.Enqueue(
		llmtest.Reply{Text: "This reply was streamed to the page piece by piece.", ChunkSize: 4, Delay: 40 * time.Millisecond},
		llmtest.Text("Second reply."),
	)
	runNode(t, f, "browser.test.js", "CHROMIUM="+chromium)
	if n := f.llm.Pending(); n != 0 {
		t.Fatalf("%d scripted replies were not used", n)
	}
	last := string(f.llm.Last(t, "/v1/chat/completions").Body)
	if !strings.Contains(last, "piece by piece") || !strings.Contains(last, "And again") {
		t.Fatalf("the page's second message did not continue the session: %s", last)
	}
}
