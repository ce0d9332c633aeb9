package server

import (
	"net/http"
	"testing"
)

// TestAcceptsGzip follows RFC 9110's Accept-Encoding: a zero weight, however
// written, refuses gzip; "*" stands for gzip only where gzip is not named.
func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"":                     false,
		"identity":             false,
		"gzip":                 true,
		"GZIP":                 true,
		"x-gzip":               true,
		"gzip, deflate, br":    true,
		"br;q=1.0, gzip;q=0.8": true,
		"gzip;q=0":             false,
		"gzip;q=0.0":           false,
		"gzip; q=0.000":        false,
		"gzip;q=0.001":         true,
		"gzip;q=nonsense":      false,
		"*":                    true,
		"*;q=0":                false,
		"*, gzip;q=0":          false,
		"gzip;q=0, *":          false,
		"deflate, *;q=0.5":     true,
		"gzip;q=0, gzip;q=1":   true,
		"identity;q=1, *;q=0":  false,
		"gzip;level=9":         true,
	} {
		r, _ := http.NewRequest("GET", "/", nil)
		if header != "" {
			r.Header.Set("Accept-Encoding", header)
		}
		if got := acceptsGzip(r); got != want {
			t.Errorf("Accept-Encoding %q: acceptsGzip = %v, want %v", header, got, want)
		}
	}
}
