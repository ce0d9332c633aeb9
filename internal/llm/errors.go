package llm

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrorKind classifies a provider failure by what the caller can do about it.
type ErrorKind string

// Kinds of provider error.
const (
	KindAuth            ErrorKind = "auth"             // 401/403: the key is missing, wrong or not allowed
	KindRateLimit       ErrorKind = "rate_limit"       // 429: wait (RetryAfter) and try again
	KindOverloaded      ErrorKind = "overloaded"       // 5xx/529: the provider is busy or failing
	KindUnreachable     ErrorKind = "unreachable"      // no connection to the endpoint
	KindContextOverflow ErrorKind = "context_overflow" // the prompt does not fit the model's window
	KindNotFound        ErrorKind = "not_found"        // the model does not exist on the provider
	KindBadRequest      ErrorKind = "bad_request"      // the provider rejected the request
	KindStream          ErrorKind = "stream"           // the response stream was malformed or cut off
	KindOther           ErrorKind = "other"
)

// Error is a failed provider call, inspected with errors.As. It names the
// provider and model, and Hint says what the user can do.
type Error struct {
	Kind     ErrorKind
	Provider ProviderName
	Model    string
	// Status is the HTTP status, 0 when there was no response.
	Status  int
	Message string
	Hint    string
	// RetryAfter is the wait the provider asked for (429), if any.
	RetryAfter time.Duration
	// Err is the underlying SDK or network error.
	Err error
}

// Error says provider, model, what failed, the provider's message and the hint.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(string(e.Provider))
	if e.Model != "" {
		b.WriteString(" model " + e.Model)
	}
	b.WriteString(": " + e.Kind.describe())
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Hint != "" {
		b.WriteString("; " + e.Hint)
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether trying the same call again may succeed.
func (e *Error) Retryable() bool {
	switch e.Kind {
	case KindRateLimit, KindOverloaded, KindUnreachable:
		return true
	}
	return false
}

func (k ErrorKind) describe() string {
	switch k {
	case KindAuth:
		return "authentication failed"
	case KindRateLimit:
		return "rate limited"
	case KindOverloaded:
		return "provider overloaded or failing"
	case KindUnreachable:
		return "cannot reach the provider"
	case KindContextOverflow:
		return "the conversation is longer than the model's context window"
	case KindNotFound:
		return "model not found"
	case KindBadRequest:
		return "request rejected"
	case KindStream:
		return "bad response stream"
	}
	return "call failed"
}

// IsContextOverflow reports whether err says the prompt did not fit.
func IsContextOverflow(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == KindContextOverflow
}

// ClassifyStatus maps an HTTP status and the provider's message to a Kind.
// overflow lists lower-case message fragments by which the provider says
// the prompt is too long.
func ClassifyStatus(status int, message string, overflow []string) ErrorKind {
	msg := strings.ToLower(message)
	for _, p := range overflow {
		if strings.Contains(msg, p) {
			return KindContextOverflow
		}
	}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return KindAuth
	case status == http.StatusTooManyRequests:
		return KindRateLimit
	case status == http.StatusNotFound:
		return KindNotFound
	case status == http.StatusRequestEntityTooLarge:
		return KindContextOverflow
	case status >= 500:
		return KindOverloaded
	case status >= 400:
		return KindBadRequest
	}
	return KindOther
}

// IsNetwork reports whether err is a failure to connect or a dropped
// connection rather than an answer from the provider.
func IsNetwork(err error) bool {
	var ne net.Error
	var oe *net.OpError
	return errors.As(err, &oe) || errors.As(err, &ne) ||
		strings.Contains(err.Error(), "connection refused") ||
		strings.Contains(err.Error(), "connection reset")
}

// RetryAfter reads the wait a response asks for: the retry-after-ms header
// (OpenAI) or Retry-After in seconds or as an HTTP date. Zero when absent.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	if h == nil {
		return 0
	}
	if v := h.Get("Retry-After-Ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s <= 0 {
			return 0
		}
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// OverflowPatterns are lower-case fragments by which the providers and the
// common OpenAI-compatible servers say a prompt is too long.
var overflowPatterns = []string{
	"context_length_exceeded", "maximum context length", "context length", "context window",
	"prompt is too long", "too many tokens", "exceeds the context", "exceed context",
	"context size", "input is too long", "reduce the length",
}

// OverflowPatterns returns the fragments IsOverflowMessage looks for.
func OverflowPatterns() []string { return append([]string(nil), overflowPatterns...) }

// HTTPError builds the *Error for an HTTP error answer: its Kind from the
// status and message, RetryAfter from the headers, and a hint for the kind.
// keyHint is what to check for an authentication failure.
func HTTPError(provider ProviderName, model string, status int, message string, h http.Header, keyHint string, err error) *Error {
	e := &Error{Kind: ClassifyStatus(status, message, overflowPatterns), Provider: provider, Model: model,
		Status: status, Message: strings.TrimSpace(message), RetryAfter: RetryAfter(h, time.Now()), Err: err}
	switch e.Kind {
	case KindAuth:
		e.Hint = keyHint
	case KindRateLimit:
		e.Hint = "wait a moment and try again, or check your plan's rate limits"
	case KindOverloaded:
		e.Hint = "the provider is busy or failing; try again in a moment"
	case KindContextOverflow:
		e.Hint = "start a new session or compact the conversation"
	case KindNotFound:
		e.Hint = "check the model name; `localgpt models` lists the available ones"
	case KindBadRequest:
		e.Hint = "check the model name and settings; a compatible server may not support tools or streaming"
	default:
		e.Hint = "run with --verbose and see logs/agent.log for details"
	}
	return e
}

// NetworkError builds the *Error for a call that got no answer from endpoint.
func NetworkError(provider ProviderName, model, endpoint string, err error) *Error {
	return &Error{Kind: KindUnreachable, Provider: provider, Model: model,
		Message: fmt.Sprintf("no answer from %s (%s)", endpoint, networkReason(err)),
		Hint:    "check that the endpoint is right and reachable", Err: err}
}

// networkReason says in a few words why a connection failed; the whole
// chain (method, URL, dial details) stays available through Unwrap and
// the debug log.
func networkReason(err error) string {
	var dns *net.DNSError
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.As(err, &dns):
		return "cannot resolve " + dns.Name
	case errors.As(err, &ne) && ne.Timeout():
		return "timed out"
	}
	return err.Error()
}

// StreamError builds the *Error for a response stream that could not be decoded.
func StreamError(provider ProviderName, model string, err error) *Error {
	return &Error{Kind: KindStream, Provider: provider, Model: model,
		Message: fmt.Sprintf("cannot decode the response stream: %v", err),
		Hint:    "the server sent something that is not a valid stream; try again, or check that the endpoint speaks this provider's protocol", Err: err}
}
