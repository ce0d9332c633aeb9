package tools

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/localgpt-go/localgpt/internal/mcpclient"
	"github.com/localgpt-go/localgpt/internal/secret"
)

const mcpKey = "sk-mcp-0123456789abcdefghij"

// mcpManager runs a real MCP server (the go-sdk's, over streamable HTTP on
// loopback) named srv, and returns a client manager of it.
func mcpManager(t *testing.T) *mcpclient.Manager {
	t.Helper()
	s := mcp.NewServer(&mcp.Implementation{Name: "tools-test", Version: "1"}, nil)
	text := func(s string) *mcp.CallToolResult {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: s}}}
	}
	s.AddTool(&mcp.Tool{Name: "echo", Description: "Echo\n  the text.", InputSchema: json.RawMessage(`{"type":"object","properties":{"text":{"type":"string"}}}`)},
		func(_ context.Context, r *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			var a struct{ Text string }
			json.Unmarshal(r.Params.Arguments, &a)
			return text("echo: " + a.Text), nil
		})
	s.AddTool(&mcp.Tool{Name: "leak", InputSchema: json.RawMessage(`{"type":"object"}`)},
		func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return text("the key is " + mcpKey + " " + strings.Repeat("x", 5000)), nil
		})
	s.AddTool(&mcp.Tool{Name: "dotted.name", InputSchema: json.RawMessage(`{"type":"object"}`)},
		func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) { return text("dotted"), nil })
	s.AddTool(&mcp.Tool{Name: "bad", InputSchema: json.RawMessage(`{"type":"object","properties":{"x":{"type":"thing"}}}`)},
		func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) { return text("ran"), nil })
	hs := httptest.NewServer(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil))
	m := mcpclient.New(mcpclient.Options{Servers: []mcpclient.Config{{Name: "srv", URL: hs.URL, StartTimeout: 10 * time.Second}}})
	t.Cleanup(func() { m.Close(); hs.Close() })
	return m
}

func mcpRegistry(t *testing.T, approver Approver, policy MCPPolicy) *Registry {
	t.Helper()
	reg, err := NewRegistry(NewGate([]string{"bash"}, approver), 1000, &MemoryGet{})
	if err != nil {
		t.Fatal(err)
	}
	reg.secrets = secret.New(mcpKey)
	reg.AddMCP(mcpManager(t), map[string]MCPPolicy{"srv": policy})
	return reg
}

func TestMCPToolsAreOffered(t *testing.T) {
	reg := mcpRegistry(t, nil, MCPPolicy{})
	var names []string
	var echo Spec
	for _, s := range reg.Specs(context.Background()) {
		names = append(names, s.Name)
		if s.Name == "srv__echo" {
			echo = s
		}
	}
	if got := strings.Join(names, " "); got != "memory_get srv__dotted_name srv__echo srv__leak" {
		t.Fatalf("specs %q", got)
	}
	if echo.Description != "[MCP server srv] Echo the text." || !strings.Contains(string(echo.Parameters), `"text"`) {
		t.Fatalf("%+v", echo)
	}
}

func TestMCPToolsNeedApproval(t *testing.T) {
	ctx := context.Background()
	args := json.RawMessage(`{"text":"hi"}`)
	r := mcpRegistry(t, nil, MCPPolicy{}).Call(ctx, "srv__echo", args)
	check(t, r, true, "srv__echo (a tool of MCP server srv) needs approval", `adding "echo" to allow, or setting trust = true, in [mcp.servers.srv]`)

	check(t, mcpRegistry(t, nil, MCPPolicy{Allow: []string{"echo"}}).Call(ctx, "srv__echo", args), false, "echo: hi")
	allowed := mcpRegistry(t, nil, MCPPolicy{Allow: []string{"echo"}})
	check(t, allowed.Call(ctx, "srv__leak", nil), true, "needs approval")
	check(t, mcpRegistry(t, nil, MCPPolicy{Trust: true}).Call(ctx, "srv__leak", nil), false, "the key is")

	rec := &recorder{answer: AllowAlways}
	reg := mcpRegistry(t, rec, MCPPolicy{})
	check(t, reg.Call(ctx, "srv__echo", args), false, "echo: hi")
	check(t, reg.Call(ctx, "srv__echo", args), false, "echo: hi")
	if len(rec.reqs) != 1 || rec.reqs[0].Tool != "srv__echo" || !strings.Contains(rec.reqs[0].Summary, "MCP server srv, tool echo") ||
		!strings.Contains(rec.reqs[0].Reason, "a tool of MCP server srv") {
		t.Fatalf("approval requests %+v", rec.reqs)
	}
	check(t, mcpRegistry(t, &recorder{answer: Deny}, MCPPolicy{}).Call(ctx, "srv__echo", args), true, "the user declined")
}

func TestMCPResultsAreMaskedAndCapped(t *testing.T) {
	r := mcpRegistry(t, AllowAll{}, MCPPolicy{}).Call(context.Background(), "srv__leak", nil)
	check(t, r, false, "sk-…ghij", "characters omitted")
	if strings.Contains(r.Content, "0123456789abcdef") || len([]rune(r.Content)) > 1100 {
		t.Fatalf("unmasked or uncapped (%d runes): %.200s", len([]rune(r.Content)), r.Content)
	}
}

func TestMCPBadToolsAndArguments(t *testing.T) {
	ctx := context.Background()
	reg := mcpRegistry(t, AllowAll{}, MCPPolicy{})
	check(t, reg.Call(ctx, "srv__bad", nil), true, "srv__bad is not available: its input schema is not valid JSON Schema", "MCP server srv needs attention")
	check(t, reg.Call(ctx, "srv__echo", json.RawMessage(`["x"]`)), true, "arguments must be a JSON object")
	check(t, reg.Call(ctx, "srv__dotted_name", nil), false, "dotted")
	check(t, reg.Call(ctx, "srv__nope", nil), true, `there is no tool named "srv__nope"`, "srv__echo")
}
