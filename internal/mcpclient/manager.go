// Package mcpclient connects LocalGPT to the Model Context Protocol servers
// the user configured ([mcp.servers.NAME]): a local command spoken to over
// stdio, or a URL spoken to with streamable HTTP. A Manager starts each
// server lazily, the first time its tools are needed, restarts one that
// crashed (with backoff), bounds every call with a timeout and stops them
// all when LocalGPT stops.
//
// Everything a server sends back is untrusted: this package turns it into
// plain text and errors; the tools package applies approval, masking and
// output caps, as for the built-in tools.
package mcpclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
)

// Defaults of Config.
const (
	DefaultTimeout      = 60 * time.Second
	DefaultStartTimeout = 30 * time.Second
	// maxBackoff bounds the wait before a crashed or failed server is
	// started again.
	maxBackoff = time.Minute
)

// Config is one server.
type Config struct {
	// Name is the server's name in the config; its tools are offered to
	// the model as NAME__TOOL.
	Name string
	// Command, Args and Env run a stdio server; Env adds to (or replaces
	// entries of) the environment the Manager was given.
	Command string
	Args    []string
	Env     map[string]string
	// URL and Headers reach a streamable HTTP server instead.
	URL     string
	Headers map[string]string
	// Timeout bounds one tool call; StartTimeout bounds starting the
	// server and listing its tools.
	Timeout, StartTimeout time.Duration
}

// Transport names how the server is reached: "stdio" or "http".
func (c Config) Transport() string {
	if c.URL != "" {
		return "http"
	}
	return "stdio"
}

// Options configure a Manager.
type Options struct {
	Servers []Config
	// Environ is the environment stdio servers inherit, before their own
	// Env. The caller removes LocalGPT's credentials from it.
	Environ []string
	// Version is sent to servers as the client's version.
	Version string
	Log     *slog.Logger
	// OnFailure, when set, hears of each server that could not start or
	// that stopped (to tell the user); it must not block.
	OnFailure func(server string, err error)
}

// Tool is one tool a server offers.
type Tool struct {
	Server      string `json:"server"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// InputSchema is the server's JSON Schema of the arguments, checked
	// to be a valid object schema.
	InputSchema json.RawMessage `json:"input_schema,omitempty"`
	// Problem says why the tool cannot be offered to the model (an
	// invalid schema); empty when it can.
	Problem string `json:"problem,omitempty"`
}

// Result is what a tool call gave back, as text for the model.
type Result struct {
	Text    string
	IsError bool
}

// State is where a server is in its life.
type State string

// The states of a server.
const (
	Idle     State = "idle"     // not started yet: nothing needed it
	Starting State = "starting" // starting, or listing its tools
	Running  State = "running"
	Failed   State = "failed" // its start failed or it stopped; retried after a backoff
	Closed   State = "closed" // LocalGPT is stopping
)

// Manager runs the configured servers. It is safe for concurrent use.
// New starts nothing: no process, no connection, no goroutine.
type Manager struct {
	o       Options
	log     *slog.Logger
	servers []*server // in name order

	// ctx bounds every start and is cancelled by Close, which then waits
	// for wg: the goroutines of starts in flight and of session watchers.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New returns a Manager of the servers in o; none is started yet.
func New(o Options) *Manager {
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	m := &Manager{o: o, log: log, ctx: ctx, cancel: cancel}
	for _, c := range o.Servers {
		if c.Timeout <= 0 {
			c.Timeout = DefaultTimeout
		}
		if c.StartTimeout <= 0 {
			c.StartTimeout = DefaultStartTimeout
		}
		m.servers = append(m.servers, &server{cfg: c, m: m, log: log.With("mcp_server", c.Name), state: Idle})
	}
	slices.SortFunc(m.servers, func(a, b *server) int { return strings.Compare(a.cfg.Name, b.cfg.Name) })
	return m
}

// Names lists the configured servers in name order.
func (m *Manager) Names() []string {
	names := make([]string, len(m.servers))
	for i, s := range m.servers {
		names[i] = s.cfg.Name
	}
	return names
}

// Tools returns the tools of every running server, in server and then
// listing order. Servers never started yet are started first, all at
// once, and waited for (within ctx and their start timeouts); a server
// whose start failed is retried in the background once its backoff has
// passed, so a broken server never holds up a turn twice.
func (m *Manager) Tools(ctx context.Context) []Tool {
	var waits []<-chan struct{}
	for _, s := range m.servers {
		if ch := s.kick(false); ch != nil {
			waits = append(waits, ch)
		}
	}
	for _, ch := range waits {
		select {
		case <-ch:
		case <-ctx.Done():
		}
	}
	var out []Tool
	for _, s := range m.servers {
		out = append(out, s.currentTools(ctx)...)
	}
	return out
}

// Call runs tool on server with the JSON object args. A server that is
// not running is started (or restarted after a crash, once its backoff
// has passed) first. Failures the model should read — the server is
// down, it crashed during the call, it did not answer in time, it
// refused the call — are errors whose text says so.
func (m *Manager) Call(ctx context.Context, server, tool string, args json.RawMessage) (Result, error) {
	s := m.lookup(server)
	if s == nil {
		return Result{}, fmt.Errorf("there is no MCP server named %q", server)
	}
	return s.call(ctx, tool, args)
}

// Unavailable says why server is not running after a failed start or a
// crash; nil when it runs, was never started, or is not configured.
func (m *Manager) Unavailable(server string) error {
	s := m.lookup(server)
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != Failed {
		return nil
	}
	return fmt.Errorf("MCP server %s is unavailable: %v; LocalGPT tries it again in %s",
		s.cfg.Name, s.err, max(time.Until(s.retryAt), 0).Round(time.Second))
}

// Status describes one server for `localgpt mcp list` and doctor.
type Status struct {
	Name      string `json:"name"`
	Transport string `json:"transport"`
	// Target is the command line or the URL.
	Target string `json:"target"`
	State  State  `json:"state"`
	Error  string `json:"error,omitempty"`
	// PID is the process of a running stdio server.
	PID   int    `json:"pid,omitempty"`
	Tools []Tool `json:"tools"`
	// StartMS is how long the last start took (process, handshake and
	// tool list), in milliseconds.
	StartMS int64 `json:"start_ms,omitempty"`
}

// Status starts every server that is not running (waiting for each,
// within ctx) and reports them all.
func (m *Manager) Status(ctx context.Context) []Status {
	var waits []<-chan struct{}
	for _, s := range m.servers {
		if ch := s.kick(true); ch != nil {
			waits = append(waits, ch)
		}
	}
	for _, ch := range waits {
		select {
		case <-ch:
		case <-ctx.Done():
		}
	}
	out := make([]Status, len(m.servers))
	for i, s := range m.servers {
		out[i] = s.status(ctx)
	}
	return out
}

// Close stops every server and waits for them to exit: a stdio server has
// its input closed, then is terminated, then killed (with everything it
// started). Later calls fail.
func (m *Manager) Close() error {
	m.cancel() // first: it ends the calls and starts in flight
	var errs []error
	for _, s := range m.servers {
		errs = append(errs, s.close())
	}
	m.wg.Wait()
	return errors.Join(errs...)
}

func (m *Manager) lookup(name string) *server {
	for _, s := range m.servers {
		if s.cfg.Name == name {
			return s
		}
	}
	return nil
}

// backoff is the wait before start number failures+1.
func backoff(failures int) time.Duration {
	d := time.Second
	for i := 1; i < failures && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}
