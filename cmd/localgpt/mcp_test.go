package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
)

// TestAskUsesAnotherLocalGPTOverMCP connects LocalGPT's MCP client to
// LocalGPT's MCP server: `ask` in one home searches the memory of another
// through `localgpt mcp serve` run as a stdio server, started for the turn
// and stopped with it. The allowed tool runs unasked; the others still
// need approval.
func TestAskUsesAnotherLocalGPTOverMCP(t *testing.T) {
	other := t.TempDir()
	if _, errOut, code := runBinary(t, other, "paths"); code != 0 {
		t.Fatal(errOut)
	}
	os.MkdirAll(filepath.Join(other, "workspace", "notes"), 0o700)
	os.WriteFile(filepath.Join(other, "workspace", "notes", "animals.md"), []byte("# Animals\n\nThe okapi lives in the Congo.\n"), 0o600)

	home, srv := fakeProviderHome(t)
	cfg, _ := os.ReadFile(filepath.Join(home, "config.toml"))
	cfg = append(cfg, fmt.Sprintf("[mcp.servers.other]\ncommand = %q\nargs = [\"mcp\", \"serve\"]\nenv = { LOCALGPT_HOME = %q, HOME = %q }\nallow = [\"memory_search\"]\n",
		binary, other, filepath.Join(other, "user"))...)
	os.WriteFile(filepath.Join(home, "config.toml"), cfg, 0o600)

	srv.Enqueue(
		llmtest.ToolCalls(
			llmtest.Call{ID: "1", Name: "other__memory_search", Args: `{"query":"okapi"}`},
			llmtest.Call{ID: "2", Name: "other__memory_save", Args: `{"content":"written from elsewhere"}`},
		),
		llmtest.Text("The okapi lives in the Congo."),
	)
	out, errOut, code := runBinary(t, home, "ask", "where does the okapi live?")
	if code != 0 || out != "The okapi lives in the Congo.\n" {
		t.Fatalf("code %d\nstdout %q\nstderr %s", code, out, errOut)
	}
	first := string(srv.Calls("/v1/chat/completions")[0].Body)
	for _, want := range []string{`"other__memory_search"`, `"other__memory_get"`, `"other__memory_save"`, "[MCP server other] Search the user's memory"} {
		if !strings.Contains(first, want) {
			t.Errorf("the tools offered lack %s", want)
		}
	}
	last := string(srv.Last(t, "/v1/chat/completions").Body)
	if !strings.Contains(last, "notes/animals.md:") || !strings.Contains(last, "other__memory_save (a tool of MCP server other) needs approval") {
		t.Fatalf("the results did not reach the model: %s", last)
	}
	if data, _ := os.ReadFile(filepath.Join(other, "workspace", "MEMORY.md")); strings.Contains(string(data), "elsewhere") {
		t.Fatal("a tool that needs approval ran unasked")
	}
	if left := processesWith(t, other); len(left) > 0 {
		t.Fatalf("the MCP server outlived ask: %v", left)
	}
}

// processesWith lists the running processes whose command line or
// environment mentions s.
func processesWith(t *testing.T, s string) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		environ, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if !strings.Contains(string(cmdline), s) && !strings.Contains(string(environ), s) {
			continue
		}
		if stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat")); err == nil && strings.Contains(string(stat), ") Z ") {
			continue // a zombie, already dead
		}
		out = append(out, e.Name()+": "+strings.ReplaceAll(string(cmdline), "\x00", " "))
	}
	return out
}

// TestMCPServeOnATerminalSaysWhatItWaitsFor: run by a person in a
// terminal, mcp serve says on stderr that it waits for an MCP client
// (instead of hanging silently), and Ctrl-D ends it with exit 0; run by a
// client (a pipe), it says nothing of the kind.
func TestMCPServeOnATerminalSaysWhatItWaitsFor(t *testing.T) {
	home := t.TempDir()
	if _, errOut, code := runBinary(t, home, "paths"); code != 0 {
		t.Fatal(errOut)
	}
	const hint = "waiting for an MCP client's JSON-RPC on standard input"
	tm := startTerm(t, home, true, "mcp", "serve")
	tm.expect(hint)
	tm.send("\x04") // Ctrl-D: the end of the input
	tm.wait()
	if code := tm.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit %d after Ctrl-D:\n%s", code, tm.output())
	}
	if _, errOut, code := runBinary(t, home, "mcp", "serve"); code != 0 || strings.Contains(errOut, hint) {
		t.Errorf("through a pipe: exit %d, stderr %q", code, errOut)
	}
}
