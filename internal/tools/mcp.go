package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/localgpt-go/localgpt/internal/clip"
	"github.com/localgpt-go/localgpt/internal/mcpclient"
)

// MCPClient is what the registry needs of the MCP client
// (*mcpclient.Manager): the tools of the configured servers, and calls.
type MCPClient interface {
	Tools(ctx context.Context) []mcpclient.Tool
	Call(ctx context.Context, server, tool string, args json.RawMessage) (mcpclient.Result, error)
	// Unavailable says why a server is down, or nil.
	Unavailable(server string) error
}

// MCPPolicy says which tools of one server run without approval: all of
// them when Trust is set, otherwise those named in Allow (as the server
// names them). Every other MCP tool needs approval.
type MCPPolicy struct {
	Trust bool
	Allow []string
}

// MCPSep joins a server's name and its tool's name into the name the
// model calls: "files__read_file".
const MCPSep = "__"

// maxToolName is the longest tool name every provider accepts.
const maxToolName = 64

// maxMCPDescription bounds a server's description of a tool: it is sent
// with every request, and it is text from outside.
const maxMCPDescription = 2000

var badToolNameChars = regexp.MustCompile(`[^A-Za-z0-9_-]`)

// mcpTools offers the tools of the MCP servers in a registry. The list is
// asked of the client at every Specs (cheap once the servers run) and the
// last one is kept for Call.
type mcpTools struct {
	client MCPClient
	policy map[string]MCPPolicy

	mu     sync.Mutex
	byName map[string]*mcpTool
}

// mcpTool is one MCP tool as a Tool. problem, when set, says why it is
// not offered; a call of it gets that as its error.
type mcpTool struct {
	client  MCPClient
	name    string
	t       mcpclient.Tool
	problem string
	// approval says the tool needs approval (neither trusted nor allowed).
	approval bool
}

// specs lists the offered MCP tools and remembers them all for Call.
func (m *mcpTools) specs(ctx context.Context) []Spec {
	listed := m.client.Tools(ctx)
	byName := make(map[string]*mcpTool, len(listed))
	var out []Spec
	for _, t := range listed {
		mt := m.wrap(t)
		if prev, dup := byName[mt.name]; dup && prev.problem == "" {
			mt.problem = fmt.Sprintf("its name %s is also the name of %s's tool %q", mt.name, prev.t.Server, prev.t.Name)
		}
		if _, dup := byName[mt.name]; !dup {
			byName[mt.name] = mt
		}
		if mt.problem == "" {
			out = append(out, Spec{Name: mt.name, Description: mt.Description(), Parameters: mt.t.InputSchema})
		}
	}
	m.mu.Lock()
	m.byName = byName
	m.mu.Unlock()
	return out
}

// MCPToolName is the name the model calls tool of server by:
// SERVER__TOOL, with characters tool names may not hold replaced by "_".
func MCPToolName(server, tool string) string {
	return server + MCPSep + badToolNameChars.ReplaceAllString(tool, "_")
}

// wrap names t and applies its server's policy.
func (m *mcpTools) wrap(t mcpclient.Tool) *mcpTool {
	name := MCPToolName(t.Server, t.Name)
	mt := &mcpTool{client: m.client, name: name, t: t, problem: t.Problem}
	if mt.problem == "" && len(name) > maxToolName {
		mt.problem = fmt.Sprintf("its name %s is longer than the %d characters models accept", name, maxToolName)
	}
	p := m.policy[t.Server]
	mt.approval = !p.Trust && !slices.Contains(p.Allow, t.Name)
	return mt
}

// lookup finds an MCP tool by the name the model called, listing the
// tools first when no listing was made yet.
func (m *mcpTools) lookup(ctx context.Context, name string) (*mcpTool, bool) {
	m.mu.Lock()
	byName := m.byName
	m.mu.Unlock()
	if byName == nil {
		m.specs(ctx)
		m.mu.Lock()
		byName = m.byName
		m.mu.Unlock()
	}
	if t, ok := byName[name]; ok {
		return t, true
	}
	// A tool of a server that is down: say so, rather than that there is
	// no such tool (the model may know it from an earlier turn).
	if server, tool, ok := strings.Cut(name, MCPSep); ok {
		if _, configured := m.policy[server]; configured {
			if err := m.client.Unavailable(server); err != nil {
				return &mcpTool{client: m.client, name: name, t: mcpclient.Tool{Server: server, Name: tool}, problem: err.Error()}, true
			}
		}
	}
	return nil, false
}

// names lists the offered MCP tools, for the unknown-tool message.
func (m *mcpTools) names() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for name, t := range m.byName {
		if t.problem == "" {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// Name implements Tool.
func (t *mcpTool) Name() string { return t.name }

// Description implements Tool: the server's description, marked with its
// origin so the model knows whose tool it is.
func (t *mcpTool) Description() string {
	d := strings.Join(strings.Fields(t.t.Description), " ")
	return clip.Runes(fmt.Sprintf("[MCP server %s] %s", t.t.Server, d), maxMCPDescription, "…")
}

// Parameters implements Tool.
func (t *mcpTool) Parameters() json.RawMessage { return t.t.InputSchema }

// Run implements Tool.
func (t *mcpTool) Run(ctx context.Context, args json.RawMessage) (Result, error) {
	if t.problem != "" {
		return Result{}, fmt.Errorf("%s is not available: %s; tell the user that MCP server %s needs attention (localgpt mcp list)", t.name, t.problem, t.t.Server)
	}
	if s := strings.TrimSpace(string(args)); s != "" && s != "null" && !strings.HasPrefix(s, "{") {
		return Result{}, &ArgError{t.name, "arguments must be a JSON object"}
	}
	res, err := t.client.Call(ctx, t.t.Server, t.t.Name, args)
	if err != nil {
		return Result{}, err
	}
	return Result{Content: res.Text, IsError: res.IsError}, nil
}

// Summary implements Summarizer, for the approval prompt: the whole
// arguments, since what the tool does with them is the server's and only
// they show it (a cut at 200 characters once hid a payload past it).
func (t *mcpTool) Summary(args json.RawMessage) string {
	return fmt.Sprintf("MCP server %s, tool %s, arguments %s", t.t.Server, t.t.Name, wholeArgs(args))
}

// approveMCP asks about a call of an MCP tool that its server's policy
// does not let through, as approveTool does for tools.require_approval
// (the same concern: the heartbeat allows it by heartbeat.allow_tools).
// "always" allows that tool for the session.
func (g *Gate) approveMCP(ctx context.Context, req Request, server, tool string) (context.Context, error) {
	unlock, err := g.take(ctx, req)
	if err != nil {
		return ctx, err
	}
	defer unlock()
	if g.toolGranted(req.Tool) {
		return ctx, nil
	}
	req.Reason = fmt.Sprintf("%s is a tool of MCP server %s", req.Tool, server)
	req.Concerns = []Concern{ConcernTool}
	d, err := g.ask(ctx, req, req.Tool+" (a tool of MCP server "+server+") needs approval",
		fmt.Sprintf("adding %q to allow, or setting trust = true, in [mcp.servers.%s]", tool, server))
	if err != nil {
		return ctx, err
	}
	if d == AllowAlways {
		g.mu.Lock()
		g.tools[req.Tool] = true
		g.mu.Unlock()
	}
	return context.WithValue(ctx, approvedKey{}, true), nil
}
