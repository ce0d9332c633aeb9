// Package webfetch fetches a web page for the agent safely: GET only,
// http and https only, bounded in time, size and redirects, and refusing
// loopback, private, link-local, CGNAT, multicast, documentation and cloud
// metadata addresses and the machine's own interface addresses. The
// address check runs on the resolved IP at dial time, for every connection
// including each redirect, so DNS rebinding cannot get around it. HTML is
// reduced to readable text, in UTF-8 whatever the page's charset.
package webfetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Defaults for zero Options fields.
const (
	DefaultTimeout      = 30 * time.Second
	DefaultMaxBytes     = 2 << 20
	DefaultMaxRedirects = 5
)

// Options configure a Fetcher.
type Options struct {
	// AllowPrivate lets requests reach non-public addresses
	// (tools.web_fetch_allow_private).
	AllowPrivate bool
	// Timeout bounds the whole request, body included.
	Timeout time.Duration
	// MaxBytes is the most body bytes read; the rest is cut off.
	MaxBytes int64
	// MaxRedirects is the most redirects followed.
	MaxRedirects int
	// UserAgent is sent with every request.
	UserAgent string
}

// Page is a fetched document.
type Page struct {
	// URL is the final URL, after redirects.
	URL string
	// Status is the HTTP status code.
	Status int
	// ContentType is the media type, without parameters.
	ContentType string
	// Title is the HTML title, if any.
	Title string
	// Text is the body as text (HTML reduced to readable text).
	Text string
	// Truncated says the body was longer than MaxBytes.
	Truncated bool
	// Note says what could not be shown as it is (a charset web_fetch
	// does not decode), or "".
	Note string
}

// Fetcher fetches pages. It is safe for concurrent use.
type Fetcher struct {
	opts   Options
	client *http.Client
	// permit decides whether a resolved address may be dialled.
	permit func(host string, ap netip.AddrPort) error
	// interfaceAddrs lists this machine's addresses (net.InterfaceAddrs).
	interfaceAddrs func() ([]net.Addr, error)
}

// New returns a Fetcher. It is cheap: no connection is made until Fetch.
func New(o Options) *Fetcher {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxRedirects <= 0 {
		o.MaxRedirects = DefaultMaxRedirects
	}
	f := &Fetcher{opts: o, interfaceAddrs: net.InterfaceAddrs}
	f.permit = func(host string, ap netip.AddrPort) error {
		if o.AllowPrivate {
			return nil
		}
		if err := checkAddr(host, ap.Addr()); err != nil {
			return err
		}
		return checkOwn(host, ap.Addr(), f.interfaceAddrs)
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: -1}
	transport := &http.Transport{
		Proxy: nil, // a proxy would make the address check meaningless
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, _ := net.SplitHostPort(addr)
			if err := f.checkName(host); err != nil {
				return nil, err
			}
			d := *dialer
			d.ControlContext = func(_ context.Context, _, address string, _ syscall.RawConn) error {
				ap, err := netip.ParseAddrPort(address)
				if err != nil {
					return fmt.Errorf("unexpected dial address %q: %w", address, err)
				}
				return f.permit(host, ap)
			}
			return d.DialContext(ctx, network, addr)
		},
		ForceAttemptHTTP2:      true,
		DisableKeepAlives:      true,
		TLSHandshakeTimeout:    10 * time.Second,
		ResponseHeaderTimeout:  o.Timeout,
		MaxResponseHeaderBytes: 64 << 10,
	}
	f.client = &http.Client{
		Transport: transport,
		Timeout:   o.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > o.MaxRedirects {
				return fmt.Errorf("stopped after %d redirects", o.MaxRedirects)
			}
			return f.checkURL(req.URL)
		},
	}
	return f
}

// checkName refuses metadata host names unless private addresses are allowed.
func (f *Fetcher) checkName(host string) error {
	if f.opts.AllowPrivate {
		return nil
	}
	return checkHost(host)
}

// checkURL refuses schemes other than http(s), URLs with credentials, and
// literal addresses the dialler would refuse anyway (for a clearer error).
func (f *Fetcher) checkURL(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("only http and https URLs can be fetched, not %q", u.Scheme)
	}
	if u.Hostname() == "" {
		return fmt.Errorf("the URL %q has no host", u.Redacted())
	}
	if u.User != nil {
		return errors.New("URLs with a user name or password are not fetched")
	}
	return f.checkName(u.Hostname())
}

// Fetch GETs rawURL and returns it as text. A status of 400 or more is not
// an error: the page is returned with its Status so the caller can show it.
func (f *Fetcher) Fetch(ctx context.Context, rawURL string) (*Page, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return nil, fmt.Errorf("%q is not a valid URL: %w", rawURL, err)
	}
	if err := f.checkURL(u); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%q is not a valid URL: %w", rawURL, err)
	}
	if f.opts.UserAgent != "" {
		req.Header.Set("User-Agent", f.opts.UserAgent)
	}
	req.Header.Set("Accept", "text/html,application/xhtml+xml,text/plain;q=0.9,application/json;q=0.8,*/*;q=0.5")
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, explain(err, u)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.opts.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s failed: %w", resp.Request.URL.Redacted(), err)
	}
	p := &Page{URL: resp.Request.URL.String(), Status: resp.StatusCode}
	if int64(len(body)) > f.opts.MaxBytes {
		body, p.Truncated = body[:f.opts.MaxBytes], true
	}
	contentType := resp.Header.Get("Content-Type")
	p.ContentType, _, _ = mime.ParseMediaType(contentType)
	if p.ContentType == "" {
		contentType = http.DetectContentType(body)
		p.ContentType, _, _ = mime.ParseMediaType(contentType)
	}
	switch {
	case isHTML(p.ContentType):
		d := decodeBody(body, contentType, p.ContentType)
		p.Title, p.Text = HTMLToText(d.text, resp.Request.URL)
		p.Note = d.note
	case isText(p.ContentType):
		d := decodeBody(body, contentType, p.ContentType)
		p.Text, p.Note = d.text, d.note
	default:
		return nil, fmt.Errorf("%s is %s content (%d bytes), not text; web_fetch only reads HTML and text", p.URL, p.ContentType, len(body))
	}
	return p, nil
}

// explain turns a client error into one that says what happened.
func explain(err error, u *url.URL) error {
	var blocked *BlockedError
	if errors.As(err, &blocked) {
		return blocked
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return fmt.Errorf("fetching %s timed out: %w", u.Redacted(), ue.Err)
		}
		return fmt.Errorf("fetching %s failed: %w", u.Redacted(), ue.Err)
	}
	return fmt.Errorf("fetching %s failed: %w", u.Redacted(), err)
}

func isHTML(ct string) bool { return ct == "text/html" || ct == "application/xhtml+xml" }

func isText(ct string) bool {
	return strings.HasPrefix(ct, "text/") || ct == "application/json" || ct == "application/xml" ||
		ct == "application/javascript" || strings.HasSuffix(ct, "+json") || strings.HasSuffix(ct, "+xml")
}
