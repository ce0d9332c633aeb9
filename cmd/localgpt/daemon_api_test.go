package main

import (
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
)

// TestDaemonAPIHasAnOwner replays issue 12's attack 4 against the real
// daemon: another local account reaching the loopback API without the
// token gets 401 everywhere but /health; the owner's CLI reads the token
// by itself (`daemon token`), `daemon start` prints a one-time login link
// that gives the browser an HttpOnly cookie; a provider error echoing the
// key never reaches a response; and everything the running daemon keeps
// on disk is private to the owner.
func TestDaemonAPIHasAnOwner(t *testing.T) {
	const key = "sk-proj-Daemon0wner5ecretKey42xyz"
	srv := llmtest.NewOpenAI(t)
	home := filepath.Join(t.TempDir(), "home")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(llmtest.OpenAIConfig(srv.URL), "sk-test-000000000000", key, 1) +
		fmt.Sprintf("[server]\nport = %d\n[heartbeat]\nenabled = false\n", port)
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { runBinary(t, home, "daemon", "stop", "--timeout", "10s") })
	out, errOut, code := runBinary(t, home, "daemon", "start")
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	login := regexp.MustCompile(regexp.QuoteMeta(base) + `/login\?code=[0-9a-f.]+`).FindString(out)
	if code != 0 || login == "" || !strings.Contains(out, "one-time login link") {
		t.Fatalf("daemon start: %d\n%s\n%s", code, out, errOut)
	}
	tok, _, code := runBinary(t, home, "daemon", "token")
	tok = strings.TrimSpace(tok)
	if code != 0 || len(tok) != 64 {
		t.Fatalf("daemon token: %d %q", code, tok)
	}
	call := func(c *http.Client, method, path, auth, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(data)
	}
	plain := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	for _, p := range []string{"/api/status", "/api/sessions", "/api/memory/search?q=a", "/v1/models", "/"} {
		if status, body := call(plain, "GET", p, "", ""); status != 401 {
			t.Errorf("GET %s without the token: %d %s", p, status, body)
		}
	}
	if status, _ := call(plain, "GET", "/health", "", ""); status != 200 {
		t.Errorf("health: %d", status)
	}
	if status, body := call(plain, "GET", "/api/status", "Bearer "+tok, ""); status != 200 || !strings.Contains(body, `"version"`) {
		t.Fatalf("status with the token: %d %s", status, body)
	}
	srv.Enqueue(llmtest.HTTPError(401, "Incorrect API key provided: "+key))
	status, body := call(plain, "POST", "/v1/chat/completions", "Bearer "+tok, `{"messages":[{"role":"user","content":"hi"}]}`)
	if status != 401 || strings.Contains(body, "Daemon0wner5ecret") || !strings.Contains(body, "sk-…2xyz") {
		t.Fatalf("provider error: %d %s", status, body)
	}

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	if status, body := call(browser, "GET", strings.TrimPrefix(login, base), "", ""); status != 200 || !strings.Contains(body, "<title>LocalGPT</title>") {
		t.Fatalf("login link: %d %s", status, body)
	}
	if status, _ := call(browser, "GET", "/api/sessions", "", ""); status != 200 {
		t.Fatalf("API with the page's cookie: %d", status)
	}
	if status, _ := call(plain, "GET", strings.TrimPrefix(login, base), "", ""); status != 401 {
		t.Fatalf("second use of the login link: %d", status)
	}
	fresh, freshErr, _ := runBinary(t, home, "daemon", "login")
	if !strings.HasPrefix(fresh, base+"/login?code=") || strings.TrimSpace(fresh) == login || freshErr != "" {
		t.Fatalf("daemon login: %q %q", fresh, freshErr)
	}

	// What the running daemon keeps (pid, lock, status, token, index and
	// its WAL, the log) is private.
	n := 0
	filepath.WalkDir(home, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.Type()&fs.ModeSymlink != 0 { // a link's own mode means nothing (index/memory.sqlite is one)
			return nil
		}
		info, _ := d.Info()
		if info.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s is %04o", path, info.Mode().Perm())
		}
		n++
		return nil
	})
	for _, f := range []string{"state/daemon.pid", "state/daemon.json", "state/api-token", "logs/agent.log", "index/memory.sqlite"} {
		if _, err := os.Stat(filepath.Join(home, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if log, _ := os.ReadFile(filepath.Join(home, "logs", "agent.log")); strings.Contains(string(log), "Daemon0wner5ecret") || strings.Contains(string(log), tok) {
		t.Fatalf("agent.log shows a secret:\n%s", log)
	}
}
