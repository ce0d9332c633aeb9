package mcpclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/localgpt-go/localgpt/internal/clip"
)

// terminateAfter is how long a stdio server has to exit once its input is
// closed, and again after SIGTERM, before it is killed.
const terminateAfter = 2 * time.Second

// connect starts the server and completes the MCP handshake.
func (s *server) connect(ctx context.Context) (*mcp.ClientSession, *exec.Cmd, *tail, error) {
	client := mcp.NewClient(&mcp.Implementation{Name: "localgpt", Version: s.m.o.Version}, &mcp.ClientOptions{
		ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) { s.toolsChanged() },
		Capabilities:           &mcp.ClientCapabilities{}, // no roots, sampling or elicitation
	})
	if s.cfg.URL != "" {
		hc := &http.Client{Transport: headerTransport{headers: s.cfg.Headers, base: http.DefaultTransport}}
		sess, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: s.cfg.URL, HTTPClient: hc, MaxRetries: 2}, nil)
		return sess, nil, nil, err
	}
	cmd := exec.Command(s.cfg.Command, s.cfg.Args...)
	cmd.Env = environ(s.m.o.Environ, s.cfg.Env)
	ownGroup(cmd)
	stderr := &tail{log: s.log}
	cmd.Stderr = stderr
	sess, err := client.Connect(ctx, &mcp.CommandTransport{Command: cmd, TerminateDuration: terminateAfter}, nil)
	if err != nil {
		if cmd.Process != nil {
			killGroup(cmd)
			_ = cmd.Wait()
		}
		if cmd.Process == nil { // it never ran: a wrong command
			err = fmt.Errorf("%w (check mcp.servers.%s.command)", err, s.cfg.Name)
		} else if cmd.ProcessState != nil {
			err = fmt.Errorf("it exited (%s) during the handshake", cmd.ProcessState)
		}
		return nil, nil, stderr, err
	}
	return sess, cmd, stderr, nil
}

// environ is base with the entries of extra added or replaced.
func environ(base []string, extra map[string]string) []string {
	out := make([]string, 0, len(base)+len(extra))
	for _, kv := range base {
		name, _, _ := strings.Cut(kv, "=")
		if _, replaced := extra[name]; !replaced {
			out = append(out, kv)
		}
	}
	names := make([]string, 0, len(extra))
	for k := range extra {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		out = append(out, k+"="+extra[k])
	}
	return out
}

// headerTransport adds the configured headers to every request.
type headerTransport struct {
	headers map[string]string
	base    http.RoundTripper
}

func (t headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if len(t.headers) > 0 {
		r = r.Clone(r.Context())
		for k, v := range t.headers {
			r.Header.Set(k, v)
		}
	}
	return t.base.RoundTrip(r)
}

// maxTools bounds how many tools one server may offer.
const maxTools = 256

// listTools lists every tool of a session, checking each schema.
func listTools(ctx context.Context, server string, sess *mcp.ClientSession) ([]Tool, error) {
	var out []Tool
	seen := map[string]bool{}
	for t, err := range sess.Tools(ctx, nil) {
		if err != nil {
			return nil, err
		}
		if len(out) == maxTools {
			return out, nil
		}
		tool := Tool{Server: server, Name: t.Name, Description: strings.TrimSpace(t.Description)}
		tool.InputSchema, tool.Problem = checkSchema(t.InputSchema)
		switch {
		case t.Name == "":
			tool.Problem = "it has no name"
		case seen[t.Name]:
			tool.Problem = "the server lists two tools of this name"
		}
		seen[t.Name] = true
		out = append(out, tool)
	}
	return out, nil
}

// maxSchemaBytes bounds one tool's schema: it is sent with every request.
const maxSchemaBytes = 64 << 10

// checkSchema returns the input schema as JSON, or why it cannot be
// offered: it must be a valid JSON Schema of an object (the models'
// function-calling APIs accept nothing else).
func checkSchema(schema any) (json.RawMessage, string) {
	raw, err := json.Marshal(schema)
	if err != nil {
		return nil, "its input schema cannot be encoded: " + err.Error()
	}
	if len(raw) > maxSchemaBytes {
		return nil, fmt.Sprintf("its input schema is %d KiB; at most %d KiB are accepted", len(raw)>>10, maxSchemaBytes>>10)
	}
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return nil, "its input schema is not a JSON object"
	}
	if typ, ok := obj["type"]; !ok {
		obj["type"] = "object" // a common omission; the spec requires it
		raw, _ = json.Marshal(obj)
	} else if typ != "object" {
		return nil, fmt.Sprintf("its input schema has type %s; a tool's arguments must be an object", compactJSON(typ))
	}
	var js jsonschema.Schema
	if err := json.Unmarshal(raw, &js); err != nil {
		return nil, "its input schema is not valid JSON Schema: " + err.Error()
	}
	if _, err := js.Resolve(nil); err != nil {
		return nil, "its input schema is not valid JSON Schema: " + err.Error()
	}
	if err := checkTypes(&js, 0); err != nil {
		return nil, "its input schema is not valid JSON Schema: " + err.Error()
	}
	return raw, ""
}

