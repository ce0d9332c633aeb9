package tools

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/localgpt-go/localgpt/internal/config"
)

func TestWebFetchTool(t *testing.T) {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/gone" {
			http.Error(w, "gone away", http.StatusGone)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<title>Local page</title><h1>Hi</h1><p>there</p>")
	}))
	defer s.Close()
	tests := []struct {
		name    string
		allow   bool
		args    any
		isError bool
		wants   []string
	}{
		{"private refused by default", false, map[string]any{"url": s.URL}, true, []string{"loopback address", "tools.web_fetch_allow_private = true"}},
		{"allowed by config", true, map[string]any{"url": s.URL}, false, []string{"URL: " + s.URL, "Status: 200", "Title: Local page", "# Hi\n\nthere"}},
		{"error status", true, map[string]any{"url": s.URL + "/gone"}, true, []string{"Status: 410", "gone away"}},
		{"scheme", true, map[string]any{"url": "file:///etc/passwd"}, true, []string{"only http and https"}},
		{"missing url", true, map[string]any{}, true, []string{"url is required"}},
		{"url not a string", true, `{"url": 42}`, true, []string{"bad arguments for web_fetch"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil, func(c *config.Config) { c.Tools.WebFetchAllowPrivate = tt.allow })
			check(t, e.call(t, context.Background(), "web_fetch", tt.args), tt.isError, tt.wants...)
		})
	}
}
