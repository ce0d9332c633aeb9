//go:build browser

// The tests in this file run real clients against the server: the
// `openai` npm package and headless Chromium on the web page (see
// web-tests/). They need node, `npm ci` in web-tests and Debian's
// chromium; scripts/test installs all three and runs them with
// `go test -tags browser`. Anything missing fails the test.
package server

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
)

const clientToken = "web-test-token-0123456789"

// runNode runs one node test file in web-tests against f's server, with
// the address and token web-tests/localgpt.js reads, and returns what it
// printed.
func runNode(t *testing.T, f *fixture, file string, env ...string) string {
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
	cmd.Env = append(os.Environ(), append(env, "LOCALGPT_URL="+f.hs.URL, "LOCALGPT_TOKEN="+f.token)...)
	out, err := cmd.CombinedOutput()
	t.Logf("node %s:\n%s", file, out)
	if err != nil {
		t.Fatalf("node %s failed: %v", file, err)
	}
	return string(out)
}

// clientFixture is a server with a token whose fake provider also lists
// fake-small, so that "fake-smal" is an unknown model with a suggestion.
func clientFixture(t *testing.T) *fixture {
	return newFixture(t, "[server]\napi_token = \""+clientToken+"\"\n")
}

// checkMatrix fails when a scripted reply was left, and reports the
// measured times (web-tests/localgpt.js's timed lines).
func checkMatrix(t *testing.T, f *fixture, out string) {
	t.Helper()
	if n := f.llm.Pending(); n != 0 {
		t.Fatalf("%d scripted replies were not used", n)
	}
	for _, line := range strings.Split(out, "\n") {
		if i := strings.Index(line, "timing "); i >= 0 {
			t.Log(strings.TrimSpace(line[i:]))
		}
	}
}

// slow is a long answer sent in small pieces, for the abort tests.
var slow = llmtest.Reply{Text: strings.Repeat("Once upon a time, ", 40), ChunkSize: 4, Delay: 30 * time.Millisecond}

// waitCancelled waits for the fake provider to see a model call whose
// client (the server, for the aborted client) went away.
func waitCancelled(t *testing.T, f *fixture, n int) {
	t.Helper()
	for i := range n {
		select {
		case <-f.cancelled:
		case <-time.After(10 * time.Second):
			t.Fatalf("abort %d of %d did not cancel the model call", i+1, n)
		}
	}
}

func TestOpenAINodeClient(t *testing.T) {
	f := clientFixture(t)
	f.llm.Enqueue(
		llmtest.Text("Hello from LocalGPT."),
		llmtest.Reply{Text: "Streaming works fine.", Usage: llmtest.Usage{Prompt: 12, Completion: 5}},
		llmtest.Text("Accumulated answer."),
		llmtest.HTTPError(401, "Incorrect API key provided"),
		llmtest.Reply{Text: "starts well", Error: "the provider fell over"},
		llmtest.Text("Hello from the Responses API."),
		llmtest.Reply{Text: "Streamed response.", Usage: llmtest.Usage{Prompt: 7, Completion: 3}},
		llmtest.ToolCalls(llmtest.Call{ID: "call_w", Name: "get_weather", Args: `{"city":"Paris"}`}),
		llmtest.Text("Sunny, 21°C in Paris."),
	)
	out := runNode(t, f, "openai.test.js")
	checkMatrix(t, f, out)
	first := f.llm.Calls("/v1/chat/completions")[0].JSON(t)
	if msgs := fmt.Sprint(first["messages"]); !strings.Contains(msgs, "Be brief.") || !strings.Contains(msgs, "Say hello") ||
		first["temperature"] != 0.2 || first["max_tokens"] != float64(100) || first["seed"] != float64(7) {
		t.Fatalf("the client's request did not reach the model: %v", first)
	}
}

func TestAISDKClients(t *testing.T) {
	f := clientFixture(t)
	f.llm.Enqueue(
		// @ai-sdk/openai, Responses API
		llmtest.Text("Hello from generateText."),
		llmtest.Reply{Text: "Streamed by the AI SDK.", Usage: llmtest.Usage{Prompt: 8, Completion: 5}},
		llmtest.ToolCalls(llmtest.Call{ID: "call_p", Name: "get_weather", Args: `{"city":"Paris"}`}),
		llmtest.Text("Sunny in Paris."),
		slow,
		llmtest.Text("Chat completions via the AI SDK."),
		// @ai-sdk/openai-compatible
		llmtest.Text("Hello from a compatible provider."),
		llmtest.Text("Compatible stream."),
		slow,
	)
	out := runNode(t, f, "ai-sdk.test.js")
	checkMatrix(t, f, out)
	waitCancelled(t, f, 2)
	calls := f.llm.Calls("/v1/chat/completions")
	if tool := string(calls[3].Body); !strings.Contains(tool, `"tool_call_id":"call_p"`) || !strings.Contains(tool, "sunny in Paris") {
		t.Fatalf("the tool result did not reach the model: %s", tool)
	}
}

func TestLangChainClient(t *testing.T) {
	f := clientFixture(t)
	f.llm.Enqueue(
		llmtest.Text("Hello from LangChain."),
		llmtest.Text("Streamed to LangChain."),
		llmtest.Text("Batch answer."), llmtest.Text("Batch answer."),
		llmtest.Text(`{"city":"Paris","country":"France"}`),
		llmtest.ToolCalls(llmtest.Call{ID: "call_s", Name: "place", Args: `{"city":"Rome","country":"Italy"}`}),
		llmtest.Text("Hello through Responses."),
		llmtest.HTTPError(401, "Incorrect API key provided"),
	)
	out := runNode(t, f, "langchain.test.js")
	checkMatrix(t, f, out)
	calls := f.llm.Calls("/v1/chat/completions")
	if rf := calls[4].JSON(t)["response_format"]; rf == nil || !strings.Contains(fmt.Sprint(rf), "json_schema") {
		t.Fatalf("withStructuredOutput's schema did not reach the model: %s", calls[4].Body)
	}
	if tc := calls[5].JSON(t)["tool_choice"]; !strings.Contains(fmt.Sprint(tc), "place") {
		t.Fatalf("the forced tool did not reach the model: %s", calls[5].Body)
	}
}
