package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/internal/apitoken"
	"github.com/localgpt-go/localgpt/internal/assistant"
	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
	"github.com/localgpt-go/localgpt/internal/memory"
)

// fixture is a server over a real home in t.TempDir() whose model is
// served by a fake OpenAI server, reached through a front that reports
// each model call that ended because the client cancelled it.
type fixture struct {
	t   testing.TB
	srv *Server
	hs  *httptest.Server
	llm *llmtest.Server
	// cancelled receives the path of every model call whose client went away.
	cancelled chan string
	home      string
	paths     config.Paths
	// token is sent as "Authorization: Bearer" unless a request sets
	// Authorization itself ("" for none).
	token string
}

// newFixture builds the fixture; extra is appended to config.toml.
func newFixture(t testing.TB, extra string) *fixture {
	t.Helper()
	fake := llmtest.NewOpenAI(t)
	fake.SetModels(llmtest.Model{Name: "gpt-4o-mini"}, llmtest.Model{Name: "fake-small"})
	f := &fixture{t: t, llm: fake, cancelled: make(chan string, 16), home: t.TempDir()}
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fake.ServeHTTP(w, r)
		if r.Context().Err() != nil {
			f.cancelled <- r.URL.Path
		}
	}))
	t.Cleanup(front.Close)
	ollama := llmtest.NewOllama(t) // where bare names go by default: a local server with one model
	ollama.SetModels(llmtest.Model{Name: "llama3.2"})
	cfgText := llmtest.OpenAIConfig(front.URL) + fmt.Sprintf("[providers.ollama]\nendpoint = %q\n", ollama.URL) + extra
	file := filepath.Join(f.home, "config.toml")
	if err := os.WriteFile(file, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	getenv := func(string) string { return "" }
	cfg, _, err := config.LoadFile(file, getenv)
	if err != nil {
		t.Fatal(err)
	}
	f.paths = config.ResolvePaths(f.home, file, cfg, getenv)
	if _, err := memory.EnsureWorkspace(f.paths.Workspace); err != nil {
		t.Fatal(err)
	}
	o := testOptions(t, cfg, f.paths, getenv)
	o.Version = "test"
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = s
	if f.token, err = apitoken.Resolve(cfg.Server.APIToken, apitoken.Path(f.paths.State), false); err != nil || f.token == "" {
		t.Fatalf("the server made no token: %v", err)
	}
	f.hs = httptest.NewServer(s)
	t.Cleanup(func() {
		f.hs.CloseClientConnections()
		f.hs.Close()
		s.Close()
	})
	return f
}

// testOptions translates cfg into the server's options over a
// composition root of its own, as the CLI does (cli.serverOptions).
func testOptions(t testing.TB, cfg *config.Config, paths config.Paths, getenv func(string) string) Options {
	t.Helper()
	root := assistant.NewRoot(assistant.RootOptions{Config: cfg, Paths: paths, Getenv: getenv})
	t.Cleanup(func() { root.Close() })
	sc := cfg.Server
	return Options{
		Paths: paths, Bind: sc.Bind, Port: sc.Port, APIToken: sc.APIToken,
		RequestTimeout: sc.RequestTimeout.Duration, ChatTimeout: sc.ChatTimeout.Duration, MaxBodyBytes: sc.MaxBodyBytes,
		DefaultModel: cfg.Agent.DefaultModel, HeartbeatEnabled: cfg.Heartbeat.Enabled,
		Assistants: func(ctx context.Context, model string, noMemory bool) (*assistant.Assistant, error) {
			return root.Open(ctx, assistant.Options{Model: model, NoMemory: noMemory, ClientRetries: true})
		},
		Memory: root.Memory, Models: root.Models(), Secrets: root.Secrets(),
	}
}

// do sends a request and returns the status and body.
func (f *fixture) do(method, path, body string, header ...string) (int, []byte) {
	f.t.Helper()
	resp := f.send(context.Background(), method, path, body, header...)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp.StatusCode, data
}

func (f *fixture) send(ctx context.Context, method, path, body string, header ...string) *http.Response {
	f.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, f.hs.URL+path, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+f.token)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
		if header[i+1] == "" {
			req.Header.Del(header[i])
		}
	}
	resp, err := f.hs.Client().Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp
}

// authorize adds the fixture's token to a request made by hand.
func (f *fixture) authorize(req *http.Request) { req.Header.Set("Authorization", "Bearer "+f.token) }

// decode unmarshals body into a map, failing on anything else.
func decode(t testing.TB, body []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, body)
	}
	return m
}

// errorCode returns error.code of an error body, failing if the body is
// not in the error shape.
func errorCode(t testing.TB, body []byte) string {
	t.Helper()
	var e struct {
		Error *struct{ Code, Message string }
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Error == nil || e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("not an error body: %v\n%s", err, body)
	}
	return e.Error.Code
}

// sseEvent is one parsed Server-Sent Event.
type sseEvent struct {
	Name string
	Data string
}

// readSSE parses a whole stream strictly: every block is optional
// "event: name" then exactly one "data: …" line, ended by a blank line.
func readSSE(t testing.TB, r io.Reader) []sseEvent {
	t.Helper()
	var out []sseEvent
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var cur sseEvent
	var lines int
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if lines == 0 {
				t.Fatalf("empty SSE block after %d events", len(out))
			}
			out = append(out, cur)
			cur, lines = sseEvent{}, 0
		case strings.HasPrefix(line, "event: ") && lines == 0:
			cur.Name = strings.TrimPrefix(line, "event: ")
			lines++
		case strings.HasPrefix(line, "data: ") && cur.Data == "":
			cur.Data = strings.TrimPrefix(line, "data: ")
			lines++
		default:
			t.Fatalf("bad SSE line %q after %d events", line, len(out))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read stream: %v", err)
	}
	if lines != 0 {
		t.Fatalf("stream ends inside an event: %+v", cur)
	}
	return out
}

// waitCalls waits until the fake provider has received n model calls.
func (f *fixture) waitCalls(n int) {
	f.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for len(f.llm.Calls("/v1/chat/completions")) < n {
		if time.Now().After(deadline) {
			f.t.Fatalf("the provider got %d model calls, want %d", len(f.llm.Calls("/v1/chat/completions")), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func compactJSON(t testing.TB, s string) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
