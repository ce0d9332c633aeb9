// Package llmtest fakes the three LLM wire protocols (OpenAI Chat
// Completions SSE, Anthropic Messages SSE, Ollama /api/chat NDJSON) with
// httptest servers, for tests of the adapters and of everything built on
// them; the OpenAI and Ollama fakes also serve embeddings (embed.go). A Server plays a queue of scripted Replies, one per call, and
// records every request body the SDK sent so tests can assert on it.
package llmtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// Recorded is one request a fake received.
type Recorded struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
}

// JSON decodes the request body into a generic map, failing t if it is
// not a JSON object.
func (r Recorded) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("request %s %s: body is not a JSON object: %v\n%s", r.Method, r.Path, err, r.Body)
	}
	return m
}

// Model is a model a fake server offers.
type Model struct {
	Name string
	// ContextLength is what Ollama's /api/show reports; 0 means 8192.
	ContextLength int
	// Arch is the Ollama architecture; "llama" when empty.
	Arch string
	Size int64
	// Dims is the size of the model's embeddings (ConceptDims when 0).
	Dims int
	// NoDimensions makes the OpenAI fake refuse "dimensions" for this
	// model, as OpenAI does for text-embedding-ada-002.
	NoDimensions bool
	// EmbedOnly makes Ollama's /api/show give the model the one capability
	// "embedding", as it does for nomic-embed-text, instead of
	// "completion" and "tools".
	EmbedOnly bool
}

// wire is one provider's protocol.
type wire interface {
	// streamFrames renders a streamed reply; frames[first] is the first
	// that carries content (final if none does), and frames[final:] are the
	// closing events a truncated stream leaves out.
	streamFrames(r Reply, model string) (frames [][]byte, first, final int)
	errorFrame(msg string) []byte
	malformedFrame() []byte
	contentType() string
	errorBody(r Reply) (status int, body []byte)
}

// Server is a fake provider endpoint. Its methods are safe for concurrent use.
type Server struct {
	// URL is the server's base URL, such as http://127.0.0.1:12345.
	URL string
	t   testing.TB
	srv *httptest.Server
	mux *http.ServeMux
	w   wire

	mu      sync.Mutex
	replies []Reply
	reqs    []Recorded
	models  []Model
	respond func(Recorded) Reply
	onEmbed func(Recorded) *Reply
}

func newServer(t testing.TB, w wire) *Server {
	s := &Server{t: t, w: w, mux: http.NewServeMux()}
	s.srv = httptest.NewServer(s)
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

type recordedKey struct{}

// ServeHTTP records the request and hands it to the protocol's routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := Recorded{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body}
	s.mu.Lock()
	s.reqs = append(s.reqs, rec)
	s.mu.Unlock()
	s.mux.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), recordedKey{}, rec)))
}

// Respond makes the server answer every model call with what f returns
// for the request, instead of playing the queue: a script that follows
// the conversation (say, tool results in, next tool calls out), so a
// client killed and restarted at any point is still answered sensibly.
// f may be called from several goroutines at once.
func (s *Server) Respond(f func(Recorded) Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.respond = f
}

// Client returns an HTTP client for the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Close shuts the server down; later calls fail to connect.
func (s *Server) Close() { s.srv.Close() }

// Enqueue adds replies to play, one per model call, in order.
func (s *Server) Enqueue(replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.replies = append(s.replies, replies...)
}

// Pending returns how many enqueued replies have not been played.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.replies)
}

// SetModels sets the models the server lists and knows.
func (s *Server) SetModels(models ...Model) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.models = append([]Model(nil), models...)
}

func (s *Server) modelList() []Model {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Model(nil), s.models...)
}

// Forget drops the requests recorded so far, so that a test making
// thousands of calls measures the code under test, not the fake's
// recordings.
func (s *Server) Forget() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = nil
}

// Requests returns every request received so far.
func (s *Server) Requests() []Recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Recorded(nil), s.reqs...)
}

// Calls returns the requests made to path (such as "/v1/messages").
func (s *Server) Calls(path string) []Recorded {
	var out []Recorded
	for _, r := range s.Requests() {
		if r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// Last returns the last request made to path, failing t if there is none.
func (s *Server) Last(t testing.TB, path string) Recorded {
	t.Helper()
	calls := s.Calls(path)
	if len(calls) == 0 {
		t.Fatalf("no request to %s was made", path)
	}
	return calls[len(calls)-1]
}

func (s *Server) next(req *http.Request) (Reply, bool) {
	s.mu.Lock()
	respond := s.respond
	s.mu.Unlock()
	if rec, ok := req.Context().Value(recordedKey{}).(Recorded); ok && respond != nil {
		return respond(rec), true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.replies) == 0 {
		return Reply{}, false
	}
	r := s.replies[0]
	s.replies = s.replies[1:]
	return r, true
}

// play answers a model call with the next scripted reply.
func (s *Server) play(w http.ResponseWriter, r *http.Request, model string) {
	reply, ok := s.next(r)
	if !ok {
		s.t.Errorf("llmtest: %s %s called but no reply is scripted", r.Method, r.URL.Path)
		http.Error(w, `{"error":{"message":"llmtest: no reply scripted"}}`, http.StatusInternalServerError)
		return
	}
	for k, vs := range reply.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if reply.RetryAfter != "" {
		w.Header().Set("Retry-After", reply.RetryAfter)
	}
	if reply.Raw != nil {
		ct := reply.ContentType
		if ct == "" {
			ct = s.w.contentType()
		}
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(max(reply.Status, http.StatusOK))
		_, _ = w.Write(reply.Raw)
		return
	}
	if reply.isError() || reply.Overflow {
		status, body := s.w.errorBody(reply)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
		return
	}
	frames, first, final := s.w.streamFrames(reply, model)
	if reply.Truncate {
		frames = frames[:final]
	}
	// Errors, garbage and hangs come after the first content, before the
	// closing events.
	cut := min(first+1, final, len(frames))
	switch {
	case reply.Error != "":
		frames = append(frames[:cut:cut], s.w.errorFrame(reply.Error))
	case reply.Malformed:
		frames = append(frames[:cut:cut], append([][]byte{s.w.malformedFrame()}, frames[cut:]...)...)
	}
	w.Header().Set("Content-Type", s.w.contentType())
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	for i, f := range frames {
		if reply.Delay > 0 {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(reply.Delay):
			}
		}
		if _, err := w.Write(f); err != nil {
			return
		}
		if flusher != nil {
			flusher.Flush()
		}
		if reply.Hang && i == max(cut-1, 0) {
			<-r.Context().Done()
			return
		}
	}
}

// Render returns the body a streamed reply is sent as, for tests that
// replay it many times as Raw (benchmarks).
func (s *Server) Render(r Reply, model string) []byte {
	frames, _, _ := s.w.streamFrames(r, model)
	return bytes.Join(frames, nil)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("llmtest: marshal %T: %v", v, err))
	}
	return b
}

func sse(event string, v any) []byte {
	var b bytes.Buffer
	if event != "" {
		fmt.Fprintf(&b, "event: %s\n", event)
	}
	fmt.Fprintf(&b, "data: %s\n\n", mustJSON(v))
	return b.Bytes()
}
