package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/memory"
	"github.com/localgpt-go/localgpt/internal/session"
)

// Error codes of the {"error": {"code", "message"}} body.
const (
	codeInvalid          = "invalid_request"    // 400
	codeUnauthorized     = "unauthorized"       // 401
	codeForbidden        = "forbidden"          // 403: a foreign Origin or Host
	codeNotFound         = "not_found"          // 404
	codeMethodNotAllowed = "method_not_allowed" // 405
	codeConflict         = "conflict"           // 409: the session is open in another process
	codeTooLarge         = "request_too_large"  // 413
	codeProvider         = "provider_error"     // 502
	codeTimeout          = "timeout"            // 504
	codeInternal         = "internal_error"     // 500
)

// apiError is the body of every error response.
type apiError struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Type repeats Code on /v1, where OpenAI clients read it.
	Type string `json:"type,omitempty"`
}

func errorBody(r *http.Request, code, msg string) apiError {
	e := apiError{Error: errorDetail{Code: code, Message: msg}}
	if r != nil && strings.HasPrefix(r.URL.Path, "/v1/") {
		e.Error.Type = code
	}
	return e
}

// writeError answers with status and the error shape.
func writeError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	writeJSON(w, status, errorBody(r, code, msg))
}

// writeJSON answers with status and v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // the client may be gone; nothing to do then
}

// classify maps an error to its status, code and message.
func classify(err error) (int, string, string) {
	var le *llm.Error
	var ce *config.Error
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return http.StatusRequestEntityTooLarge, codeTooLarge, err.Error()
	case errors.As(err, &le):
		return http.StatusBadGateway, codeProvider, le.Error()
	case errors.Is(err, session.ErrNotFound):
		return http.StatusNotFound, codeNotFound, err.Error()
	case errors.Is(err, session.ErrInUse):
		return http.StatusConflict, codeConflict, err.Error()
	case errors.As(err, &ce):
		return http.StatusBadRequest, codeInvalid, err.Error()
	case errors.Is(err, memory.ErrEmptyQuery):
		return http.StatusBadRequest, codeInvalid, err.Error()
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout, codeTimeout, "the request took too long and was stopped (server.request_timeout / server.chat_timeout)"
	case errors.As(err, new(invalidError)):
		return http.StatusBadRequest, codeInvalid, err.Error()
	}
	return http.StatusInternalServerError, codeInternal, err.Error()
}

// fail answers with the error's status and shape, and logs server faults.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, code, msg := classify(err)
	if status >= 500 {
		s.log.Warn("server: request failed", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	}
	writeError(w, r, status, code, msg)
}

// invalidError is a request the client got wrong; its text says how.
type invalidError string

func (e invalidError) Error() string { return string(e) }

// invalid returns an invalidError.
func invalid(format string, args ...any) error { return invalidError(fmt.Sprintf(format, args...)) }

func methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	writeError(w, r, http.StatusMethodNotAllowed, codeMethodNotAllowed, r.Method+" is not allowed on "+r.URL.Path)
}
