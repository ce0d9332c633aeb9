package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/localgpt-go/localgpt/internal/secret"
)

// maskSecrets masks the configured secrets in every response body, as the
// last step: a provider's error may echo a key, and an older session file
// may hold one. Handlers write a whole JSON document or SSE event per
// Write, so each Write is masked on its own.
func (s *Server) maskSecrets(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&maskingWriter{ResponseWriter: w, secrets: s.o.Secrets}, r)
	})
}

// maskingWriter masks what is written through it. Unwrap lets
// http.ResponseController reach the connection (flushes, deadlines).
type maskingWriter struct {
	http.ResponseWriter
	secrets *secret.Masker
}

func (w *maskingWriter) Write(p []byte) (int, error) {
	if _, err := w.ResponseWriter.Write(w.secrets.MaskBytes(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (w *maskingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// recoverAndLog turns a panic into a 500 and logs each request at debug.
func (s *Server) recoverAndLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("server: panic serving a request", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v))
				writeError(w, r, http.StatusInternalServerError, codeInternal, "the server failed on this request; see logs/agent.log")
			}
			s.log.Debug("server: request", "method", r.Method, "path", r.URL.Path, "duration", time.Since(start))
		}()
		next.ServeHTTP(w, r)
	})
}

// checkOrigin refuses requests whose Host is not this machine while bound
// to loopback (DNS rebinding) and cross-origin requests: a browser may
// only call the API from the page the server itself serves. Allowed
// preflights are answered here.
func (s *Server) checkOrigin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.loopback && !loopbackHost(r.Host) {
			writeError(w, r, http.StatusForbidden, codeForbidden, fmt.Sprintf("host %q is not this machine; use http://127.0.0.1", r.Host))
			return
		}
		origin := r.Header.Get("Origin")
		if origin != "" {
			if origin != "http://"+r.Host && origin != "https://"+r.Host {
				writeError(w, r, http.StatusForbidden, codeForbidden, fmt.Sprintf("origin %q may not call this API; only the page this server serves may", origin))
				return
			}
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Add("Vary", "Origin")
			if r.Method == http.MethodOptions {
				h.Set("Access-Control-Allow-Methods", "GET, POST, DELETE")
				h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
				h.Set("Access-Control-Max-Age", "600")
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// loopbackHost reports whether a Host header names this machine.
func loopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	return IsLoopback(host) || strings.EqualFold(host, "localhost")
}

// limitBody caps request bodies at server.max_body_bytes: reading past it
// fails with *http.MaxBytesError, which becomes a 413. A declared length
// over the limit is refused before reading.
func (s *Server) limitBody(next http.Handler) http.Handler {
	limit := s.o.MaxBodyBytes
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > limit {
			writeError(w, r, http.StatusRequestEntityTooLarge, codeTooLarge, fmt.Sprintf("the request body is %d bytes; the limit is %d (server.max_body_bytes)", r.ContentLength, limit))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

// withTimeout bounds a route: its context ends after d, and so does the
// connection's write deadline, so a stuck client cannot hold it.
func (s *Server) withTimeout(d time.Duration, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(d + time.Second))
		h(w, r.WithContext(ctx))
	})
}

// decodeBody reads one JSON object into v.
func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			return fmt.Errorf("the request body is larger than %d bytes (server.max_body_bytes): %w", tooBig.Limit, err)
		case errors.Is(err, io.EOF):
			return invalid("the request body is empty; send a JSON object")
		}
		return invalid("the request body is not valid JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return fmt.Errorf("the request body is larger than %d bytes (server.max_body_bytes): %w", tooBig.Limit, err)
		}
		return invalid("the request body holds more than one JSON value")
	}
	return nil
}
