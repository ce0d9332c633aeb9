// Package server is LocalGPT's HTTP face: the JSON API under /api (chat,
// streamed chat over Server-Sent Events, sessions, memory search, status),
// an OpenAI-compatible /v1 so any OpenAI client can talk to the assistant,
// and a small chat page embedded in the binary at /. The daemon runs it
// as a component; New builds the whole handler with its routes in one place
// (routes.go), so tests drive it with httptest.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/localgpt-go/localgpt/internal/apitoken"
	"github.com/localgpt-go/localgpt/internal/assistant"
	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/keylock"
	"github.com/localgpt-go/localgpt/internal/llm/catalog"
	"github.com/localgpt-go/localgpt/internal/memory"
	"github.com/localgpt-go/localgpt/internal/secret"
	"github.com/localgpt-go/localgpt/internal/session"
)

// Options configure a Server. The CLI fills them from the [server]
// section and the process's composition root (assistant.Root).
type Options struct {
	// Paths gives the sessions folder, the state folder (the heartbeat's
	// state for /api/status) and the config file named in errors.
	Paths config.Paths
	// Bind and Port are where Run listens (server.bind, server.port).
	Bind string
	Port int
	// APIToken is server.api_token: the configured token, "" when the
	// token is the one kept in the state folder (see Token); binding
	// beyond loopback requires one.
	APIToken string
	// RequestTimeout bounds every request but the chat ones; ChatTimeout
	// bounds one chat request, streamed or not, tools included.
	RequestTimeout, ChatTimeout time.Duration
	// MaxBodyBytes is the largest request body accepted (413 beyond).
	MaxBodyBytes int64
	// DefaultModel answers the requests that name no model
	// (agent.default_model).
	DefaultModel string
	// HeartbeatEnabled is reported by /api/status.
	HeartbeatEnabled bool
	// Assistants builds the assistant of a model (never ""), with or
	// without memory: assistant.Root.Open with ClientRetries (the
	// server's clients retry a failed turn themselves). The server keeps
	// those that build. Required.
	Assistants func(ctx context.Context, model string, noMemory bool) (*assistant.Assistant, error)
	// Memory returns the process's memory store, which the server never
	// closes (assistant.Root.Memory). Required.
	Memory func(ctx context.Context) (*memory.Store, error)
	// Models resolves model names and lists every provider's models: the
	// process's catalog (assistant.Root.Models). Required.
	Models *catalog.Catalog
	Log    *slog.Logger
	// Version is reported by /api/status.
	Version string
	// NextHeartbeat reports when the next heartbeat cycle is due (zero
	// when unknown); nil reports none.
	NextHeartbeat func() time.Time
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Token is the API's token; "" resolves it as the CLI does: APIToken,
	// else the one in the state folder (made there on first use, see
	// internal/apitoken).
	Token string
	// Secrets are masked in every response body and in session files:
	// the process's masker (assistant.Root.Secrets). Required.
	Secrets *secret.Masker
	// Grace is how long Serve, once its context is done, lets the turns
	// in flight (chat requests) finish before it cancels them; 0 cancels
	// them at once.
	Grace time.Duration
}

// Server serves the API. It is an http.Handler; Run listens on the
// configured address for the daemon. Close releases what it opened.
type Server struct {
	o       Options
	log     *slog.Logger
	started time.Time
	handler http.Handler
	store   *session.Store
	locks   keylock.Table // serialises the requests that touch one session (turns, deletion)
	turns   atomic.Int64  // chat requests in flight (InFlight)
	models  *assistants
	// catalog resolves model names and lists every provider's models,
	// with cached listings shared by every request.
	catalog *catalog.Catalog
	// items are the output items of recent /v1/responses answers, which
	// clients may refer to by id.
	items itemStore
	// loopback says the server is bound to loopback: requests must then
	// name a loopback host (against DNS rebinding).
	loopback bool
	token    []byte
	cookie   string         // the value of the page's session cookie
	codes    apitoken.Codes // login codes already used
	// assets are the web page's files, by name under web/.
	assets map[string]webAsset

	// refreshOnce brings the index up to date on the first memory use.
	refreshOnce sync.Once
}

