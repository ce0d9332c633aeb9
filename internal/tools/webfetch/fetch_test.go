package webfetch

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net"
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

// TestFetchRefusesOwnInterfaceAddress serves on each of this machine's
// non-loopback addresses (as a service bound to 0.0.0.0 does) and checks
// that web_fetch never reaches it, whatever kind of address it is.
func TestFetchRefusesOwnInterfaceAddress(t *testing.T) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	var hits atomic.Int32
	tried := 0
	for _, ia := range addrs {
		ipn, ok := ia.(*net.IPNet)
		if !ok || ipn.IP.IsLoopback() || ipn.IP.IsLinkLocalUnicast() {
			continue
		}
		ln, err := net.Listen("tcp", net.JoinHostPort(ipn.IP.String(), "0"))
		if err != nil {
			continue
		}
		s := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) })}
		go s.Serve(ln)
		t.Cleanup(func() { s.Close() })
		tried++
		u := "http://" + ln.Addr().String() + "/"
		for _, f := range []*Fetcher{New(Options{}), withInterfaces(New(Options{}), ipn.IP)} {
			_, err := f.Fetch(context.Background(), u)
			var be *BlockedError
			if !errors.As(err, &be) {
				t.Fatalf("%s: err = %v, want refused", u, err)
			}
		}
	}
	if tried == 0 {
		t.Skip("this machine has no non-loopback address to serve on")
	}
	if hits.Load() != 0 {
		t.Fatalf("an own address was reached %d times", hits.Load())
	}
}

// withInterfaces makes f see only ip as its own address and classify
// nothing else, so that the own-address check alone is what refuses.
func withInterfaces(f *Fetcher, ip net.IP) *Fetcher {
	f.interfaceAddrs = func() ([]net.Addr, error) { return []net.Addr{&net.IPAddr{IP: ip}}, nil }
	f.permit = func(host string, ap netip.AddrPort) error { return checkOwn(host, ap.Addr(), f.interfaceAddrs) }
	return f
}

func TestFetchDecodesCharsets(t *testing.T) {
	latin1 := []byte("<html><head><meta charset=\"iso-8859-1\"><title>Caf\xe9</title></head><body><p>na\xefve cr\xe8me</p></body></html>")
	koi8 := []byte("\xf0\xd2\xc9\xd7\xc5\xd4") // "Привет"
	utf16 := append([]byte("\xff\xfe"), []byte("h\x00i\x00 \x00\xac\x20")...)
	sjis := []byte("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=Shift_JIS\"></head><body>abc \x82\xa0 def</body></html>")
	cp1252 := []byte("smart \x93quotes\x94 and \x80") // no declaration, not UTF-8
	bodies := map[string]struct {
		ct   string
		body []byte
	}{
		"/latin1": {"text/html", latin1},
		"/koi8":   {"text/plain; charset=KOI8-R", koi8},
		"/utf16":  {"text/plain", utf16},
		"/sjis":   {"text/html", sjis},
		"/cp1252": {"text/plain", cp1252},
		"/utf8":   {"text/plain", []byte("déjà vu ✓")},
		"/json":   {"application/json", []byte(`{"name":"Zoë"}`)},
	}
	s := server(t, func(w http.ResponseWriter, r *http.Request) {
		b := bodies[r.URL.Path]
		w.Header().Set("Content-Type", b.ct)
		w.Write(b.body)
	})
	f := New(Options{AllowPrivate: true})
	tests := []struct{ path, title, text, note string }{
		{"/latin1", "Café", "naïve crème", ""},
		{"/koi8", "", "Привет", ""},
		{"/utf16", "", "hi €", ""},
		{"/sjis", "", "abc \uFFFD def", "Shift_JIS"},
		{"/cp1252", "", "smart “quotes” and €", ""},
		{"/utf8", "", "déjà vu ✓", ""},
		{"/json", "", `{"name":"Zoë"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			p, err := f.Fetch(context.Background(), s.URL+tt.path)
			if err != nil {
				t.Fatal(err)
			}
			if p.Title != tt.title || !strings.Contains(p.Text, tt.text) || !strings.Contains(p.Note, tt.note) || (tt.note == "") != (p.Note == "") {
				t.Fatalf("page = %+v", p)
			}
		})
	}
}
