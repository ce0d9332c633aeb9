package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/localgpt-go/localgpt/internal/secret"
)

// Registry holds the tools offered to the model and runs their calls
// through the approval gate. It is safe for concurrent use: the agent may
// run independent calls at once.
type Registry struct {
	tools    map[string]Tool
	order    []string
	gate     *Gate
	maxChars int
	// secrets masks LocalGPT's credentials in every result; nil masks nothing.
	secrets *secret.Masker
	// mcp offers the tools of the MCP servers; nil when none is configured.
	mcp *mcpTools
}

// NewRegistry builds a registry of the given tools, in that order. Calls
// of tools the gate requires approval for are asked about first; a nil
// gate asks about nothing. maxChars caps every result (head and tail are
// kept); 0 means no cap.
func NewRegistry(gate *Gate, maxChars int, tools ...Tool) (*Registry, error) {
	if gate == nil {
		gate = NewGate(nil, nil)
	}
	r := &Registry{tools: make(map[string]Tool, len(tools)), gate: gate, maxChars: maxChars}
	for _, t := range tools {
		name := t.Name()
		if name == "" {
			return nil, fmt.Errorf("tools: a tool has an empty name")
		}
		if _, dup := r.tools[name]; dup {
			return nil, fmt.Errorf("tools: two tools are named %q", name)
		}
		r.tools[name] = t
		r.order = append(r.order, name)
	}
	return r, nil
}

// Names lists the tool names in registry order.
func (r *Registry) Names() []string { return append([]string(nil), r.order...) }

// Lookup returns the tool called name.
func (r *Registry) Lookup(name string) (Tool, bool) {
	t, ok := r.tools[name]
	return t, ok
}

// AddMCP offers the tools of client's servers after the registry's own,
// each needing approval unless policy (by server name) lets it through.
// The servers start when their tools are first listed (Specs).
func (r *Registry) AddMCP(client MCPClient, policy map[string]MCPPolicy) {
	r.mcp = &mcpTools{client: client, policy: policy}
}

// Specs describes every tool, in registry order, then the MCP tools (whose
// servers it starts, within ctx, the first time). Tools that say they are
// not available now (the skill tool with no skills) are left out.
func (r *Registry) Specs(ctx context.Context) []Spec {
	specs := make([]Spec, 0, len(r.order))
	for _, name := range r.order {
		t := r.tools[name]
		if a, ok := t.(availability); ok && !a.Available() {
			continue
		}
		specs = append(specs, Spec{Name: name, Description: t.Description(), Parameters: t.Parameters()})
	}
	if r.mcp != nil {
		specs = append(specs, r.mcp.specs(ctx)...)
	}
	return specs
}

// availability is implemented by tools that are offered only sometimes.
type availability interface{ Available() bool }

// Call runs one tool call and always returns a Result: an unknown name,
// bad arguments, a refused approval, a failure or even a panic in the
// tool become an error Result the model reads. A cancelled ctx stops the
// tool (a running command is killed). In a registry built by New, every
// configured secret in the result is masked, as the very last step.
func (r *Registry) Call(ctx context.Context, name string, args json.RawMessage) (res Result) {
	t, ok := r.tools[name]
	var mt *mcpTool
	if !ok && r.mcp != nil {
		mt, ok = r.mcp.lookup(ctx, name)
		t = mt
	}
	if !ok {
		names := r.order
		if r.mcp != nil {
			names = append(slices.Clone(names), r.mcp.names()...)
		}
		return Result{Content: fmt.Sprintf("Error: there is no tool named %q; the available tools are: %s", name, strings.Join(names, ", ")), IsError: true}
	}
	defer func() {
		if p := recover(); p != nil {
			res = Result{Content: fmt.Sprintf("Error: the %s tool failed unexpectedly (%v); this is a bug in localgpt, not in the arguments", name, p), IsError: true}
		}
		res.Content = r.Output(res.Content)
	}()
	req := Request{Tool: name, Summary: summarize(t, args), Args: args}
	var err error
	if mt != nil && mt.approval && mt.problem == "" && !r.gate.Requires(name) {
		ctx, err = r.gate.approveMCP(ctx, req, mt.t.Server, mt.t.Name)
	} else {
		ctx, err = r.gate.approveTool(ctx, req)
	}
	if err != nil {
		return errorResult(err)
	}
	res, err = t.Run(ctx, args)
	if err != nil {
		return errorResult(err)
	}
	return res
}

// Output gives text what every tool result gets on its way out: the cap
// of tools.tool_output_max_chars, then masking of the configured secrets.
// Masking comes last, after the cut: it recognises the halves of a key
// cut in two, and nothing after it can split a key again. Other exits of
// tool-like text (the MCP server's resources) use it too.
func (r *Registry) Output(text string) string {
	return r.secrets.Mask(truncateMiddle(text, r.maxChars))
}

// summarize describes a call for an approval prompt.
func summarize(t Tool, args json.RawMessage) string {
	if s, ok := t.(Summarizer); ok {
		if sum := s.Summary(args); sum != "" {
			return sum
		}
	}
	return wholeArgs(args)
}

// wholeArgs shows a call's arguments for an approval prompt: all of them
// (a cut could hide the part that matters), indented when they are JSON,
// so that each value is on its own line and nothing runs together.
func wholeArgs(args json.RawMessage) string {
	var b bytes.Buffer
	if json.Indent(&b, args, "", "  ") == nil {
		return b.String()
	}
	return string(args)
}
