package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/memory"
	"github.com/localgpt-go/localgpt/internal/session"
)

// Error codes of the {"error": {"message", "type", "param", "code"}} body.
const (
	codeInvalid          = "invalid_request"         // 400
	codeContextLength    = "context_length_exceeded" // 400: the conversation does not fit the model
	codeUnauthorized     = "unauthorized"            // 401: the client's token
	codeForbidden        = "forbidden"               // 403: a foreign Origin or Host
	codeProviderAuth     = "provider_auth"           // 401/403: the provider refused LocalGPT's key
	codeNotFound         = "not_found"               // 404
	codeModelNotFound    = "model_not_found"         // 404
	codeMethodNotAllowed = "method_not_allowed"      // 405
	codeConflict         = "conflict"                // 409: the session is open in another process
	codeTooLarge         = "request_too_large"       // 413
	codeRateLimited      = "rate_limit_exceeded"     // 429: the provider's rate limit
	codeProvider         = "provider_error"          // 502: the provider failed or sent garbage
	codeUnreachable      = "provider_unreachable"    // 502: no connection to the provider
	codeOverloaded       = "provider_overloaded"     // 503: the provider is busy or failing
	codeNoVectors        = "vectors_not_ready"       // 503: no vectors to search yet (mode=vector)
	codeTimeout          = "timeout"                 // 504
	codeInternal         = "internal_error"          // 500
)

// apiError is the body of every error response, in OpenAI's shape so that
// OpenAI clients raise it with its status, type and code.
type apiError struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Message string `json:"message"`
	// Type is OpenAI's error class (invalid_request_error, …); Code says
	// what went wrong more precisely (see the constants above).
	Type  string  `json:"type"`
	Param *string `json:"param"`
	Code  string  `json:"code"`
}

// httpError is an error with everything its response needs.
type httpError struct {
	status     int
	code, msg  string
	param      string
	retryAfter time.Duration
}

func errorBody(e httpError) apiError {
	d := errorDetail{Message: e.msg, Type: errorType(e.status), Code: e.code}
	if e.param != "" {
		d.Param = &e.param
	}
	return apiError{Error: d}
}

// errorType is OpenAI's error type for a status.
func errorType(status int) string {
	switch {
	case status == http.StatusUnauthorized:
		return "authentication_error"
	case status == http.StatusForbidden:
		return "permission_error"
	case status == http.StatusTooManyRequests:
		return "rate_limit_error"
	case status >= 500:
		return "server_error"
	}
	return "invalid_request_error"
}

// writeError answers with status and the error shape.
func writeError(w http.ResponseWriter, _ *http.Request, status int, code, msg string) {
	writeHTTPError(w, httpError{status: status, code: code, msg: msg})
}

// writeHTTPError answers with e, and a Retry-After header when e has a wait.
func writeHTTPError(w http.ResponseWriter, e httpError) {
	if e.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(e.retryAfter.Seconds()))))
	}
	writeJSON(w, e.status, errorBody(e))
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

// defaultRetryAfter is the Retry-After of a rate limit whose provider
// named no wait.
const defaultRetryAfter = 2 * time.Second

// classify maps an error to its response.
func classify(err error) httpError {
	var le *llm.Error
	var ce *config.Error
	var tooBig *http.MaxBytesError
	var inv invalidError
	switch {
	case errors.As(err, &tooBig):
		return httpError{status: http.StatusRequestEntityTooLarge, code: codeTooLarge, msg: err.Error()}
	case errors.As(err, &le):
		return providerError(le)
	case errors.Is(err, session.ErrNotFound):
		return httpError{status: http.StatusNotFound, code: codeNotFound, msg: err.Error()}
	case errors.Is(err, session.ErrInUse), errors.Is(err, session.ErrWithdraw):
		return httpError{status: http.StatusConflict, code: codeConflict, msg: err.Error()}
	case errors.Is(err, session.ErrAmbiguous):
		return httpError{status: http.StatusBadRequest, code: codeInvalid, msg: err.Error()}
	case errors.Is(err, memory.ErrNotFound):
		return httpError{status: http.StatusNotFound, code: codeNotFound, msg: err.Error(), param: "path"}
	case errors.As(err, &ce):
		return httpError{status: http.StatusBadRequest, code: codeInvalid, msg: err.Error()}
	case errors.Is(err, memory.ErrNoVectors):
		return httpError{status: http.StatusServiceUnavailable, code: codeNoVectors, msg: err.Error(), param: "mode"}
	case errors.Is(err, memory.ErrNoEmbeddings):
		return httpError{status: http.StatusBadRequest, code: codeInvalid, msg: err.Error(), param: "mode"}
	case errors.Is(err, memory.ErrEmptyQuery):
		return httpError{status: http.StatusBadRequest, code: codeInvalid, msg: err.Error(), param: "q"}
	case errors.Is(err, context.DeadlineExceeded):
		return httpError{status: http.StatusGatewayTimeout, code: codeTimeout, msg: "the request took too long and was stopped (server.request_timeout / server.chat_timeout)"}
	case errors.As(err, &inv):
		return httpError{status: http.StatusBadRequest, code: codeInvalid, msg: inv.msg, param: inv.param}
	}
	return httpError{status: http.StatusInternalServerError, code: codeInternal, msg: err.Error()}
}

// providerError maps a provider failure to the status that tells a client
// what it can do: 4xx are not worth retrying, 429 and 503 are after
// Retry-After, 502 perhaps.
func providerError(le *llm.Error) httpError {
	e := httpError{msg: le.Error(), retryAfter: le.RetryAfter}
	switch le.Kind {
	case llm.KindNotFound:
		e.status, e.code, e.param = http.StatusNotFound, codeModelNotFound, "model"
	case llm.KindBadRequest:
		e.status, e.code = http.StatusBadRequest, codeInvalid
	case llm.KindContextOverflow:
		e.status, e.code, e.param = http.StatusBadRequest, codeContextLength, "messages"
	case llm.KindAuth:
		e.status, e.code = http.StatusUnauthorized, codeProviderAuth
		if le.Status == http.StatusForbidden {
			e.status = http.StatusForbidden
		}
	case llm.KindRateLimit:
		e.status, e.code = http.StatusTooManyRequests, codeRateLimited
		if e.retryAfter <= 0 {
			e.retryAfter = defaultRetryAfter
		}
	case llm.KindOverloaded:
		e.status, e.code = http.StatusServiceUnavailable, codeOverloaded
	case llm.KindUnreachable:
		e.status, e.code = http.StatusBadGateway, codeUnreachable
	default:
		e.status, e.code = http.StatusBadGateway, codeProvider
	}
	if e.status < 429 {
		e.retryAfter = 0
	}
	return e
}

// fail answers with the error's status and shape, and logs server faults.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	e := classify(err)
	if e.status >= 500 {
		s.log.Warn("server: request failed", "method", r.Method, "path", r.URL.Path, "status", e.status, "err", err)
	}
	writeHTTPError(w, e)
}

// invalidError is a request the client got wrong; its text says how, and
// param names the field at fault, when one is.
type invalidError struct {
	msg, param string
}

func (e invalidError) Error() string { return e.msg }

// invalid returns an invalidError.
func invalid(format string, args ...any) error {
	return invalidError{msg: fmt.Sprintf(format, args...)}
}

// invalidParam returns an invalidError about one field of the request.
func invalidParam(param, format string, args ...any) error {
	return invalidError{msg: fmt.Sprintf(format, args...), param: param}
}

func methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	writeError(w, r, http.StatusMethodNotAllowed, codeMethodNotAllowed, r.Method+" is not allowed on "+r.URL.Path)
}
