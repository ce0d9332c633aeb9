package llmtest

import (
	"net/http"
	"time"
)

// Reply is one scripted answer of a fake server, described once and
// rendered in the wire format of whichever protocol the server speaks.
// The zero Reply is an empty, complete answer.
type Reply struct {
	// Status, when not 0 or 200, makes the reply an HTTP error with
	// Error as its message, shaped as the provider shapes its errors.
	Status int
	// Error is the message of an error reply, or, with a 200 Status, of an
	// error event sent in the middle of the stream after the first chunk.
	Error string
	// ErrorType is the provider's error type ("rate_limit_error",
	// "invalid_request_error"); a fitting one is chosen from Status when empty.
	ErrorType string
	// ErrorCode is OpenAI's error code, such as "context_length_exceeded".
	ErrorCode string
	// RetryAfter is sent as the Retry-After header.
	RetryAfter string
	// Header holds extra response headers.
	Header http.Header
	// Overflow makes the reply the provider's own "prompt too long" error.
	Overflow bool

	// Reasoning is streamed before the answer, kept apart from it.
	Reasoning string
	// Text is the answer.
	Text string
	// ToolCalls are streamed after the text, in order.
	ToolCalls []Call
	// Usage is reported at the end of the stream.
	Usage Usage
	// Stop is "end", "tool_use" or "length"; when empty it is "tool_use"
	// if there are tool calls and "end" otherwise.
	Stop string
	// ChunkSize is the number of bytes of text, reasoning or arguments per
	// streamed delta; 0 means 3, so that everything arrives in many pieces.
	ChunkSize int
	// Interleave sends the argument pieces of several tool calls in turn
	// (call 0, call 1, call 0, …) instead of one call after the other.
	Interleave bool

	// Truncate ends the stream before its final events, as a dropped
	// connection does.
	Truncate bool
	// Malformed sends a line that is not valid JSON after the first chunk.
	Malformed bool
	// Delay is slept before each streamed event.
	Delay time.Duration
	// Hang stops after the first streamed event and holds the connection
	// open until the client goes away.
	Hang bool

	// Raw, when set, is written as the whole response body (with Status,
	// or 200) instead of rendering the fields above.
	Raw []byte
	// ContentType goes with Raw; the protocol's streaming type when empty.
	ContentType string
}

// Call is one scripted tool call. Args is the arguments JSON object.
type Call struct {
	ID   string
	Name string
	Args string
}

// Usage is the token count a reply reports.
type Usage struct {
	Prompt     int
	Completion int
}

// Text returns a reply answering s.
func Text(s string) Reply { return Reply{Text: s, Usage: Usage{Prompt: 10, Completion: len(s)/4 + 1}} }

// ToolCalls returns a reply calling tools, with no text.
func ToolCalls(calls ...Call) Reply {
	return Reply{ToolCalls: calls, Usage: Usage{Prompt: 10, Completion: 5}}
}

// HTTPError returns an error reply with status and message.
func HTTPError(status int, message string) Reply { return Reply{Status: status, Error: message} }

// RateLimited returns a 429 reply asking to retry after retryAfter
// (a Retry-After header value, e.g. "1"), or without the header if empty.
func RateLimited(retryAfter string) Reply {
	return Reply{Status: http.StatusTooManyRequests, Error: "Rate limit reached; please try again later", RetryAfter: retryAfter}
}

// Overflow returns the provider's own context-overflow error.
func Overflow() Reply { return Reply{Overflow: true} }

func (r Reply) stop() string {
	switch {
	case r.Stop != "":
		return r.Stop
	case len(r.ToolCalls) > 0:
		return "tool_use"
	}
	return "end"
}

func (r Reply) isError() bool { return r.Status != 0 && r.Status != http.StatusOK }

// chunks splits s into pieces of r's chunk size.
func (r Reply) chunks(s string) []string {
	n := r.ChunkSize
	if n <= 0 {
		n = 3
	}
	var out []string
	for len(s) > n {
		out = append(out, s[:n])
		s = s[n:]
	}
	if s != "" {
		out = append(out, s)
	}
	return out
}

// argPiece is one piece of the arguments of tool call Index.
type argPiece struct {
	Index int
	Text  string
}

// argPieces orders the argument pieces of every call, interleaved or not.
func (r Reply) argPieces() []argPiece {
	per := make([][]string, len(r.ToolCalls))
	for i, c := range r.ToolCalls {
		per[i] = r.chunks(c.Args)
	}
	var out []argPiece
	if !r.Interleave {
		for i, ps := range per {
			for _, p := range ps {
				out = append(out, argPiece{i, p})
			}
		}
		return out
	}
	for k := 0; ; k++ {
		any := false
		for i, ps := range per {
			if k < len(ps) {
				out = append(out, argPiece{i, ps[k]})
				any = true
			}
		}
		if !any {
			return out
		}
	}
}
