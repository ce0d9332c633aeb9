package security_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/internal/cli"
	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
)

// TestMCPServerURLKeyNeverLeaves (red team, after MCP landed): a hosted MCP
// server configured by URL with its key in it (?api_key=…, or in the path
// as some put it) that could not be reached: the connection error quoted
// the URL whole, and it went to the model as the tool's result (so to the
// provider), into the session file, and into `config show`. Keys in an
// MCP server's URL are now secrets like its headers.
func TestMCPServerURLKeyNeverLeaves(t *testing.T) {
	const queryKey, pathKey = "smk_live_9fQ2xR7vB3nK8mT1", "a8F3kQ9zX2mV7bN4cR6tY1"
	for _, e := range entries() {
		t.Run(e.name, func(t *testing.T) {
			l := newLab(t, "[mcp.servers.hosted]\nurl = \"http://127.0.0.1:1/mcp?api_key="+queryKey+"\"\n"+
				"[mcp.servers.zap]\nurl = \"http://127.0.0.1:1/api/mcp/s/"+pathKey+"/mcp\"\n")
			l.llm.Enqueue(llmtest.ToolCalls(call("a", "hosted__search", map[string]any{"q": "x"}), call("b", "zap__send", map[string]any{})), llmtest.Text("done"))
			e.run(l, false)
			results := l.toolResults()
			if !strings.Contains(results, "MCP server hosted is unavailable") || !strings.Contains(results, "MCP server zap is unavailable") {
				t.Fatalf("the servers' failure did not reach the model, so the attack was not replayed:\n%s", results)
			}
			for _, key := range []string{queryKey, pathKey} {
				if strings.Contains(results, key) {
					t.Fatalf("a key in the server's URL reached the model:\n%s", results)
				}
				sessions, _ := filepath.Glob(filepath.Join(l.home, "sessions", "*.jsonl"))
				for _, f := range sessions {
					if data, _ := os.ReadFile(f); bytes.Contains(data, []byte(key)) {
						t.Fatalf("a key in the server's URL is in %s", f)
					}
				}
			}
		})
	}
	l := newLab(t, "[mcp.servers.hosted]\nurl = \"http://127.0.0.1:1/mcp?api_key="+queryKey+"&region=europe-west\"\n")
	var out, errOut bytes.Buffer
	if code := cli.Main(context.Background(), []string{"config", "show"}, l.getenv, strings.NewReader(""), &out, &errOut); code != 0 {
		t.Fatalf("config show: %d %s", code, errOut.String())
	}
	if strings.Contains(out.String(), queryKey) || !strings.Contains(out.String(), "region=europe-west") {
		t.Fatalf("config show did not mask the key in the URL alone:\n%s", out.String())
	}
	for _, args := range [][]string{{"mcp", "list"}, {"mcp", "list", "--json"}} {
		out.Reset()
		errOut.Reset()
		cli.Main(context.Background(), args, l.getenv, strings.NewReader(""), &out, &errOut)
		if both := out.String() + errOut.String(); strings.Contains(both, queryKey) || !strings.Contains(both, "connection refused") {
			t.Fatalf("localgpt %s shows the key, or not the failure:\n%s", strings.Join(args, " "), both)
		}
	}
}
