package webfetch

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// server starts a loopback HTTP server with handler.
func server(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s
}

// addrOf returns the address:port a test server listens on.
func addrOf(t *testing.T, s *httptest.Server) netip.AddrPort {
	t.Helper()
	u, _ := url.Parse(s.URL)
	ap, err := netip.ParseAddrPort(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	return ap
}

func TestFetchRefusesNonPublicAddresses(t *testing.T) {
	var hits atomic.Int32
	s := server(t, func(w http.ResponseWriter, r *http.Request) { hits.Add(1); fmt.Fprint(w, "secret") })
	port := addrOf(t, s).Port()
	f := New(Options{})
	tests := []struct {
		url    string
		reason string
	}{
		{s.URL, "loopback"},
		{fmt.Sprintf("http://localhost:%d/", port), "loopback"}, // refused after DNS resolution
		{fmt.Sprintf("http://[::1]:%d/", port), "loopback"},
		{"http://10.0.0.1/", "private"},
		{"http://192.168.0.1:8080/admin", "private"},
		{"http://169.254.169.254/latest/meta-data/", "metadata"},
		{"http://[fd00:ec2::254]/", "metadata"},
		{"http://metadata.google.internal/computeMetadata/v1/", "metadata host name"},
		{"http://100.100.100.200/", "carrier-grade NAT"},
		{fmt.Sprintf("http://0.0.0.0:%d/", port), "unspecified"},
		{"http://[fe80::1]/", "link-local"},
		{"http://224.0.0.1/", "multicast"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			_, err := f.Fetch(context.Background(), tt.url)
			var be *BlockedError
			if !errors.As(err, &be) || !strings.Contains(be.Reason, tt.reason) {
				t.Fatalf("err = %v, want a BlockedError for %s", err, tt.reason)
			}
			if !strings.Contains(err.Error(), "tools.web_fetch_allow_private") {
				t.Fatalf("the error does not say how to allow it: %v", err)
			}
		})
	}
	if hits.Load() != 0 {
		t.Fatalf("the loopback server was reached %d times", hits.Load())
	}
}

func TestFetchRefusesBadURLs(t *testing.T) {
	f := New(Options{AllowPrivate: true})
	tests := []struct{ url, want string }{
		{"file:///etc/passwd", `only http and https`},
		{"ftp://example.com/x", `only http and https`},
		{"gopher://example.com", `only http and https`},
		{"http://user:pw@127.0.0.1/", "user name or password"},
		{"http:///path", "has no host"},
		{"://nope", "not a valid URL"},
		{"example.com", `only http and https`},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			if _, err := f.Fetch(context.Background(), tt.url); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestRedirectsAreChecked lets only the first server through the address
// check and makes it redirect elsewhere: every hop must be checked.
func TestRedirectsAreChecked(t *testing.T) {
	var reached atomic.Bool
	forbidden := server(t, func(w http.ResponseWriter, r *http.Request) { reached.Store(true); fmt.Fprint(w, "internal") })
	fport := addrOf(t, forbidden).Port()
	tests := []struct {
		name, target, want string
	}{
		{"to a loopback server", forbidden.URL + "/x", "loopback"},
		{"to localhost by name", fmt.Sprintf("http://localhost:%d/", fport), "loopback"},
		{"to a private literal", "http://10.1.1.1/", "private"},
		{"to metadata", "http://169.254.169.254/latest/", "metadata"},
		{"to a metadata name", "http://metadata.google.internal/", "metadata host name"},
		{"to a file URL", "file:///etc/passwd", "only http and https"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first := server(t, func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, tt.target, http.StatusFound) })
			allowed := addrOf(t, first)
			f := New(Options{})
			f.permit = func(host string, ap netip.AddrPort) error {
				if ap == allowed {
					return nil
				}
				return checkAddr(host, ap.Addr())
			}
			_, err := f.Fetch(context.Background(), first.URL)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
	if reached.Load() {
		t.Fatal("a redirect reached the forbidden server")
	}
}

func TestRedirectLimit(t *testing.T) {
	n := 0
	var s *httptest.Server
	s = server(t, func(w http.ResponseWriter, r *http.Request) {
		n++
		http.Redirect(w, r, s.URL+fmt.Sprintf("/%d", n), http.StatusFound)
	})
	f := New(Options{AllowPrivate: true, MaxRedirects: 3})
	if _, err := f.Fetch(context.Background(), s.URL); err == nil || !strings.Contains(err.Error(), "stopped after 3 redirects") {
		t.Fatalf("err = %v", err)
	}
	if n != 4 {
		t.Fatalf("server saw %d requests, want 4", n)
	}
}

func TestFetch(t *testing.T) {
	page := `<!doctype html><html><head><title> Hello  page </title><style>body{}</style>
<script>alert("x")</script></head><body><h1>Welcome</h1><p>Read <a href="/docs">the docs</a>.</p></body></html>`
	s := server(t, func(w http.ResponseWriter, r *http.Request) {
		if ua := r.Header.Get("User-Agent"); ua != "localgpt/test" {
			http.Error(w, "bad user agent "+ua, http.StatusBadRequest)
			return
		}
		switch r.URL.Path {
		case "/page":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, page)
		case "/moved":
			http.Redirect(w, r, "/page", http.StatusMovedPermanently)
		case "/plain":
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprint(w, "just text")
		case "/json":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"a":1}`)
		case "/sniffed":
			w.Header()["Content-Type"] = nil
			fmt.Fprint(w, "<html><body><p>sniffed html</p></body></html>")
		case "/big":
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprint(w, strings.Repeat("x", 5000))
		case "/gzip":
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			fmt.Fprint(zw, "unzipped text")
			zw.Close()
		case "/png":
			w.Header().Set("Content-Type", "image/png")
			w.Write([]byte("\x89PNG\r\n\x1a\n"))
		default:
			http.NotFound(w, r)
		}
	})
	f := New(Options{AllowPrivate: true, MaxBytes: 1000, UserAgent: "localgpt/test"})
	tests := []struct {
		path      string
		status    int
		title     string
		text      string
		truncated bool
		err       string
	}{
		{"/page", 200, "Hello page", "# Welcome\n\nRead the docs (" + s.URL + "/docs).", false, ""},
		{"/moved", 200, "Hello page", "# Welcome", false, ""},
		{"/plain", 200, "", "just text", false, ""},
		{"/json", 200, "", `{"a":1}`, false, ""},
		{"/sniffed", 200, "", "sniffed html", false, ""},
		{"/big", 200, "", strings.Repeat("x", 1000), true, ""},
		{"/gzip", 200, "", "unzipped text", false, ""},
		{"/missing", 404, "", "404 page not found", false, ""},
		{"/png", 0, "", "", false, "image/png content"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			p, err := f.Fetch(context.Background(), s.URL+tt.path)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Status != tt.status || p.Title != tt.title || !strings.Contains(p.Text, tt.text) || p.Truncated != tt.truncated {
				t.Fatalf("page = %+v", p)
			}
			if strings.Contains(p.Text, "alert") || strings.Contains(p.Text, "body{}") {
				t.Fatalf("script or style leaked: %q", p.Text)
			}
		})
	}
}

func TestFetchTimeoutAndCancel(t *testing.T) {
	release := make(chan struct{})
	s := server(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	f := New(Options{AllowPrivate: true, Timeout: 200 * time.Millisecond})
	if _, err := f.Fetch(context.Background(), s.URL); err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("err = %v, want a timeout", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := New(Options{AllowPrivate: true}).Fetch(ctx, s.URL); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}
