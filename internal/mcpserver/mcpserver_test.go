package mcpserver

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/memory"
	"github.com/localgpt-go/localgpt/internal/secret"
	"github.com/localgpt-go/localgpt/internal/tools"
)

const apiKey = "sk-proj-abcdefghijklmnop0123456789"

type fixture struct {
	ws  string
	srv *Server
}

// newFixture serves a real memory store over a workspace with a MEMORY.md
// (holding a configured key) and two daily logs.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	ws := t.TempDir()
	os.MkdirAll(filepath.Join(ws, "memory"), 0o700)
	os.WriteFile(filepath.Join(ws, "MEMORY.md"), []byte("# Memory\n\nThe user prefers green tea.\nTheir key is "+apiKey+".\n"), 0o600)
	os.WriteFile(filepath.Join(ws, "memory", "2026-01-02.md"), []byte("# 2026-01-02\n\nWent hiking in the Alps.\n"), 0o600)
	os.WriteFile(filepath.Join(ws, "memory", "2026-01-03.md"), []byte("# 2026-01-03\n\nRead a book.\n"), 0o600)
	os.WriteFile(filepath.Join(ws, "memory", "notes.md"), []byte("not a daily log"), 0o600)
	store, err := memory.Open(context.Background(), memory.Options{Workspace: ws, IndexPath: filepath.Join(t.TempDir(), "i.sqlite")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if _, err := store.Reindex(context.Background(), false, nil); err != nil {
		t.Fatal(err)
	}
	var exclude []string
	for _, n := range tools.BuiltinNames() {
		if !slices.Contains(ToolNames(), n) {
			exclude = append(exclude, n)
		}
	}
	reg, err := tools.New(tools.Options{MaxOutputChars: 2000, Paths: config.Paths{Workspace: ws}, Memory: store,
		Exclude: exclude, Secrets: secret.New(apiKey), Now: func() time.Time { return time.Date(2026, 1, 3, 9, 30, 0, 0, time.Local) }})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(Options{Tools: reg, Memory: store, DailyLogs: filepath.Join(ws, "memory"), Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{ws: ws, srv: srv}
}

// connect serves f in memory and returns a connected client session.
func (f *fixture) connect(t *testing.T) *mcp.ClientSession {
	t.Helper()
	st, ct := mcp.NewInMemoryTransports()
	ctx, cancel := context.WithCancel(context.Background())
	ss, err := f.srv.srv.Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close(); ss.Close(); cancel() })
	return cs
}

func callText(t *testing.T, cs *mcp.ClientSession, name, args string) (string, bool) {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: json.RawMessage(args)})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(res.Content) != 1 {
		t.Fatalf("%s: %d contents", name, len(res.Content))
	}
	return res.Content[0].(*mcp.TextContent).Text, res.IsError
}

func TestToolsAreTheBuiltIns(t *testing.T) {
	f := newFixture(t)
	cs := f.connect(t)
	if got := cs.InitializeResult().ServerInfo.Name; got != "localgpt" {
		t.Fatal(got)
	}
	list, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range list.Tools {
		names = append(names, tl.Name)
		if tl.Description == "" || tl.InputSchema == nil {
			t.Errorf("%s lacks a description or schema", tl.Name)
		}
	}
	if strings.Join(names, " ") != "memory_get memory_save memory_search" {
		t.Fatalf("tools %v", names)
	}
	tests := []struct {
		name, args string
		isErr      bool
		want, not  string
	}{
		{"memory_search", `{"query":"green tea"}`, false, "MEMORY.md:", ""},
		{"memory_search", `{"query":"key"}`, false, "sk-…6789", "abcdefghijklmnop"},
		{"memory_get", `{"path":"memory/2026-01-02.md","start_line":3}`, false, "Went hiking", ""},
		{"memory_get", `{"path":"MEMORY.md"}`, false, "sk-…6789", "abcdefghijklmnop"},
		{"memory_save", `{"content":"Likes the mountains."}`, false, "Saved to today's log, memory/2026-01-03.md", ""},
		{"memory_save", `{"content":"the key is ` + apiKey + `"}`, true, "secret", "abcdefghijklmnop"},
		{"memory_search", `{"query":"tea","bogus":1}`, true, `bad arguments for memory_search: json: unknown field "bogus"`, ""},
		{"memory_search", `{"query":""}`, true, "query is required", ""},
		{"memory_get", `{"path":"../../etc/passwd"}`, true, "cannot read memory file", "root:"},
		{"memory_get", `{"start_line":1}`, true, "path is required", ""},
		{"memory_save", `{"content":"x","long_term":"yes"}`, true, "bad arguments for memory_save", ""},
	}
	for _, tt := range tests {
		text, isErr := callText(t, cs, tt.name, tt.args)
		if isErr != tt.isErr || !strings.Contains(text, tt.want) || tt.not != "" && strings.Contains(text, tt.not) {
			t.Errorf("%s %s: error=%v %q", tt.name, tt.args, isErr, text)
		}
	}
	data, _ := os.ReadFile(filepath.Join(f.ws, "memory", "2026-01-03.md"))
	if !strings.Contains(string(data), "Likes the mountains.") || strings.Contains(string(data), apiKey) {
		t.Fatalf("daily log:\n%s", data)
	}
	if _, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "bash", Arguments: map[string]any{"command": "id"}}); err == nil {
		t.Fatal("a tool outside the memory tools was served")
	}
}

