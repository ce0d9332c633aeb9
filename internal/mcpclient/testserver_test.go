//go:build unix

package mcpclient

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The test binary doubles as the MCP servers these tests talk to: run
// with serverEnv set, it serves one behaviour over stdio and exits.
const serverEnv = "MCPCLIENT_TEST_SERVER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(serverEnv); mode != "" {
		serveTest(mode)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// testServer is the Config of a test server of the given behaviour.
func testServer(t testing.TB, name, mode string) Config {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return Config{Name: name, Command: exe, Args: []string{"-test.run=^$"},
		Env: map[string]string{serverEnv: mode}, StartTimeout: 10 * time.Second}
}

// serveTest serves mode:
//
//	good        tools echo, add, crash (exits mid-call), hang (never answers),
//	            pid (its own process id) and env (an environment variable)
//	exit        writes to stderr and exits before the handshake
//	silent      reads requests and never answers
//	bad-schema  hand-written JSON-RPC: tools with invalid schemas beside a good one
func serveTest(mode string) {
	switch mode {
	case "exit":
		fmt.Fprintln(os.Stderr, "Error: Cannot find module 'server.js'")
		os.Exit(3)
	case "silent":
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
		}
		return
	case "bad-schema":
		serveRaw()
		return
	}
	s := mcp.NewServer(&mcp.Implementation{Name: "test", Version: "1"}, nil)
	text := func(s string) *mcp.CallToolResult {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: s}}}
	}
	obj := func(props string) json.RawMessage {
		return json.RawMessage(`{"type":"object","properties":{` + props + `}}`)
	}
	s.AddTool(&mcp.Tool{Name: "echo", Description: "Echoes text.", InputSchema: obj(`"text":{"type":"string"}`)},
		func(_ context.Context, r *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			var a struct{ Text string }
			if err := json.Unmarshal(r.Params.Arguments, &a); err != nil {
				return nil, err
			}
			if a.Text == "fail" {
				return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "it failed"}}, IsError: true}, nil
			}
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "echo: " + a.Text},
				&mcp.ImageContent{MIMEType: "image/png", Data: []byte("png")}}}, nil
		})
	s.AddTool(&mcp.Tool{Name: "crash", InputSchema: obj("")}, func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		fmt.Fprintln(os.Stderr, "panic: boom")
		os.Exit(2)
		return nil, nil
	})
	s.AddTool(&mcp.Tool{Name: "hang", InputSchema: obj("")}, func(ctx context.Context, _ *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		select {} // ignores cancellation, as a stuck server does
	})
	s.AddTool(&mcp.Tool{Name: "pid", InputSchema: obj("")}, func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return text(fmt.Sprint(os.Getpid())), nil
	})
	s.AddTool(&mcp.Tool{Name: "env", InputSchema: obj(`"name":{"type":"string"}`)},
		func(_ context.Context, r *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			var a struct{ Name string }
			json.Unmarshal(r.Params.Arguments, &a)
			return text(a.Name + "=" + os.Getenv(a.Name)), nil
		})
	_ = s.Run(context.Background(), &mcp.StdioTransport{})
}

// serveRaw answers initialize and tools/list by hand, so that it can list
// tools the SDK's server would refuse to register.
func serveRaw() {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var req struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		if json.Unmarshal(sc.Bytes(), &req) != nil || req.ID == nil {
			continue
		}
		var result string
		switch req.Method {
		case "initialize":
			result = `{"protocolVersion":"2025-06-18","capabilities":{"tools":{}},"serverInfo":{"name":"raw","version":"1"}}`
		case "tools/list":
			result = `{"tools":[` +
				`{"name":"good","description":"Fine.","inputSchema":{"properties":{"q":{"type":"string"}}}},` +
				`{"name":"stringy","inputSchema":{"type":"string"}},` +
				`{"name":"nonsense","inputSchema":{"type":"object","properties":{"x":{"type":"nonsense"}}}},` +
				`{"name":"badref","inputSchema":{"type":"object","properties":{"x":{"$ref":"#/nowhere"}}}},` +
				`{"name":"good","inputSchema":{"type":"object"}}]}`
		case "tools/call":
			result = `{"content":[{"type":"text","text":"raw answer"}]}`
		default:
			fmt.Printf(`{"jsonrpc":"2.0","id":%s,"error":{"code":-32601,"message":"no method %s"}}`+"\n", req.ID, req.Method)
			continue
		}
		fmt.Printf(`{"jsonrpc":"2.0","id":%s,"result":%s}`+"\n", req.ID, result)
	}
}

// names lists "server__tool" (with " !" for a tool with a problem).
func names(tools []Tool) string {
	var out []string
	for _, t := range tools {
		n := t.Server + "." + t.Name
		if t.Problem != "" {
			n += "!"
		}
		out = append(out, n)
	}
	return strings.Join(out, " ")
}