// New checks the options and builds the server. Binding to an address
// other than loopback without an API token is refused with a
// *config.Error.
func New(o Options) (*Server, error) {
	if o.Assistants == nil || o.Memory == nil || o.Models == nil || o.Secrets == nil {
		return nil, errors.New("server: Options.Assistants, Memory, Models and Secrets are required")
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if !IsLoopback(o.Bind) && o.APIToken == "" {
		return nil, &config.Error{File: o.Paths.ConfigFile, Key: "server.bind",
			Msg: fmt.Sprintf("%q is not a loopback address, so anyone on the network could use the assistant; set server.api_token (or LOCALGPT_API_TOKEN) to require a token, or bind to 127.0.0.1", o.Bind)}
	}
	if o.Token == "" {
		if o.Paths.State == "" {
			return nil, errors.New("server: no API token and no state folder to keep one in")
		}
		tok, err := apitoken.Resolve(o.APIToken, apitoken.Path(o.Paths.State), true)
		if err != nil {
			return nil, fmt.Errorf("server: %w", err)
		}
		o.Token = tok
	}
	o.Secrets.Add(o.Token) // the token never appears in a response or a log
	s := &Server{
		o: o, log: o.Log, started: o.Now(),
		store:    &session.Store{Dir: o.Paths.Sessions, Secrets: o.Secrets},
		loopback: IsLoopback(o.Bind),
	}
	s.token, s.cookie = []byte(o.Token), apitoken.CookieValue(o.Token)
	if o.Paths.State != "" {
		s.codes.File = filepath.Join(o.Paths.State, loginCodesFile) // a used link stays used after a restart
	}
	s.catalog = o.Models
	s.models = newAssistants(o)
	s.assets = loadWebAssets()
	s.handler = s.routes()
	return s, nil
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Name names the server among the daemon's components.
func (s *Server) Name() string { return "http" }

// Addr is the address the configuration says to listen on.
func (s *Server) Addr() string {
	return net.JoinHostPort(s.o.Bind, strconv.Itoa(s.o.Port))
}

// Run listens on the configured address, calls ready with it and serves
// until ctx is done, then shuts down: it stops accepting requests, lets
// those in flight finish for Options.Grace and cancels what is left. It
// closes the server when it returns.
func (s *Server) Run(ctx context.Context, ready func(addr string)) error {
	defer s.Close()
	ln, err := net.Listen("tcp", s.Addr())
	if err != nil {
		return fmt.Errorf("server: listen on %s: %w; is another program (or another LocalGPT) using the port? Change server.port or stop it", s.Addr(), err)
	}
	return s.Serve(ctx, ln, ready)
}

// Serve serves on ln until ctx is done (see Run).
func (s *Server) Serve(ctx context.Context, ln net.Listener, ready func(addr string)) error {
	baseCtx, cancelBase := context.WithCancel(context.Background())
	defer cancelBase()
	// Once requests stop, the memory a burst of them used is given back
	// to the system: otherwise the garbage waits for the runtime's GC
	// every two minutes, and what it frees is returned slowly after that.
	trim := time.AfterFunc(time.Hour, debug.FreeOSMemory)
	trim.Stop()
	defer trim.Stop()
	hs := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			trim.Reset(trimAfter)
			s.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return baseCtx },
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	s.log.Info("server: listening", "addr", ln.Addr().String())
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		return fmt.Errorf("server: %w", err)
	case <-ctx.Done():
	}
	// Shutdown closes the listener and the idle connections at once and
	// waits for the requests in flight; an idle server returns at once.
	graceCtx, cancel := context.WithTimeout(context.Background(), s.o.Grace)
	defer cancel()
	if err := hs.Shutdown(graceCtx); err != nil {
		cancelBase() // cancels the streams and turns still running
		hs.Close()
	}
	<-errc
	return nil
}

// trimAfter is how long the server must be idle before it gives memory
// back (Serve).
const trimAfter = 2 * time.Second

// InFlight is how many chat requests (turns) are running.
func (s *Server) InFlight() int { return int(s.turns.Load()) }

// turn counts a chat request in flight for as long as it runs.
func (s *Server) turn(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.turns.Add(1)
		defer s.turns.Add(-1)
		h(w, r)
	}
}

// Close drops the assistants; later chats fail. The memory store
// belongs to the composition root, which closes it.
func (s *Server) Close() error {
	return s.models.Close()
}

// memory returns the process's memory store, brought up to date with the
// workspace on the server's first use (the daemon's watcher keeps it so).
func (s *Server) memory(ctx context.Context) (*memory.Store, error) {
	st, err := s.o.Memory(ctx)
	if err != nil {
		return nil, err
	}
	s.refreshOnce.Do(func() {
		if _, err := st.Reindex(context.WithoutCancel(ctx), false, nil); err != nil {
			s.log.Warn("server: memory index not refreshed", "err", err)
		}
	})
	return st, nil
}

// IsLoopback reports whether bind (an IP or host name) only reaches this machine.
func IsLoopback(bind string) bool {
	if bind == "localhost" {
		return true
	}
	ip := net.ParseIP(bind)
	return ip != nil && ip.IsLoopback()
}
