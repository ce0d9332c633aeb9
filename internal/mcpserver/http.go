package mcpserver

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Handler serves the MCP streamable HTTP transport. Every request must
// carry "Authorization: Bearer TOKEN", compared in constant time, as on
// the daemon's API; token must not be empty. Cross-origin browser
// requests are refused, and so are requests reaching a loopback address
// under another host name (DNS rebinding).
func (s *Server) Handler(token string) (http.Handler, error) {
	if strings.TrimSpace(token) == "" {
		return nil, errors.New("mcpserver: an HTTP server needs a token")
	}
	mcpHandler := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s.srv },
		&mcp.StreamableHTTPOptions{Logger: s.log, SessionTimeout: 30 * time.Minute})
	want := []byte(token)
	authed := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="localgpt"`)
			http.Error(w, `a valid "Authorization: Bearer <token>" header is required (localgpt mcp serve --help says where the token is)`, http.StatusUnauthorized)
			return
		}
		mcpHandler.ServeHTTP(w, r)
	})
	return http.NewCrossOriginProtection().Handler(authed), nil
}

// ServeHTTP listens on addr and serves Handler(token) until ctx ends;
// ready, when not nil, receives the address listened on.
func (s *Server) ServeHTTP(ctx context.Context, addr, token string, ready func(net.Addr)) error {
	h, err := s.Handler(token)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: nil}
	if ready != nil {
		ready(ln.Addr())
	}
	stop := context.AfterFunc(ctx, func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	})
	defer stop()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
