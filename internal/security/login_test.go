package security_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/internal/apitoken"
)

// TestLoginLinkUsedOnceAcrossRestarts: a login link logs the page in
// once; the daemon remembered the used codes in memory only, so after a
// restart within the code's 15 minutes the same link (in a terminal's
// scrollback, a browser's history) logged in again (found by the red
// team). The used codes are now kept in the state folder.
func TestLoginLinkUsedOnceAcrossRestarts(t *testing.T) {
	l := newLab(t, "")
	tok, err := apitoken.Ensure(apitoken.Path(l.paths().State))
	if err != nil {
		t.Fatal(err)
	}
	code := apitoken.NewCode(tok, time.Now())
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for i, want := range []int{http.StatusSeeOther, http.StatusUnauthorized, http.StatusUnauthorized} {
		hs, stop := l.server() // a new daemon each time, on the same home
		c := hs.Client()
		c.CheckRedirect = noRedirect
		resp, err := c.Get(hs.URL + "/login?code=" + code)
		stop()
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("login %d: status %d, want %d", i+1, resp.StatusCode, want)
		}
	}
}
