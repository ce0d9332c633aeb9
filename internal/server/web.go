package server

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
)

// webFiles is the chat page: plain HTML, CSS and JavaScript modules, and
// the libraries it uses, vendored gzipped at pinned versions with their
// licences by scripts/vendor-web.sh (web/vendor). No CDN, no build step:
// it works offline, and the page's CSP allows nothing but these files.
//
//go:embed web
var webFiles embed.FS

// pageCSP keeps the page to its own files and its own API: no inline
// script or style, no image, frame or connection elsewhere, so markdown a
// model wrote cannot load or send anything even if the sanitizer missed it.
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// assetType is the Content-Type of the embedded file name, "" for files
// that are not served.
func assetType(name string) string {
	switch path.Ext(name) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".ico":
		return "image/x-icon"
	case ".txt":
		return "text/plain; charset=utf-8"
	}
	return ""
}

// webAsset is one embedded file, ready to serve.
type webAsset struct {
	data        []byte
	etag        string
	contentType string
	// gzipped says data is gzip-compressed (FILE.gz in web/, served as FILE).
	gzipped bool
}

// loadWebAssets reads the embedded files once, with their ETags, so a
// reload of the page costs a few 304s. The vendored libraries are
// embedded gzipped (a third of their size in the binary) and served as
// FILE for FILE.gz.
func loadWebAssets() map[string]webAsset {
	out := map[string]webAsset{}
	_ = fs.WalkDir(webFiles, "web", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name, gzipped := strings.CutSuffix(strings.TrimPrefix(p, "web/"), ".gz")
		ct := assetType(name)
		if ct == "" {
			return nil
		}
		data, err := webFiles.ReadFile(p)
		if err != nil {
			return err
		}
		out[name] = newAsset(data, ct, gzipped)
		if name == "index.html" {
			for _, theme := range []string{"light", "dark"} {
				themed := bytes.Replace(data, []byte(`<html lang="en">`), []byte(`<html lang="en" data-theme="`+theme+`">`), 1)
				out[name+"#"+theme] = newAsset(themed, ct, false)
			}
		}
		return nil
	})
	return out
}

func newAsset(data []byte, contentType string, gzipped bool) webAsset {
	sum := sha256.Sum256(data)
	return webAsset{data: data, contentType: contentType, gzipped: gzipped,
		etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`}
}

// themeCookie holds the theme chosen on the page ("light" or "dark"); its
// absence means the system's. The page sets it; the server only picks the
// page's variant by it, so its value never reaches a response.
const themeCookie = "localgpt-theme"

// handlePage serves the page, already themed when a theme was chosen, so
// that it is there at the first paint without a blocking script.
func (s *Server) handlePage(w http.ResponseWriter, r *http.Request) {
	name := "index.html"
	if c, err := r.Cookie(themeCookie); err == nil && (c.Value == "light" || c.Value == "dark") {
		name = "index.html#" + c.Value
	}
	w.Header().Set("Vary", "Cookie")
	s.serveAsset(w, r, name)
}

func (s *Server) handleStatic(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	if path.Ext(name) == ".html" || strings.Contains(name, "#") { // the page (and its themed variants) at / only
		writeError(w, r, http.StatusNotFound, codeNotFound, "no such file: "+r.URL.Path)
		return
	}
	s.serveAsset(w, r, name)
}

// handleFavicon answers the browsers that ask for /favicon.ico whatever
// the page's <link rel="icon"> says.
func (s *Server) handleFavicon(w http.ResponseWriter, r *http.Request) {
	s.serveAsset(w, r, "favicon.ico")
}

func (s *Server) serveAsset(w http.ResponseWriter, r *http.Request, name string) {
	a, ok := s.assets[name]
	if !ok {
		writeError(w, r, http.StatusNotFound, codeNotFound, "no such file: "+r.URL.Path)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", a.etag)
	if a.gzipped {
		h.Set("Vary", "Accept-Encoding")
	}
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, a.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if !a.gzipped {
		_, _ = w.Write(a.data)
		return
	}
	if acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		_, _ = w.Write(a.data)
		return
	}
	// A client without gzip (curl without --compressed) gets it plain.
	zr, err := gzip.NewReader(bytes.NewReader(a.data))
	if err != nil {
		s.fail(w, r, fmt.Errorf("embedded %s: %w", name, err))
		return
	}
	_, _ = io.Copy(w, zr)
}

// acceptsGzip reports whether the request's Accept-Encoding takes gzip
// (RFC 9110, section 12.5.3): gzip (or its alias x-gzip) listed with a
// weight above zero, or "*" above zero where gzip is not listed at all.
// "gzip;q=0.0" refuses it, as "gzip;q=0" does.
func acceptsGzip(r *http.Request) bool {
	gz, star := -1.0, -1.0
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(part, ";")
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			name, value, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(name), "q") {
				if v, err := strconv.ParseFloat(strings.TrimSpace(value), 64); err == nil {
					q = v
				} else {
					q = 0 // a weight we cannot read: not a yes
				}
			}
		}
		switch coding = strings.ToLower(strings.TrimSpace(coding)); coding {
		case "gzip", "x-gzip":
			gz = max(gz, q)
		case "*":
			star = max(star, q)
		}
	}
	if gz >= 0 {
		return gz > 0
	}
	return star > 0
}