// jsonTypes are the type names JSON Schema knows.
var jsonTypes = map[string]bool{"string": true, "number": true, "integer": true, "boolean": true, "object": true, "array": true, "null": true}

// checkTypes rejects unknown type names anywhere in s, which the
// jsonschema package leaves to validation time (and providers reject).
func checkTypes(s *jsonschema.Schema, depth int) error {
	if s == nil {
		return nil
	}
	if depth > 64 {
		return errors.New("it nests more than 64 levels")
	}
	for _, t := range append([]string{s.Type}, s.Types...) {
		if t != "" && !jsonTypes[t] {
			return fmt.Errorf("%q is not a JSON Schema type", t)
		}
	}
	var subs []*jsonschema.Schema
	subs = append(subs, s.Items, s.AdditionalItems, s.Contains, s.UnevaluatedItems, s.AdditionalProperties,
		s.PropertyNames, s.UnevaluatedProperties, s.Not, s.If, s.Then, s.Else, s.ContentSchema)
	subs = append(subs, s.PrefixItems...)
	subs = append(subs, s.ItemsArray...)
	subs = append(subs, s.AllOf...)
	subs = append(subs, s.AnyOf...)
	subs = append(subs, s.OneOf...)
	for _, m := range []map[string]*jsonschema.Schema{s.Properties, s.PatternProperties, s.Defs, s.Definitions, s.DependentSchemas, s.DependencySchemas} {
		for _, sub := range m {
			subs = append(subs, sub)
		}
	}
	for _, sub := range subs {
		if err := checkTypes(sub, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func compactJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// rawArgs is the arguments to send: an object, never null.
func rawArgs(args []byte) json.RawMessage {
	if s := strings.TrimSpace(string(args)); s == "" || s == "null" {
		return json.RawMessage("{}")
	}
	return json.RawMessage(args)
}

// convert turns a tool result into text for the model. Text is kept;
// images, audio and binary resources are described, not inlined.
func convert(res *mcp.CallToolResult) Result {
	var b strings.Builder
	for _, c := range res.Content {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		switch c := c.(type) {
		case *mcp.TextContent:
			b.WriteString(c.Text)
		case *mcp.ImageContent:
			fmt.Fprintf(&b, "[image: %s, %d bytes, not shown]", c.MIMEType, len(c.Data))
		case *mcp.AudioContent:
			fmt.Fprintf(&b, "[audio: %s, %d bytes, not shown]", c.MIMEType, len(c.Data))
		case *mcp.ResourceLink:
			fmt.Fprintf(&b, "[resource link: %s %s]", c.URI, c.Name)
		case *mcp.EmbeddedResource:
			if r := c.Resource; r != nil && r.Text != "" {
				fmt.Fprintf(&b, "[resource %s]\n%s", r.URI, r.Text)
			} else if r != nil {
				fmt.Fprintf(&b, "[resource %s: %s, %d bytes, not shown]", r.URI, r.MIMEType, len(r.Blob))
			}
		default:
			fmt.Fprintf(&b, "[content of type %T, not shown]", c)
		}
	}
	if b.Len() == 0 && res.StructuredContent != nil {
		if data, err := json.Marshal(res.StructuredContent); err == nil {
			b.Write(data)
		}
	}
	text := b.String()
	if text == "" {
		text = "(the tool returned nothing)"
	}
	return Result{Text: text, IsError: res.IsError}
}

// tail keeps the last lines a stdio server wrote to stderr (for error
// messages) and logs each line at debug.
type tail struct {
	log interface{ Debug(string, ...any) }

	mu      sync.Mutex
	partial []byte
	lines   []string
}

const tailLines, tailLineMax = 5, 300

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.partial = append(t.partial, p...)
	for {
		i := strings.IndexByte(string(t.partial), '\n')
		if i < 0 {
			break
		}
		t.add(string(t.partial[:i]))
		t.partial = t.partial[i+1:]
	}
	if len(t.partial) > 4*tailLineMax {
		t.add(string(t.partial))
		t.partial = t.partial[:0]
	}
	return len(p), nil
}

func (t *tail) add(line string) {
	line = strings.TrimSpace(strings.ToValidUTF8(line, "\uFFFD"))
	if line == "" {
		return
	}
	t.log.Debug("mcp server stderr", "line", line)
	line = clip.Bytes(line, tailLineMax, "…")
	t.lines = append(t.lines, line)
	if len(t.lines) > tailLines {
		t.lines = t.lines[len(t.lines)-tailLines:]
	}
}

// String is the kept lines, joined with " | ".
func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := t.lines
	if p := strings.TrimSpace(string(t.partial)); p != "" {
		lines = append(append([]string(nil), lines...), p)
	}
	return strings.Join(lines, " | ")
}
