//go:build unix

package main

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// The raw client reads whole responses, chunked or not, over one
// keep-alive connection, sends the token, and fails on another status.
func TestRawClient(t *testing.T) {
	var conns atomic.Int32
	big := strings.Repeat("x", 9000) // more than net/http buffers: sent chunked
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		switch r.URL.Query().Get("q") {
		case "big":
			w.Write([]byte(big))
			w.(http.Flusher).Flush()
			w.Write([]byte(big))
		case "small":
			w.Write([]byte("ok"))
		default:
			http.NotFound(w, r)
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c, err := newRawClient([]string{srv.URL + "/s?q=big", srv.URL + "/s?q=small", srv.URL + "/s?q=missing"}, "tok")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	for range 5 {
		for i := range 2 {
			if err := c.get(ctx, i); err != nil {
				t.Fatalf("request %d: %v", i, err)
			}
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for ten requests, want 1 (keep-alive)", n)
	}
	if err := c.get(ctx, 2); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("a 404 gave %v", err)
	}
	if err := c.get(ctx, 1); err != nil { // dials again after the failure
		t.Errorf("after a failure: %v", err)
	}
	noToken, _ := newRawClient([]string{srv.URL + "/s?q=small"}, "")
	defer noToken.Close()
	if err := noToken.get(ctx, 0); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("without the token: %v", err)
	}
}
