package server

import (
	"bytes"
	"encoding/json"
	"net/http"
)

// sseWriter writes Server-Sent Events, flushing each one. Its methods are
// called from one goroutine at a time (the agent emits sequentially).
type sseWriter struct {
	w   http.ResponseWriter
	rc  *http.ResponseController
	buf bytes.Buffer
}

// newSSE sends the stream's headers.
func newSSE(w http.ResponseWriter) *sseWriter {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	s := &sseWriter{w: w, rc: http.NewResponseController(w)}
	_ = s.rc.Flush()
	return s
}

// event writes "event: name" (when name is set) and "data: <json of v>",
// then flushes. JSON holds no raw newline, so one data line suffices.
// Write errors mean the client went away; the request context says so.
func (s *sseWriter) event(name string, v any) {
	s.buf.Reset()
	if name != "" {
		s.buf.WriteString("event: ")
		s.buf.WriteString(name)
		s.buf.WriteByte('\n')
	}
	s.buf.WriteString("data: ")
	enc := json.NewEncoder(&s.buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil { // Encode ends the value with \n
		return
	}
	s.buf.WriteByte('\n')
	s.write()
}

// raw writes "data: <text>" as is (OpenAI's [DONE]).
func (s *sseWriter) raw(text string) {
	s.buf.Reset()
	s.buf.WriteString("data: " + text + "\n\n")
	s.write()
}

func (s *sseWriter) write() {
	if _, err := s.w.Write(s.buf.Bytes()); err == nil {
		_ = s.rc.Flush()
	}
}