func TestResources(t *testing.T) {
	f := newFixture(t)
	cs := f.connect(t)
	list, err := cs.ListResources(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var uris []string
	for _, r := range list.Resources {
		uris = append(uris, r.URI)
	}
	want := "localgpt://workspace/MEMORY.md localgpt://workspace/memory/2026-01-02.md localgpt://workspace/memory/2026-01-03.md"
	if strings.Join(uris, " ") != want {
		t.Fatalf("resources %v", uris)
	}
	tmpl, err := cs.ListResourceTemplates(context.Background(), nil)
	if err != nil || len(tmpl.ResourceTemplates) != 1 || tmpl.ResourceTemplates[0].URITemplate != "localgpt://workspace/memory/{date}.md" {
		t.Fatalf("templates %+v %v", tmpl, err)
	}
	read := func(uri string) (string, error) {
		res, err := cs.ReadResource(context.Background(), &mcp.ReadResourceParams{URI: uri})
		if err != nil {
			return "", err
		}
		return res.Contents[0].Text, nil
	}
	text, err := read("localgpt://workspace/MEMORY.md")
	if err != nil || !strings.Contains(text, "green tea") || strings.Contains(text, "abcdefghijklmnop") || !strings.Contains(text, "sk-…6789") {
		t.Fatalf("MEMORY.md: %v %q", err, text)
	}
	if text, err := read("localgpt://workspace/memory/2026-01-02.md"); err != nil || !strings.Contains(text, "hiking") {
		t.Fatalf("daily log: %v %q", err, text)
	}
	for _, uri := range []string{"localgpt://workspace/memory/2030-01-01.md", "localgpt://workspace/memory/notes.md",
		"localgpt://workspace/memory/..%2F..%2Fetc%2Fpasswd.md", "localgpt://workspace/config.toml", "file:///etc/passwd"} {
		if text, err := read(uri); err == nil {
			t.Errorf("%s was served: %q", uri, text)
		}
	}
	// A daily log written later is listed at the next resources/list.
	os.WriteFile(filepath.Join(f.ws, "memory", "2026-01-04.md"), []byte("new day"), 0o600)
	os.Remove(filepath.Join(f.ws, "memory", "2026-01-02.md"))
	list, _ = cs.ListResources(context.Background(), nil)
	uris = uris[:0]
	for _, r := range list.Resources {
		uris = append(uris, r.URI)
	}
	if got := strings.Join(uris, " "); !strings.Contains(got, "2026-01-04") || strings.Contains(got, "2026-01-02") {
		t.Fatalf("resources after a change: %s", got)
	}
}

func TestHTTPNeedsTheToken(t *testing.T) {
	f := newFixture(t)
	if _, err := f.srv.Handler(" "); err == nil {
		t.Fatal("an empty token was accepted")
	}
	h, err := f.srv.Handler("the-token-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	for _, auth := range []string{"", "Bearer wrong", "the-token-0123456789"} {
		req, _ := http.NewRequest("POST", hs.URL, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("Authorization %q: status %d", auth, resp.StatusCode)
		}
	}
	hc := &http.Client{Transport: bearer{"the-token-0123456789"}}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test"}, nil).Connect(context.Background(),
		&mcp.StreamableClientTransport{Endpoint: hs.URL, HTTPClient: hc}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	if text, isErr := callText(t, cs, "memory_search", `{"query":"hiking"}`); isErr || !strings.Contains(text, "2026-01-02.md") {
		t.Fatalf("over HTTP: %v %q", isErr, text)
	}
}

type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

func TestNewNeedsTheMemoryTools(t *testing.T) {
	reg, err := tools.NewRegistry(nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{Tools: reg}); err == nil || !strings.Contains(err.Error(), "memory_search") {
		t.Fatalf("%v", err)
	}
}
