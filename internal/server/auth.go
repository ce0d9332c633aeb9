package server

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/localgpt-go/localgpt/internal/apitoken"
)

// The API has an owner: every request but GET /health (and the icon) carries the token,
// loopback included, since any account or container on the machine can
// reach loopback. Programs send "Authorization: Bearer <token>"; the web
// page cannot, so it logs in once at /login with a one-time code (made by
// `localgpt daemon start` or `daemon login`) and then sends the session
// cookie the server set, which its JavaScript cannot read (HttpOnly) and
// other sites cannot make it send (SameSite=Strict, plus the Origin check).

// loginCodesFile, in the state folder, keeps the login codes already
// used until they expire.
const loginCodesFile = "login-codes"

// cookieMaxAge keeps the page logged in for 30 days; a new token ends it.
const cookieMaxAge = 30 * 24 * 3600

// cookieName names the session cookie after the port: a browser shares
// cookies between every port of a host, so two daemons must not collide.
func (s *Server) cookieName() string { return "localgpt-" + strconv.Itoa(s.o.Port) }

// authenticate lets through GET /health, /login (which checks its code
// itself), /favicon.ico (so the login page has its icon; it says no more
// than /health) and requests carrying the token or the page's cookie.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && (p == "/health" || p == "/login" || p == "/favicon.ico") {
			next.ServeHTTP(w, r)
			return
		}
		if s.bearerOK(r) || s.cookieOK(r) {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="localgpt"`)
		if wantsPage(r) {
			s.loginPage(w, http.StatusUnauthorized, "This page needs a login.")
			return
		}
		writeError(w, r, http.StatusUnauthorized, codeUnauthorized,
			"a valid \"Authorization: Bearer <token>\" header is required; `localgpt daemon token` prints the token")
	})
}

func (s *Server) bearerOK(r *http.Request) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), s.token) == 1
}

// cookieOK accepts the page's cookie on requests the browser made for the
// page itself: a same-site page on another port (which a browser treats
// as the same site, and sends the cookie to) is turned away by
// Sec-Fetch-Site here and by the Origin check before.
func (s *Server) cookieOK(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false
	}
	c, err := r.Cookie(s.cookieName())
	return err == nil && subtle.ConstantTimeCompare([]byte(c.Value), []byte(s.cookie)) == 1
}

// wantsPage reports whether a browser asked for a page (not the API).
func wantsPage(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.Contains(r.Header.Get("Accept"), "text/html")
}

// handleLogin exchanges a one-time code for the page's cookie and sends
// the browser to the page.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	err := s.codes.Redeem(string(s.token), r.URL.Query().Get("code"), s.o.Now())
	if err != nil {
		s.log.Info("server: login refused", "err", err)
		msg := "This login link is not valid for this LocalGPT."
		if errors.Is(err, apitoken.ErrCodeExpired) || errors.Is(err, apitoken.ErrCodeUsed) {
			msg = "This login link has expired or was already used."
		}
		s.loginPage(w, http.StatusUnauthorized, msg)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: s.cookie, Path: "/", MaxAge: cookieMaxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode})
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// loginPage tells a person in a browser how to log in.
func (s *Server) loginPage(w http.ResponseWriter, status int, why string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`<!doctype html><meta charset="utf-8"><title>LocalGPT: log in</title>` +
		`<h1>LocalGPT</h1><p>` + why + `</p><p>Run <code>localgpt daemon login</code> on this computer and open the link it prints.</p>`))
}
