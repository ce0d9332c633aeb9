//go:build unix

package mcpclient

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func newManager(t *testing.T, servers ...Config) *Manager {
	t.Helper()
	m := New(Options{Servers: servers, Environ: []string{"PATH=/usr/bin:/bin", "KEEP=base"}, Version: "test"})
	t.Cleanup(func() { m.Close() })
	return m
}

func call(t *testing.T, m *Manager, server, tool, args string) (Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return m.Call(ctx, server, tool, json.RawMessage(args))
}

func mustCall(t *testing.T, m *Manager, server, tool, args string) Result {
	t.Helper()
	r, err := call(t, m, server, tool, args)
	if err != nil {
		t.Fatalf("%s %s: %v", server, tool, err)
	}
	return r
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

func TestNewStartsNothing(t *testing.T) {
	before := runtime.NumGoroutine()
	m := newManager(t, testServer(t, "a", "good"), testServer(t, "b", "good"))
	if n := runtime.NumGoroutine(); n != before {
		t.Fatalf("New started %d goroutines", n-before)
	}
	for _, s := range m.servers {
		if s.state != Idle || s.cmd != nil {
			t.Fatalf("%s is %s", s.cfg.Name, s.state)
		}
	}
	if got := strings.Join(m.Names(), " "); got != "a b" {
		t.Fatal(got)
	}
}

func TestToolsStartsServersAndCallsWork(t *testing.T) {
	m := newManager(t, testServer(t, "zz", "good"), testServer(t, "aa", "good"))
	tools := m.Tools(context.Background())
	if got := names(tools); got != "aa.crash aa.echo aa.env aa.hang aa.pid zz.crash zz.echo zz.env zz.hang zz.pid" {
		t.Fatalf("tools %q", got)
	}
	if tools[1].Description != "Echoes text." || !strings.Contains(string(tools[1].InputSchema), `"text"`) {
		t.Fatalf("%+v", tools[1])
	}
	r := mustCall(t, m, "aa", "echo", `{"text":"hi"}`)
	if r.IsError || r.Text != "echo: hi\n[image: image/png, 3 bytes, not shown]" {
		t.Fatalf("%+v", r)
	}
	if r := mustCall(t, m, "aa", "echo", `{"text":"fail"}`); !r.IsError || r.Text != "it failed" {
		t.Fatalf("a tool error must come back as an error result: %+v", r)
	}
	if r := mustCall(t, m, "zz", "env", `{"name":"KEEP"}`); r.Text != "KEEP=base" {
		t.Fatalf("base environment: %q", r.Text)
	}
	if r := mustCall(t, m, "zz", "env", `{"name":"HOME"}`); r.Text != "HOME=" {
		t.Fatalf("only the given environment is passed: %q", r.Text)
	}
	if _, err := call(t, m, "aa", "nope", `{}`); err == nil || !strings.Contains(err.Error(), "MCP server aa refused the call") {
		t.Fatalf("unknown tool: %v", err)
	}
	if _, err := call(t, m, "nobody", "echo", `{}`); err == nil || !strings.Contains(err.Error(), `no MCP server named "nobody"`) {
		t.Fatalf("unknown server: %v", err)
	}
}

func TestCrashMidCallIsReportedAndRestarted(t *testing.T) {
	m := newManager(t, testServer(t, "c", "good"))
	pid, _ := strconv.Atoi(mustCall(t, m, "c", "pid", `{}`).Text)
	_, err := call(t, m, "c", "crash", `{}`)
	if err == nil || !strings.Contains(err.Error(), "MCP server c stopped during the call") ||
		!strings.Contains(err.Error(), "exit status 2") || !strings.Contains(err.Error(), "panic: boom") {
		t.Fatalf("crash: %v", err)
	}
	if alive(pid) {
		t.Fatal("the crashed server was not reaped")
	}
	_, err = call(t, m, "c", "pid", `{}`)
	if err == nil || !strings.Contains(err.Error(), "tries it again in") {
		t.Fatalf("a call within the backoff: %v", err)
	}
	time.Sleep(backoff(1) + 100*time.Millisecond)
	again, _ := strconv.Atoi(mustCall(t, m, "c", "pid", `{}`).Text)
	if again == pid || again == 0 {
		t.Fatalf("not restarted: pid %d then %d", pid, again)
	}
	if st := m.Status(context.Background())[0]; st.State != Running || st.PID != again {
		t.Fatalf("%+v", st)
	}
}

func TestHungCallTimesOutAndServerStaysUsable(t *testing.T) {
	cfg := testServer(t, "h", "good")
	cfg.Timeout = 300 * time.Millisecond
	m := newManager(t, cfg)
	_, err := call(t, m, "h", "hang", `{}`)
	if err == nil || !strings.Contains(err.Error(), "did not answer hang within 300ms (mcp.servers.h.timeout)") {
		t.Fatalf("hang: %v", err)
	}
	if r := mustCall(t, m, "h", "echo", `{"text":"still here"}`); !strings.HasPrefix(r.Text, "echo: still here") {
		t.Fatal(r.Text)
	}
}

func TestServersThatFailToStart(t *testing.T) {
	silent := testServer(t, "silent", "silent")
	silent.StartTimeout = 500 * time.Millisecond
	missing := Config{Name: "missing", Command: "/nonexistent/mcp-server"}
	var mu sync.Mutex
	heard := map[string]string{}
	m := New(Options{Servers: []Config{silent, testServer(t, "exits", "exit"), missing, testServer(t, "ok", "good")},
		OnFailure: func(name string, err error) { mu.Lock(); heard[name] = err.Error(); mu.Unlock() }})
	t.Cleanup(func() { m.Close() })
	start := time.Now()
	tools := m.Tools(context.Background())
	if time.Since(start) > 8*time.Second {
		t.Fatalf("starting took %s", time.Since(start))
	}
	if got := names(tools); got != "ok.crash ok.echo ok.env ok.hang ok.pid" || strings.Contains(got, "silent") {
		t.Fatalf("tools %q", got)
	}
	want := map[string][]string{
		"silent":  {"did not answer within 500ms (mcp.servers.silent.start_timeout)"},
		"exits":   {"exit status 3", "Cannot find module"},
		"missing": {"/nonexistent/mcp-server", "check mcp.servers.missing.command"},
	}
	for _, st := range m.Status(context.Background()) {
		if st.Name == "ok" {
			if st.State != Running || st.Error != "" || len(st.Tools) != 5 || st.PID == 0 {
				t.Errorf("%+v", st)
			}
			continue
		}
		if st.State != Failed {
			t.Errorf("%s: state %s", st.Name, st.State)
		}
		for _, sub := range want[st.Name] {
			if !strings.Contains(st.Error, sub) {
				t.Errorf("%s: error %q lacks %q", st.Name, st.Error, sub)
			}
		}
	}
	if _, err := call(t, m, "exits", "anything", `{}`); err == nil || !strings.Contains(err.Error(), "MCP server exits is unavailable") {
		t.Fatalf("call to a failed server: %v", err)
	}
	if err := m.Unavailable("exits"); err == nil || !strings.Contains(err.Error(), "exit status 3") {
		t.Fatalf("Unavailable: %v", err)
	}
	if m.Unavailable("ok") != nil || m.Unavailable("nobody") != nil {
		t.Fatal("a running or unknown server reported unavailable")
	}
	mu.Lock()
	if heard["silent"] == "" || !strings.Contains(heard["exits"], "Cannot find module") || heard["ok"] != "" {
		t.Errorf("OnFailure heard %v", heard)
	}
	mu.Unlock()
	// A later listing does not wait for the broken servers again.
	start = time.Now()
	m.Tools(context.Background())
	if d := time.Since(start); d > 400*time.Millisecond {
		t.Fatalf("a later listing waited %s for failed servers", d)
	}
}

func TestInvalidSchemasAreFlagged(t *testing.T) {
	m := newManager(t, testServer(t, "raw", "bad-schema"))
	tools := m.Tools(context.Background())
	problems := map[string]string{}
	for _, tl := range tools {
		problems[tl.Name] += tl.Problem + ";"
	}
	if got := names(tools); got != "raw.good raw.stringy! raw.nonsense! raw.badref! raw.good!" {
		t.Fatalf("tools %q", got)
	}
	if !strings.Contains(string(tools[0].InputSchema), `"type":"object"`) {
		t.Fatalf("a schema without a type is an object schema: %s", tools[0].InputSchema)
	}
	for name, sub := range map[string]string{"stringy": `type "string"`, "nonsense": "not valid JSON Schema", "badref": "not valid JSON Schema", "good": "two tools of this name"} {
		if !strings.Contains(problems[name], sub) {
			t.Errorf("%s: %q lacks %q", name, problems[name], sub)
		}
	}
	if r := mustCall(t, m, "raw", "good", `{"q":"x"}`); r.Text != "raw answer" {
		t.Fatal(r.Text)
	}
}

func TestCloseStopsEverything(t *testing.T) {
	m := New(Options{Servers: []Config{testServer(t, "a", "good"), testServer(t, "b", "good")}})
	pidA, _ := strconv.Atoi(mustCall(t, m, "a", "pid", `{}`).Text)
	pidB, _ := strconv.Atoi(mustCall(t, m, "b", "pid", `{}`).Text)
	hung := make(chan error, 1)
	go func() { _, err := m.Call(context.Background(), "a", "hang", json.RawMessage(`{}`)); hung <- err }()
	time.Sleep(100 * time.Millisecond)
	before := runtime.NumGoroutine()
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-hung:
		if err == nil {
			t.Fatal("the hung call succeeded")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a call in flight survived Close")
	}
	if alive(pidA) || alive(pidB) {
		t.Fatal("servers outlived Close")
	}
	if _, err := m.Call(context.Background(), "a", "pid", nil); err == nil || !strings.Contains(err.Error(), "stopping") {
		t.Fatalf("call after Close: %v", err)
	}
	if runtime.NumGoroutine() >= before {
		t.Logf("goroutines: %d before Close, %d after", before, runtime.NumGoroutine())
	}
}

func TestStreamableHTTPWithHeaders(t *testing.T) {
	s := mcp.NewServer(&mcp.Implementation{Name: "http-test", Version: "1"}, nil)
	s.AddTool(&mcp.Tool{Name: "whoami", InputSchema: json.RawMessage(`{"type":"object"}`)},
		func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "over http"}}}, nil
		})
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer sekrit-token" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close) // after the manager's own cleanup, which closes its sessions
	good := Config{Name: "web", URL: hs.URL, Headers: map[string]string{"Authorization": "Bearer sekrit-token"}, StartTimeout: 10 * time.Second}
	bad := Config{Name: "nokey", URL: hs.URL, StartTimeout: 10 * time.Second}
	m := newManager(t, good, bad)
	if got := names(m.Tools(context.Background())); got != "web.whoami" {
		t.Fatalf("tools %q", got)
	}
	if r := mustCall(t, m, "web", "whoami", ``); r.Text != "over http" {
		t.Fatal(r.Text)
	}
	st := m.Status(context.Background())
	if st[0].Name != "nokey" || st[0].State != Failed || !strings.Contains(st[0].Error, "Unauthorized") || st[0].Transport != "http" {
		t.Fatalf("%+v", st[0])
	}
}

