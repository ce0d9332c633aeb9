package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMCPListSaysAFailureOnce: a server that cannot start, or that exits
// during the handshake (real processes), is shown in the listing (and in
// doctor's checks) with its reason, and not once more as a warning on
// stderr.
func TestMCPListSaysAFailureOnce(t *testing.T) {
	home := t.TempDir()
	missing := filepath.Join(home, "no-such-server")
	cfg := fmt.Sprintf("[mcp.servers.gone]\ncommand = %q\n\n[mcp.servers.quits]\ncommand = \"sh\"\nargs = [\"-c\", \"echo out of cheese >&2; exit 3\"]\n", missing)
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, home, "mcp", "list")
	if r.code != 0 {
		t.Fatalf("%+v", r)
	}
	for _, want := range []string{"gone  failed  stdio\n  " + missing + "\n  error: could not start:", "quits  failed  stdio", "its last output: out of cheese"} {
		if strings.Count(r.stdout, want) != 1 {
			t.Errorf("listing lacks %q once:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stderr, "MCP server") {
		t.Errorf("a failure is said again on stderr:\n%s", r.stderr)
	}

	r = run(t, home, "mcp", "list", "--json")
	var st []struct{ Name, State, Error string }
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil || r.code != 0 || len(st) != 2 ||
		st[0].State != "failed" || !strings.Contains(st[1].Error, "out of cheese") || strings.Contains(r.stderr, "MCP server") {
		t.Fatalf("--json: %v %+v", err, r)
	}

	r = run(t, home, "doctor")
	if r.code == 0 || strings.Count(r.stdout, "✗ mcp gone       could not start:") != 1 || !strings.Contains(r.stdout, "✗ mcp quits") ||
		strings.Contains(r.stderr, "MCP server") {
		t.Fatalf("doctor: %+v", r)
	}
}

// TestMCPServeStdinThatIsNotMCP: text that is not JSON-RPC on mcp serve's
// standard input (a person typing, a wrong pipe) is an error that says
// what the command expects, and an empty input ends it quietly.
func TestMCPServeStdinThatIsNotMCP(t *testing.T) {
	home := t.TempDir()
	cases := []struct {
		name, stdin string
		code        int
		stderr      string
	}{
		{"not JSON", "hello\n", ExitError, "mcp serve: standard input is not MCP's JSON-RPC (invalid character 'h'"},
		{"empty", "", 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runIn(t, home, tc.stdin, "mcp", "serve")
			if r.code != tc.code || !strings.Contains(r.stderr, tc.stderr) || tc.stderr != "" && !strings.Contains(r.stderr, "docs/mcp.md") {
				t.Fatalf("want exit %d and %q: %+v", tc.code, tc.stderr, r)
			}
		})
	}
}
