package tools

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/memory"
)

// env is a workspace in a temporary home with a registry over it.
type env struct {
	home, ws, outside string
	reg               *Registry
	mem               *memory.Store
}

// openMemory opens a real memory store (SQLite index) over ws.
func openMemory(tb testing.TB, ws, index string) *memory.Store {
	tb.Helper()
	st, err := memory.Open(context.Background(), memory.Options{Workspace: ws, IndexPath: index})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

// newEnv builds the built-in registry over a fresh workspace. mod may
// change the configuration first.
func newEnv(t *testing.T, approver Approver, mod func(*config.Config)) *env {
	t.Helper()
	root := t.TempDir()
	home := filepath.Join(root, "home")
	return newEnvIn(t, home, filepath.Join(home, ".localgpt", "workspace"), approver, mod)
}

// newEnvAt builds a registry whose user home is home and workspace ws
// (memory.workspace = "~" when they are the same), with bash unasked.
func newEnvAt(t *testing.T, home, ws string) *env {
	t.Helper()
	return newEnvIn(t, home, ws, nil, func(c *config.Config) { c.Tools.RequireApproval = nil })
}

func newEnvIn(t *testing.T, home, ws string, approver Approver, mod func(*config.Config)) *env {
	t.Helper()
	root := filepath.Dir(home)
	outside := filepath.Join(root, "outside")
	for _, d := range []string{ws, outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cfg := config.Default()
	if mod != nil {
		mod(cfg)
	}
	paths := config.Paths{Home: filepath.Join(home, ".localgpt"), Workspace: ws}
	mem := openMemory(t, ws, filepath.Join(paths.Home, "index", "memory.sqlite"))
	reg, err := New(withConfig(cfg, Options{Paths: paths, Approver: approver,
		Memory: mem,
		Getenv: func(k string) string {
			if k == "HOME" {
				return home
			}
			return ""
		},
		Now: func() time.Time { return time.Date(2025, 3, 14, 9, 26, 0, 0, time.UTC) },
	}))
	if err != nil {
		t.Fatal(err)
	}
	return &env{home: home, ws: ws, outside: outside, reg: reg, mem: mem}
}

// call runs a tool with arguments given as a Go value (or raw JSON string).
func (e *env) call(t *testing.T, ctx context.Context, tool string, args any) Result {
	t.Helper()
	return e.reg.Call(ctx, tool, rawArgs(t, args))
}

func rawArgs(t *testing.T, args any) json.RawMessage {
	t.Helper()
	if s, ok := args.(string); ok {
		return json.RawMessage(s)
	}
	b, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// noApproval is a config where bash runs without asking.
func noApproval(c *config.Config) { c.Tools.RequireApproval = nil }

// check asserts a result's error flag and that it contains every want.
func check(t *testing.T, r Result, isError bool, wants ...string) {
	t.Helper()
	if r.IsError != isError {
		t.Fatalf("IsError = %v, want %v; content:\n%s", r.IsError, isError, r.Content)
	}
	for _, w := range wants {
		if !strings.Contains(r.Content, w) {
			t.Fatalf("result does not contain %q:\n%s", w, r.Content)
		}
	}
}

// recorder is an Approver that answers from a script and records requests.
type recorder struct {
	answer Decision
	err    error
	reqs   []Request
}

func (r *recorder) Approve(_ context.Context, req Request) (Decision, error) {
	r.reqs = append(r.reqs, req)
	return r.answer, r.err
}

// withConfig fills o's settings from cfg's [tools] section, as the
// composition root (assistant.Root) does, so tests can start from
// config.Default() and change one key.
func withConfig(cfg *config.Config, o Options) Options {
	tc := cfg.Tools
	o.AllowedPaths, o.RequireApproval = tc.AllowedPaths, tc.RequireApproval
	o.MaxOutputChars, o.BashTimeout = tc.ToolOutputMaxChars, time.Duration(tc.BashTimeoutMS)*time.Millisecond
	o.BashSandbox, o.BashNetwork, o.WebFetchAllowPrivate = tc.BashSandbox, tc.BashNetwork, tc.WebFetchAllowPrivate
	return o
}
