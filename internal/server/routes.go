package server

import (
	"net/http"
	"time"
)

// routes is every route of the server, in one place, wrapped in the
// middleware every request goes through (outermost first): secret
// masking of the response, recovery and logging, host and origin checks
// with CORS, the bearer token, the body limit and the timeout.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	short, chat := s.o.RequestTimeout, s.o.ChatTimeout
	handle := func(method, path string, timeout time.Duration, h http.HandlerFunc) {
		mux.Handle(method+" "+path, s.withTimeout(timeout, h))
	}

	handle("GET", "/health", short, s.handleHealth)
	handle("GET", "/api/status", short, s.handleStatus)
	handle("POST", "/api/chat", chat, s.turn(s.handleChat))
	handle("POST", "/api/chat/stream", chat, s.turn(s.handleChatStream))
	handle("POST", "/api/sessions", short, s.handleCreateSession)
	handle("GET", "/api/sessions", short, s.handleListSessions)
	handle("GET", "/api/sessions/search", short, s.handleSearchSessions)
	handle("GET", "/api/sessions/{id}", short, s.handleGetSession)
	handle("PATCH", "/api/sessions/{id}", chat, s.handleRenameSession)  // waits for a turn in flight
	handle("DELETE", "/api/sessions/{id}", chat, s.handleDeleteSession) // waits for a turn in flight
	handle("GET", "/api/memory/search", short, s.handleMemorySearch)
	handle("GET", "/api/memory/stats", short, s.handleMemoryStats)
	handle("GET", "/api/memory/file", short, s.handleMemoryFile)
	handle("GET", "/api/memory/today", short, s.handleMemoryToday)
	handle("POST", "/v1/chat/completions", chat, s.turn(s.handleCompletions))
	handle("POST", "/v1/responses", chat, s.turn(s.handleResponses))
	handle("GET", "/v1/models", short, s.handleModels)
	handle("GET", "/login", short, s.handleLogin)
	handle("GET", "/{$}", short, s.handlePage)
	handle("GET", "/static/{file...}", short, s.handleStatic)
	handle("GET", "/favicon.ico", short, s.handleFavicon)

	// Any other method on a known path is a 405, anything else a 404,
	// both in the error shape.
	for _, p := range []string{"/health", "/api/status", "/api/chat", "/api/chat/stream", "/api/sessions",
		"/api/sessions/{id}", "/api/memory/search", "/api/memory/stats", "/api/memory/file", "/api/memory/today",
		"/v1/chat/completions", "/v1/responses", "/v1/models"} {
		mux.HandleFunc(p, methodNotAllowed)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, http.StatusNotFound, codeNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path+"; see docs/http-api.md")
	})
	return s.maskSecrets(s.recoverAndLog(s.checkOrigin(s.authenticate(s.limitBody(mux)))))
}