func TestCancelledCallReturnsPromptly(t *testing.T) {
	m := newManager(t, testServer(t, "c", "good"))
	mustCall(t, m, "c", "pid", `{}`)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(100 * time.Millisecond); cancel() }()
	start := time.Now()
	_, err := m.Call(ctx, "c", "hang", json.RawMessage(`{}`))
	if !errors.Is(err, context.Canceled) || time.Since(start) > 5*time.Second {
		t.Fatalf("%v after %s", err, time.Since(start))
	}
}

func TestBackoffGrowsAndIsBounded(t *testing.T) {
	want := []time.Duration{time.Second, time.Second, 2 * time.Second, 4 * time.Second}
	for i, w := range want {
		if got := backoff(i); got != w {
			t.Errorf("backoff(%d) = %s, want %s", i, got, w)
		}
	}
	if backoff(100) != maxBackoff {
		t.Error(backoff(100))
	}
}

// BenchmarkStart compares starting a stdio server (process, handshake,
// tool list, then stop) through the Manager with doing the same with the
// SDK alone: the difference is what LocalGPT adds to a server's own start.
func BenchmarkStart(b *testing.B) {
	cfg := testServer(b, "s", "good")
	b.Run("sdk", func(b *testing.B) {
		for b.Loop() {
			cmd := exec.Command(cfg.Command, cfg.Args...)
			cmd.Env = environ(nil, cfg.Env)
			c := mcp.NewClient(&mcp.Implementation{Name: "bench"}, nil)
			sess, err := c.Connect(context.Background(), &mcp.CommandTransport{Command: cmd}, nil)
			if err != nil {
				b.Fatal(err)
			}
			if res, err := sess.ListTools(context.Background(), nil); err != nil || len(res.Tools) != 5 {
				b.Fatal(err)
			}
			sess.Close()
		}
	})
	b.Run("manager", func(b *testing.B) {
		for b.Loop() {
			m := New(Options{Servers: []Config{cfg}})
			if tools := m.Tools(context.Background()); len(tools) != 5 {
				b.Fatalf("%d tools", len(tools))
			}
			m.Close()
		}
	})
}

// TestListingWaitsCancellably: a listing with a context already done
// starts the servers but returns at once (sessions count tool tokens that
// way); a waiting listing ends when its context does (Ctrl-C), and the
// start goes on for the next turn.
func TestListingWaitsCancellably(t *testing.T) {
	silent := testServer(t, "silent", "silent")
	m := newManager(t, testServer(t, "good", "good"), silent)
	done, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if tools := m.Tools(done); len(tools) != 0 || time.Since(start) > time.Second {
		t.Fatalf("%d tools after %s", len(tools), time.Since(start))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start = time.Now()
	m.Tools(ctx)
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("a cancelled listing waited %s", d)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(m.Tools(done)) != 5 {
		if time.Now().After(deadline) {
			t.Fatal("the background start of good never finished")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
