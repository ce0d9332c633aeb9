package server

import (
	"embed"
	"net/http"
	"path"
)

// webFiles is the chat page: plain HTML, CSS and JavaScript, no CDN, so
// it works offline.
//
//go:embed web/index.html web/app.js web/style.css
var webFiles embed.FS

// pageCSP keeps the page to its own files and its own API.
const pageCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

func (s *Server) handlePage(w http.ResponseWriter, r *http.Request) {
	s.serveFile(w, r, "index.html", "text/html; charset=utf-8")
}

func (s *Server) handleStatic(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	types := map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
	ct, ok := types[path.Ext(name)]
	if !ok || name == "index.html" {
		writeError(w, r, http.StatusNotFound, codeNotFound, "no such file: "+r.URL.Path)
		return
	}
	s.serveFile(w, r, name, ct)
}

func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, name, contentType string) {
	data, err := webFiles.ReadFile("web/" + name)
	if err != nil {
		writeError(w, r, http.StatusNotFound, codeNotFound, "no such file: "+r.URL.Path)
		return
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-cache")
	_, _ = w.Write(data)
}
