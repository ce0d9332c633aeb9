//go:build npm

// The tests in this file put the built localgpt against real MCP peers
// from npm (see mcp-tests/): the official TypeScript client against
// `localgpt mcp serve`, and LocalGPT's MCP client against the reference
// servers (@modelcontextprotocol/server-everything, server-filesystem) and
// a misbehaving server built on the TypeScript SDK. They need node and
// `npm ci` in mcp-tests; scripts/test runs them with `go test -tags npm`.
// Anything missing fails the test.
package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
	"github.com/localgpt-go/localgpt/internal/testbin"
)

// mcpTests is the folder of the npm peers, with node_modules installed.
func mcpTests(t *testing.T) (node, dir string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not installed (apt-get install nodejs npm): %v", err)
	}
	dir, err = filepath.Abs("../../mcp-tests")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@modelcontextprotocol", "sdk")); err != nil {
		t.Fatalf("mcp-tests has no node_modules: run `npm ci` in %s (scripts/test does): %v", dir, err)
	}
	return node, dir
}

const serveKey = "sk-test-000000000000" // llmtest.OpenAIConfig's key

// TestMCPServeTypeScriptClient runs the official TypeScript client
// (mcp-tests/serve.test.js) against `localgpt mcp serve`, over stdio (the
// client starts the binary) and over streamable HTTP with the token.
func TestMCPServeTypeScriptClient(t *testing.T) {
	node, dir := mcpTests(t)
	home, _ := fakeProviderHome(t)
	const token = "mcp-test-token-0123456789abcdef"
	cfg, _ := os.ReadFile(filepath.Join(home, "config.toml"))
	os.WriteFile(filepath.Join(home, "config.toml"), append(cfg, "[server]\napi_token = \""+token+"\"\n"...), 0o600)
	if _, errOut, code := runBinary(t, home, "paths"); code != 0 {
		t.Fatal(errOut)
	}
	ws := filepath.Join(home, "workspace")
	os.MkdirAll(filepath.Join(ws, "notes"), 0o700)
	os.WriteFile(filepath.Join(ws, "notes", "animals.md"), []byte("# Animals\n\nThe zebra has stripes.\n"), 0o600)
	os.WriteFile(filepath.Join(ws, "MEMORY.md"), []byte("# Memory\n\nThe user prefers green tea.\nTheir OpenAI key is "+serveKey+".\n"), 0o600)
	os.MkdirAll(filepath.Join(ws, "memory"), 0o700)
	os.WriteFile(filepath.Join(ws, "memory", time.Now().Format("2006-01-02")+".md"), []byte("# Today\n\nTested MCP.\n"), 0o600)

	addr := freeAddr(t)
	srv := testbin.Command(binary, home, "mcp", "serve", "--http", addr)
	stderr, err := srv.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Process.Signal(syscall.SIGTERM); srv.Wait() })
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "serving MCP on") {
				ready <- sc.Text()
			}
			t.Log("mcp serve: " + sc.Text())
		}
	}()
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		t.Fatal("mcp serve --http did not start")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", "serve.test.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LOCALGPT_BIN="+binary, "LOCALGPT_HOME="+home, "MCP_URL=http://"+addr+"/",
		"MCP_TOKEN="+token, "SECRET_KEY="+serveKey)
	out, err := cmd.CombinedOutput()
	t.Logf("node serve.test.js:\n%s", out)
	if err != nil {
		t.Fatalf("the TypeScript client's tests failed: %v", err)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestMCPClientAgainstNpmServers drives `ask --yes` with the scripted
// wire-level provider through the tools of real MCP servers: the reference
// servers answer, and each misbehaving one — a crash in the middle of a
// call, a call never answered, invalid schemas, a server that never
// answers at all, one that exits at start — gives the model a clear result
// while LocalGPT keeps going. No server outlives the command.
func TestMCPClientAgainstNpmServers(t *testing.T) {
	node, dir := mcpTests(t)
	home, srv := fakeProviderHome(t)
	shared := t.TempDir()
	os.WriteFile(filepath.Join(shared, "greeting.txt"), []byte("hello from the filesystem server\n"), 0o600)
	mod := func(pkg string) string {
		return filepath.Join(dir, "node_modules", "@modelcontextprotocol", pkg, "dist", "index.js")
	}
	misbehave := filepath.Join(dir, "servers", "misbehave.js")
	server := func(name string, allow string, extra string, args ...string) string {
		q := make([]string, len(args))
		for i, a := range args {
			q[i] = fmt.Sprintf("%q", a)
		}
		return fmt.Sprintf("[mcp.servers.%s]\ncommand = %q\nargs = [%s]\n%s%s", name, node, strings.Join(q, ", "), allow, extra)
	}
	cfg, _ := os.ReadFile(filepath.Join(home, "config.toml"))
	cfg = append(cfg, strings.Join([]string{
		server("everything", "", "", mod("server-everything"), "stdio"),
		server("fs", "allow = [\"read_text_file\"]\n", "", mod("server-filesystem"), shared),
		server("crash", "trust = true\n", "", misbehave, "crash"),
		server("hang", "trust = true\n", "timeout = \"2s\"\n", misbehave, "hang"),
		server("bad", "trust = true\n", "", misbehave, "bad-schema"),
		server("silent", "trust = true\n", "start_timeout = \"3s\"\n", misbehave, "silent"),
		server("exits", "trust = true\n", "", misbehave, "exit"),
	}, "\n")...)
	os.WriteFile(filepath.Join(home, "config.toml"), cfg, 0o600)

	// The listing the user sees first.
	out, errOut, code := runBinary(t, home, "mcp", "list")
	if code != 0 || !regexp.MustCompile(`everything__echo +ask`).MatchString(out) || !regexp.MustCompile(`fs__read_text_file +allowed`).MatchString(out) ||
		!regexp.MustCompile(`bad__stringy +not offered: its input schema has type "string"`).MatchString(out) {
		t.Fatalf("mcp list: code %d\n%s\n%s", code, out, errOut)
	}

	srv.Enqueue(
		llmtest.ToolCalls(
			llmtest.Call{ID: "1", Name: "everything__echo", Args: `{"message":"hello MCP"}`},
			llmtest.Call{ID: "2", Name: "fs__read_text_file", Args: fmt.Sprintf(`{"path":%q}`, filepath.Join(shared, "greeting.txt"))},
			llmtest.Call{ID: "3", Name: "crash__crash", Args: `{}`},
			llmtest.Call{ID: "4", Name: "hang__wait", Args: `{}`},
		),
		llmtest.ToolCalls(
			llmtest.Call{ID: "5", Name: "bad__stringy", Args: `{}`},
			llmtest.Call{ID: "6", Name: "bad__fine", Args: `{"note":"x"}`},
			llmtest.Call{ID: "7", Name: "silent__anything", Args: `{}`},
			llmtest.Call{ID: "8", Name: "exits__anything", Args: `{}`},
			llmtest.Call{ID: "9", Name: "hang__ping", Args: `{}`},
		),
		llmtest.Text("All done."),
	)
	start := time.Now()
	out, errOut, code = runBinary(t, home, "ask", "--yes", "use the tools")
	t.Logf("ask took %s\nstderr:\n%s", time.Since(start), errOut)
	if code != 0 || out != "All done.\n" {
		t.Fatalf("ask: code %d\nstdout %q\nstderr %s", code, out, errOut)
	}
	calls := srv.Calls("/v1/chat/completions")
	if len(calls) != 3 {
		t.Fatalf("%d model calls, want 3", len(calls))
	}
	first := string(calls[0].Body)
	for _, want := range []string{`"everything__echo"`, `"fs__read_text_file"`, `"bad__fine"`, `"hang__wait"`, "[MCP server everything]"} {
		if !strings.Contains(first, want) {
			t.Errorf("the tools offered lack %s", want)
		}
	}
	for _, not := range []string{`"bad__stringy"`, `"bad__nonsense"`, `"silent__`, `"exits__`} {
		if strings.Contains(first, not) {
			t.Errorf("the tools offered include %s", not)
		}
	}
	second, third := string(calls[1].Body), string(calls[2].Body)
	for _, want := range []string{
		"Echo: hello MCP",
		"hello from the filesystem server",
		"MCP server crash stopped during the call: it exited (exit status 3); its last output: fatal: out of cheese",
		"MCP server hang did not answer wait within 2s (mcp.servers.hang.timeout)",
	} {
		if !strings.Contains(second, want) {
			t.Errorf("the model did not see %q in:\n%s", want, second)
		}
	}
	for _, want := range []string{
		`bad__stringy is not available: its input schema has type \"string\"`,
		"ran fine",
		"MCP server silent is unavailable: could not start: it did not answer within 3s (mcp.servers.silent.start_timeout)",
		"MCP server exits is unavailable: could not start",
		"cannot find the database file",
		"pong",
	} {
		if !strings.Contains(third, want) {
			t.Errorf("the model did not see %q in:\n%s", want, third)
		}
	}
	for _, want := range []string{"MCP server silent: could not start", "MCP server exits: could not start", "MCP server crash:"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q", want)
		}
	}
	// Every server stopped with LocalGPT: no process still runs one.
	if left := processesWith(t, dir); len(left) > 0 {
		t.Fatalf("MCP servers outlived localgpt: %v", left)
	}

	// Without --yes, a tool that is neither allowed nor trusted is refused
	// and the model is told how the user can allow it; an allowed one runs.
	srv.Enqueue(
		llmtest.ToolCalls(
			llmtest.Call{ID: "a", Name: "everything__echo", Args: `{"message":"x"}`},
			llmtest.Call{ID: "b", Name: "fs__read_text_file", Args: fmt.Sprintf(`{"path":%q}`, filepath.Join(shared, "greeting.txt"))},
		),
		llmtest.Text("Refused one."),
	)
	out, errOut, code = runBinary(t, home, "ask", "try again")
	if code != 0 || out != "Refused one.\n" {
		t.Fatalf("ask without --yes: code %d\n%s\n%s", code, out, errOut)
	}
	last := string(srv.Last(t, "/v1/chat/completions").Body)
	if !strings.Contains(last, `everything__echo (a tool of MCP server everything) needs approval`) ||
		!strings.Contains(last, `adding \"echo\" to allow, or setting trust = true, in [mcp.servers.everything]`) ||
		!strings.Contains(last, "hello from the filesystem server") {
		t.Fatalf("approval: %s", last)
	}
}
