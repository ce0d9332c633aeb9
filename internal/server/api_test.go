package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/internal/apitoken"
	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
	"github.com/localgpt-go/localgpt/internal/session"
)

func TestHealthStatusModels(t *testing.T) {
	f := newFixture(t, "[heartbeat]\nenabled = true\n")
	code, body := f.do("GET", "/health", "")
	if code != 200 || compactJSON(t, string(body)) != `{"status":"ok"}` {
		t.Fatalf("health: %d %s", code, body)
	}
	code, body = f.do("GET", "/api/status", "")
	st := decode(t, body)
	mem, _ := st["memory"].(map[string]any)
	hb, _ := st["heartbeat"].(map[string]any)
	if code != 200 || st["version"] != "test" || st["model"] != "openai/gpt-4o-mini" || mem == nil || hb == nil ||
		hb["enabled"] != true || mem["files_indexed"].(float64) < 1 {
		t.Fatalf("status: %d %s", code, body)
	}
	if _, ok := st["uptime_seconds"].(float64); !ok {
		t.Fatalf("status lacks uptime_seconds: %s", body)
	}
	code, body = f.do("GET", "/v1/models", "")
	if code != 200 || !strings.Contains(string(body), `"id":"localgpt"`) || !strings.Contains(string(body), `"id":"gpt-4o-mini","object":"model","created":`) {
		t.Fatalf("models: %d %s", code, body)
	}
	code, body = f.do("GET", "/api/memory/stats", "")
	if code != 200 || decode(t, body)["chunks"].(float64) < 1 {
		t.Fatalf("memory stats: %d %s", code, body)
	}
}

func TestBadRequests(t *testing.T) {
	f := newFixture(t, "")
	huge := `{"message":"` + strings.Repeat("x", 2<<20) + `"}`
	tests := []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"malformed JSON", "POST", "/api/chat", `{"message":`, 400, codeInvalid},
		{"not an object", "POST", "/api/chat", `[1,2]`, 400, codeInvalid},
		{"empty body", "POST", "/api/chat", ``, 400, codeInvalid},
		{"two values", "POST", "/api/chat", `{"message":"a"} {"message":"b"}`, 400, codeInvalid},
		{"missing message", "POST", "/api/chat", `{"model":"openai/gpt-4o-mini"}`, 400, codeInvalid},
		{"blank message", "POST", "/api/chat/stream", `{"message":"   "}`, 400, codeInvalid},
		{"huge body", "POST", "/api/chat", huge, 413, codeTooLarge},
		{"huge stream body", "POST", "/api/chat/stream", huge, 413, codeTooLarge},
		{"huge completion body", "POST", "/v1/chat/completions", huge, 413, codeTooLarge},
		{"unknown session chat", "POST", "/api/chat", `{"message":"hi","session_id":"20990101-000000-zzzz"}`, 404, codeNotFound},
		{"unknown session stream", "POST", "/api/chat/stream", `{"message":"hi","session_id":"nope"}`, 404, codeNotFound},
		{"unknown session get", "GET", "/api/sessions/20990101-000000-zzzz", ``, 404, codeNotFound},
		{"unknown session delete", "DELETE", "/api/sessions/20990101-000000-zzzz", ``, 404, codeNotFound},
		{"path traversal id", "GET", "/api/sessions/..%2f..%2fconfig", ``, 404, codeNotFound},
		{"unconfigured provider", "POST", "/api/chat", `{"message":"hi","model":"anthropic/claude-3-5-haiku-latest"}`, 400, codeInvalid},
		{"search without q", "GET", "/api/memory/search", ``, 400, codeInvalid},
		{"search bad limit", "GET", "/api/memory/search?q=a&limit=zero", ``, 400, codeInvalid},
		{"search limit too big", "GET", "/api/memory/search?q=a&limit=1000", ``, 400, codeInvalid},
		{"search only punctuation", "GET", "/api/memory/search?q=%22%22", ``, 400, codeInvalid},
		{"completions no messages", "POST", "/v1/chat/completions", `{"model":"localgpt","messages":[]}`, 400, codeInvalid},
		{"completions last not user", "POST", "/v1/chat/completions", `{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}]}`, 400, codeInvalid},
		{"completions tool role", "POST", "/v1/chat/completions", `{"messages":[{"role":"tool","content":"a"},{"role":"user","content":"b"}]}`, 400, codeInvalid},
		{"completions image part", "POST", "/v1/chat/completions", `{"messages":[{"role":"user","content":[{"type":"image_url"}]}]}`, 400, codeInvalid},
		{"completions bad JSON", "POST", "/v1/chat/completions", `{"messages":`, 400, codeInvalid},
		{"method not allowed", "PUT", "/api/chat", ``, 405, codeMethodNotAllowed},
		{"get on post route", "GET", "/v1/chat/completions", ``, 405, codeMethodNotAllowed},
		{"unknown path", "GET", "/api/nothing", ``, 404, codeNotFound},
		{"unknown static", "GET", "/static/secret.txt", ``, 404, codeNotFound},
		{"static outside web", "GET", "/static/..%2f..%2fserver.go", ``, 404, codeNotFound},
		{"static page by name", "GET", "/static/index.html", ``, 404, codeNotFound},
		{"static themed page", "GET", "/static/index.html%23dark", ``, 404, codeNotFound},
		{"static unserved type", "GET", "/static/vendor/README.md", ``, 404, codeNotFound},
		{"memory file without path", "GET", "/api/memory/file", ``, 400, codeInvalid},
		{"memory file outside", "GET", "/api/memory/file?path=../config.toml", ``, 404, codeNotFound},
		{"replace without session", "POST", "/api/chat", `{"message":"x","replace_last_turn":true}`, 400, codeInvalid},
		{"rename without title", "PATCH", "/api/sessions/20990101-000000-zzzz", `{}`, 400, codeInvalid},
		{"session search without q", "GET", "/api/sessions/search", ``, 400, codeInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := f.do(tt.method, tt.path, tt.body)
			if code != tt.status || errorCode(t, body) != tt.code {
				t.Fatalf("%s %s: %d %s, want %d %s", tt.method, tt.path, code, body, tt.status, tt.code)
			}
			var e struct {
				Error map[string]any `json:"error"`
			}
			_ = json.Unmarshal(body, &e)
			if _, ok := e.Error["param"]; !ok || e.Error["type"] != errorType(tt.status) {
				t.Fatalf("the error is not in OpenAI's shape (type %s, a param): %s", errorType(tt.status), body)
			}
		})
	}
	if n := len(f.llm.Calls("/v1/chat/completions")); n != 0 {
		t.Fatalf("bad requests reached the provider %d times", n)
	}
}

// TestHugeChunkedBody sends an oversized body without Content-Length, so
// the limit is met while reading.
func TestHugeChunkedBody(t *testing.T) {
	f := newFixture(t, "[server]\nmax_body_bytes = 2048\n")
	pr, pw := ioPipe()
	go func() {
		pw.Write([]byte(`{"message":"`))
		pw.Write([]byte(strings.Repeat("y", 4096)))
		pw.Write([]byte(`"}`))
		pw.Close()
	}()
	req, _ := http.NewRequest("POST", f.hs.URL+"/api/chat", pr)
	f.authorize(req)
	resp, err := f.hs.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body := readAll(t, resp.Body)
	if resp.StatusCode != 413 || errorCode(t, body) != codeTooLarge {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
}

func TestChatSessionsLifecycle(t *testing.T) {
	f := newFixture(t, "")
	f.llm.Enqueue(llmtest.Reply{Text: "Hello Ada.", Usage: llmtest.Usage{Prompt: 100, Completion: 3}},
		llmtest.Reply{Text: "You are Ada.", Usage: llmtest.Usage{Prompt: 130, Completion: 4}})
	code, body := f.do("POST", "/api/chat", `{"message":"I am Ada"}`)
	var r1 chatResponse
	if err := json.Unmarshal(body, &r1); code != 200 || err != nil {
		t.Fatalf("%d %s %v", code, body, err)
	}
	if r1.Response != "Hello Ada." || r1.Model != "openai/gpt-4o-mini" || r1.SessionID == "" ||
		r1.Tokens != (tokens{100, 3, 103}) || r1.ToolsUsed == nil || !strings.Contains(string(body), `"tools_used":[]`) {
		t.Fatalf("%s", body)
	}
	code, body = f.do("POST", "/api/chat", `{"message":"who am I?","session_id":"`+r1.SessionID+`"}`)
	var r2 chatResponse
	if err := json.Unmarshal(body, &r2); code != 200 || err != nil || r2.SessionID != r1.SessionID || r2.Response != "You are Ada." {
		t.Fatalf("%d %s", code, body)
	}
	last := string(f.llm.Last(t, "/v1/chat/completions").Body)
	if !strings.Contains(last, "I am Ada") || !strings.Contains(last, "Hello Ada.") || !strings.Contains(last, "who am I?") {
		t.Fatalf("the second turn did not carry the history: %s", last)
	}

	code, body = f.do("GET", "/api/sessions", "")
	var list struct {
		Sessions []struct {
			ID       string
			Messages int
		}
		Total int
	}
	if err := json.Unmarshal(body, &list); code != 200 || err != nil || list.Total != 1 || list.Sessions[0].ID != r1.SessionID || list.Sessions[0].Messages != 4 {
		t.Fatalf("list: %d %s", code, body)
	}
	code, body = f.do("GET", "/api/sessions/"+r1.SessionID, "")
	var view struct {
		ID       string
		Messages []messageView
	}
	if err := json.Unmarshal(body, &view); code != 200 || err != nil || len(view.Messages) != 4 ||
		view.Messages[0].Content != "I am Ada" || view.Messages[3].Content != "You are Ada." || view.Messages[3].Role != "assistant" {
		t.Fatalf("get: %d %s", code, body)
	}
	code, body = f.do("DELETE", "/api/sessions/"+r1.SessionID, "")
	if code != 200 || decode(t, body)["deleted"] != true {
		t.Fatalf("delete: %d %s", code, body)
	}
	if _, err := os.Stat(filepath.Join(f.paths.Sessions, r1.SessionID+".jsonl")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("session file still there: %v", err)
	}
	if code, body = f.do("GET", "/api/sessions/"+r1.SessionID, ""); code != 404 || errorCode(t, body) != codeNotFound {
		t.Fatalf("after delete: %d %s", code, body)
	}

	code, body = f.do("POST", "/api/sessions", `{}`)
	created := decode(t, body)
	if code != 201 || created["id"] == "" || created["model"] != "openai/gpt-4o-mini" || created["messages"].(float64) != 0 {
		t.Fatalf("create: %d %s", code, body)
	}
	if code, _ = f.do("POST", "/api/sessions", ""); code != 201 {
		t.Fatalf("create without a body: %d", code)
	}
}

func TestChatToolsAndMemory(t *testing.T) {
	f := newFixture(t, "")
	f.llm.Enqueue(
		llmtest.ToolCalls(llmtest.Call{ID: "w1", Name: "write_file", Args: `{"path":"notes/todo.md","content":"- buy milk\n"}`}),
		llmtest.Text("Saved."),
		llmtest.ToolCalls(llmtest.Call{ID: "b1", Name: "bash", Args: `{"command":"echo hi"}`}),
		llmtest.Text("bash needs approval."),
	)
	code, body := f.do("POST", "/api/chat", `{"message":"note: buy milk"}`)
	var r chatResponse
	if err := json.Unmarshal(body, &r); code != 200 || err != nil || len(r.ToolsUsed) != 1 || r.ToolsUsed[0].Name != "write_file" ||
		!strings.Contains(string(r.ToolsUsed[0].Arguments), "notes/todo.md") {
		t.Fatalf("%d %s", code, body)
	}
	if data, err := os.ReadFile(filepath.Join(f.paths.Workspace, "notes", "todo.md")); err != nil || string(data) != "- buy milk\n" {
		t.Fatalf("file: %v %q", err, data)
	}
	if !strings.Contains(string(f.llm.Calls("/v1/chat/completions")[0].Body), "## Memory") {
		t.Fatal("the prompt lacks the memory context")
	}
	// No one can approve over HTTP: bash is refused and the model is told.
	code, body = f.do("POST", "/api/chat", `{"message":"run echo","include_memory":false}`)
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	calls := f.llm.Calls("/v1/chat/completions")
	last := string(calls[len(calls)-1].Body)
	if !strings.Contains(last, "approv") {
		t.Fatalf("the model was not told bash needs approval: %s", last)
	}
	if strings.Contains(string(calls[2].Body), "## Memory") {
		t.Fatal("include_memory=false still sent the memory context")
	}

	// The note is searchable at once (the first search indexes the workspace).
	code, body = f.do("GET", "/api/memory/search?q=milk&limit=5", "")
	var res struct {
		Query   string
		Results []searchResult
		Total   int
	}
	if err := json.Unmarshal(body, &res); code != 200 || err != nil || res.Query != "milk" || res.Total != 1 ||
		res.Results[0].File != "notes/todo.md" || !strings.Contains(res.Results[0].Content, "buy milk") ||
		res.Results[0].Score <= 0 || res.Results[0].LineStart != 1 || res.Results[0].LineEnd < 1 {
		t.Fatalf("%d %s", code, body)
	}

	// A query of 1,600 words (once "Expression tree is too large") is
	// searched by its first terms, and the answer says so.
	long := "milk" + strings.Repeat("+zq", 1599)
	code, body = f.do("GET", "/api/memory/search?q="+long, "")
	var lres struct {
		Note    string
		Results []searchResult
	}
	if err := json.Unmarshal(body, &lres); code != 200 || err != nil || len(lres.Results) != 1 ||
		!strings.Contains(lres.Note, "first 1000 characters") {
		t.Fatalf("long query: %d %.300s", code, body)
	}
}

// TestProviderFailure: each kind of provider failure is answered with the
// status an OpenAI client acts on, on /api and /v1 alike, and the server
// does not retry the turn's first model call (the client does).
func TestProviderFailure(t *testing.T) {
	cases := []struct {
		name       string
		reply      llmtest.Reply
		status     int
		code       string
		retryAfter string
	}{
		{"bad key", llmtest.HTTPError(401, "Incorrect API key provided"), 401, codeProviderAuth, ""},
		{"forbidden", llmtest.HTTPError(403, "Project lacks access"), 403, codeProviderAuth, ""},
		{"unknown model", llmtest.Reply{Status: 404, Error: "The model `gpt-4o-mini` does not exist", ErrorCode: "model_not_found"}, 404, codeModelNotFound, ""},
		{"rate limited", llmtest.RateLimited("7"), 429, codeRateLimited, "7"},
		{"rate limited without a wait", llmtest.RateLimited(""), 429, codeRateLimited, "2"},
		{"overloaded", llmtest.HTTPError(503, "upstream overloaded"), 503, codeOverloaded, ""},
		{"server error", llmtest.HTTPError(500, "boom"), 503, codeOverloaded, ""},
		{"bad request", llmtest.HTTPError(400, "tools are not supported"), 400, codeInvalid, ""},
		{"too long", llmtest.Overflow(), 400, codeContextLength, ""},
		{"garbage", llmtest.Reply{Raw: []byte("data: {not json\n\n")}, 502, codeProvider, ""},
	}
	f := newFixture(t, "")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, ep := range []struct{ path, body string }{
				{"/api/chat", `{"message":"hi"}`},
				{"/v1/chat/completions", `{"model":"localgpt","messages":[{"role":"user","content":"hi"}]}`},
			} {
				f.llm.Enqueue(tc.reply)
				resp := f.send(context.Background(), "POST", ep.path, ep.body)
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != tc.status || errorCode(t, body) != tc.code {
					t.Fatalf("%s: %d %s, want %d %s", ep.path, resp.StatusCode, body, tc.status, tc.code)
				}
				if got := resp.Header.Get("Retry-After"); got != tc.retryAfter {
					t.Errorf("%s: Retry-After %q, want %q", ep.path, got, tc.retryAfter)
				}
				if n := f.llm.Pending(); n != 0 {
					t.Fatalf("%s: the reply was not used (%d pending)", ep.path, n)
				}
			}
		})
	}
	// Nothing was retried: one model call per request.
	if got, want := len(f.llm.Calls("/v1/chat/completions")), 2*len(cases); got != want {
		t.Fatalf("%d model calls for %d requests: the server retried", got, want)
	}
	f.llm.Enqueue(llmtest.HTTPError(401, "Incorrect API key provided"))
	resp := f.send(context.Background(), "POST", "/api/chat/stream", `{"message":"hi"}`)
	defer resp.Body.Close()
	events := readSSE(t, resp.Body)
	if resp.StatusCode != 200 || len(events) != 1 || events[0].Name != "error" || errorCode(t, []byte(events[0].Data)) != codeProviderAuth {
		t.Fatalf("%d %+v", resp.StatusCode, events)
	}
	if entries, _ := os.ReadDir(f.paths.Sessions); len(entries) != 0 {
		t.Fatalf("a failed first turn left %d session files", len(entries))
	}
}

// TestLaterModelCallsAreRetried: once the turn's tools ran, the client
// cannot retry without running them again, so the server retries the
// model call after them itself.
func TestLaterModelCallsAreRetried(t *testing.T) {
	f := newFixture(t, "")
	f.llm.Enqueue(
		llmtest.ToolCalls(llmtest.Call{ID: "c1", Name: "memory_search", Args: `{"query":"tea"}`}),
		llmtest.HTTPError(503, "overloaded for a moment"),
		llmtest.Text("Found nothing about tea."),
	)
	code, body := f.do("POST", "/v1/chat/completions", `{"model":"localgpt","messages":[{"role":"user","content":"tea?"}]}`)
	if code != 200 || !strings.Contains(string(body), "Found nothing about tea.") {
		t.Fatalf("%d %s", code, body)
	}
	if n := len(f.llm.Calls("/v1/chat/completions")); n != 3 {
		t.Fatalf("%d model calls, want 3 (the second retried once)", n)
	}
}

func TestAuth(t *testing.T) {
	f := newFixture(t, "[server]\napi_token = \"s3cret-token-value\"\n")
	f.llm.Enqueue(llmtest.Text("ok"))
	tests := []struct {
		name, method, path, auth string
		status                   int
	}{
		{"no header", "GET", "/api/status", "", 401},
		{"wrong token", "GET", "/api/sessions", "Bearer nope", 401},
		{"prefix of the token", "GET", "/api/sessions", "Bearer s3cret", 401},
		{"not bearer", "GET", "/api/sessions", "Basic czNjcmV0LXRva2VuLXZhbHVl", 401},
		{"v1 without token", "GET", "/v1/models", "", 401},
		{"right token", "GET", "/api/sessions", "Bearer s3cret-token-value", 200},
		{"health is public", "GET", "/health", "", 200},
		{"the icon is public (the login page shows it)", "GET", "/favicon.ico", "", 200},
		{"page with token", "GET", "/", "Bearer s3cret-token-value", 200},
		{"chat with token", "POST", "/api/chat", "Bearer s3cret-token-value", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := ""
			if tt.method == "POST" {
				body = `{"message":"hi"}`
			}
			code, data := f.do(tt.method, tt.path, body, "Authorization", tt.auth)
			if code != tt.status {
				t.Fatalf("%d %s, want %d", code, data, tt.status)
			}
			if code == 401 && (errorCode(t, data) != codeUnauthorized || strings.Contains(string(data), "s3cret")) {
				t.Fatalf("bad 401 body: %s", data)
			}
		})
	}
}

// TestEveryRouteNeedsTheToken: on loopback too, a request without the
// token is refused on every route but GET /health and the icon (issue 12, attack 4:
// any local account could read the owner's sessions and files).
func TestEveryRouteNeedsTheToken(t *testing.T) {
	f := newFixture(t, "")
	s, err := f.srv.store.Create("openai/m", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	routes := []struct{ method, path string }{
		{"GET", "/api/status"}, {"POST", "/api/chat"}, {"POST", "/api/chat/stream"},
		{"POST", "/api/sessions"}, {"GET", "/api/sessions"}, {"GET", "/api/sessions/" + s.ID()},
		{"DELETE", "/api/sessions/" + s.ID()}, {"GET", "/api/memory/search?q=x"}, {"GET", "/api/memory/stats"},
		{"PATCH", "/api/sessions/" + s.ID()}, {"GET", "/api/sessions/search?q=x"}, {"GET", "/api/memory/file?path=MEMORY.md"},
		{"GET", "/api/memory/today"}, {"POST", "/favicon.ico"}, {"GET", "/static/vendor/marked.umd.js"},
		{"POST", "/v1/chat/completions"}, {"GET", "/v1/models"}, {"GET", "/"}, {"GET", "/static/app.js"},
		{"GET", "/static/style.css"}, {"GET", "/login"}, {"GET", "/login?code=1.2.3"}, {"GET", "/no/such/path"},
		{"PUT", "/api/chat"}, {"HEAD", "/api/status"},
	}
	for _, rt := range routes {
		for _, auth := range []string{"", "Bearer wrong-token", "Bearer " + f.token[:len(f.token)-1]} {
			code, body := f.do(rt.method, rt.path, `{"message":"hi"}`, "Authorization", auth)
			if code != http.StatusUnauthorized {
				t.Errorf("%s %s with %q: %d, want 401\n%s", rt.method, rt.path, auth, code, body)
			}
		}
	}
	if code, body := f.do("GET", "/health", "", "Authorization", ""); code != 200 || string(body) != "{\"status\":\"ok\"}\n" {
		t.Errorf("health: %d %s", code, body)
	}
	if n := len(f.llm.Requests()); n != 0 {
		t.Errorf("refused requests reached the model %d times", n)
	}
	if _, err := f.srv.store.Resolve(s.ID()); err != nil {
		t.Errorf("an unauthenticated DELETE removed the session: %v", err)
	}
}

// TestLoginCookie follows the web page's login: a one-time code sets an
// HttpOnly, SameSite=Strict cookie and leads to the page; the cookie then
// opens the API; the code cannot be used twice; a same-site page on
// another port cannot use the cookie.
func TestLoginCookie(t *testing.T) {
	f := newFixture(t, "")
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string, header ...string) *http.Response {
		req, _ := http.NewRequest("GET", f.hs.URL+path, nil)
		req.Header.Set("Accept", "text/html")
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := browser.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		readAll(t, resp.Body)
		resp.Body.Close()
		return resp
	}
	if r := get("/"); r.StatusCode != 401 || !strings.Contains(r.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("page before login: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
	code := apitoken.NewCode(f.token, time.Now())
	r := get("/login?code=" + code)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/" {
		t.Fatalf("login: %d %v", r.StatusCode, r.Header)
	}
	set := r.Header.Get("Set-Cookie")
	for _, want := range []string{"HttpOnly", "SameSite=Strict", "Path=/", "Max-Age="} {
		if !strings.Contains(set, want) {
			t.Errorf("cookie %q lacks %s", set, want)
		}
	}
	if strings.Contains(set, f.token) {
		t.Errorf("the cookie holds the token itself: %s", set)
	}
	if r := get("/"); r.StatusCode != 200 {
		t.Fatalf("page after login: %d", r.StatusCode)
	}
	if r := get("/api/sessions", "Sec-Fetch-Site", "same-origin"); r.StatusCode != 200 {
		t.Fatalf("API with the cookie: %d", r.StatusCode)
	}
	if r := get("/api/sessions", "Sec-Fetch-Site", "same-site"); r.StatusCode != 401 {
		t.Fatalf("API with the cookie from another port's page: %d", r.StatusCode)
	}
	fresh, _ := cookiejar.New(nil)
	browser.Jar = fresh
	if r := get("/login?code=" + code); r.StatusCode != 401 {
		t.Fatalf("second use of the code: %d", r.StatusCode)
	}
	if r := get("/login?code=" + apitoken.NewCode("another-daemon-token-000000", time.Now())); r.StatusCode != 401 {
		t.Fatalf("another daemon's code: %d", r.StatusCode)
	}
	if r := get("/api/sessions"); r.StatusCode != 401 {
		t.Fatalf("API without cookie: %d", r.StatusCode)
	}
}

func TestBindNeedsToken(t *testing.T) {
	tests := []struct {
		bind, token string
		ok          bool
	}{
		{"127.0.0.1", "", true},
		{"::1", "", true},
		{"localhost", "", true},
		{"0.0.0.0", "", false},
		{"192.168.1.5", "", false},
		{"0.0.0.0", "a-token", true},
	}
	for _, tt := range tests {
		cfg := config.Default()
		cfg.Server.Bind, cfg.Server.APIToken = tt.bind, tt.token
		_, err := New(testOptions(t, cfg, config.Paths{Sessions: t.TempDir(), State: t.TempDir()}, nil))
		var ce *config.Error
		if tt.ok != (err == nil) || (err != nil && (!errors.As(err, &ce) || ce.Key != "server.bind")) {
			t.Errorf("bind %q token %q: %v", tt.bind, tt.token, err)
		}
	}
	// LOCALGPT_API_TOKEN fills an empty server.api_token.
	cfg, _, err := config.Parse([]byte("[server]\nbind = \"0.0.0.0\"\n"), "config.toml", func(k string) string {
		if k == "LOCALGPT_API_TOKEN" {
			return "from-env"
		}
		return ""
	})
	if err != nil || cfg.Server.APIToken != "from-env" {
		t.Fatalf("%v %q", err, cfg.Server.APIToken)
	}
	if _, err := New(testOptions(t, cfg, config.Paths{Sessions: t.TempDir(), State: t.TempDir()}, nil)); err != nil {
		t.Fatal(err)
	}
	if !config.IsSecret("server.api_token") {
		t.Fatal("server.api_token is not masked")
	}
}

func TestOriginAndHost(t *testing.T) {
	f := newFixture(t, "")
	own := f.hs.URL // http://127.0.0.1:port, the page's own origin
	tests := []struct {
		name, method, path string
		header             []string
		status             int
		allowOrigin        string
	}{
		{"same origin", "GET", "/api/sessions", []string{"Origin", own}, 200, own},
		{"no origin (curl)", "GET", "/api/sessions", nil, 200, ""},
		{"foreign origin", "GET", "/api/sessions", []string{"Origin", "http://evil.example"}, 403, ""},
		{"foreign origin POST", "POST", "/api/chat", []string{"Origin", "http://evil.example"}, 403, ""},
		{"null origin", "GET", "/api/sessions", []string{"Origin", "null"}, 403, ""},
		{"preflight own", "OPTIONS", "/api/chat", []string{"Origin", own, "Access-Control-Request-Method", "POST"}, 204, own},
		{"preflight foreign", "OPTIONS", "/api/chat", []string{"Origin", "http://localhost:1"}, 403, ""},
		{"rebinding host", "GET", "/health", []string{"Host", "attacker.example"}, 403, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, f.hs.URL+tt.path, strings.NewReader(`{"message":"x"}`))
			f.authorize(req)
			for i := 0; i+1 < len(tt.header); i += 2 {
				req.Header.Set(tt.header[i], tt.header[i+1])
			}
			if h := req.Header.Get("Host"); h != "" {
				req.Host = h
			}
			resp, err := f.hs.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body := readAll(t, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status || resp.Header.Get("Access-Control-Allow-Origin") != tt.allowOrigin {
				t.Fatalf("%d allow-origin %q: %s", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"), body)
			}
			if tt.status == 403 && errorCode(t, body) != codeForbidden {
				t.Fatalf("%s", body)
			}
		})
	}
}

// remoteRef finds a page file loading something from another site.
var remoteRef = regexp.MustCompile(`(?i)(src|href|action)\s*=\s*["']?(https?:)?//|url\(\s*["']?(https?:)?//|@import|fetch\(\s*["'\x60]https?:`)

func TestPage(t *testing.T) {
	f := newFixture(t, "")
	tests := []struct{ path, ctype, contains string }{
		{"/", "text/html", `<script type="module" src="/static/app.js">`},
		{"/static/app.js", "text/javascript", `from "./api.js"`},
		{"/static/api.js", "text/javascript", "/api/chat/stream"},
		{"/static/style.css", "text/css", ".messages"},
		{"/static/vendor/marked.umd.js", "text/javascript", "marked v18.2.1"},
		{"/static/vendor/purify.min.js", "text/javascript", "DOMPurify 3.5.0"},
		{"/static/vendor/highlight.min.js", "text/javascript", "Highlight.js v11.12.0"},
		{"/static/vendor/LICENSES.txt", "text/plain", "Permission is hereby granted"},
		{"/static/favicon.svg", "image/svg+xml", "<svg"},
		{"/favicon.ico", "image/x-icon", "\x00\x00\x01\x00"},
	}
	for _, tt := range tests {
		resp := f.send(context.Background(), "GET", tt.path, "")
		body := string(readAll(t, resp.Body))
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), tt.ctype) || !strings.Contains(body, tt.contains) ||
			resp.Header.Get("Content-Security-Policy") != pageCSP || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("%s: %d %v", tt.path, resp.StatusCode, resp.Header)
		}
		// Our own files refer to nothing remote (the vendored libraries'
		// comments name their home pages; they load nothing).
		if !strings.Contains(tt.path, "vendor") && remoteRef.MatchString(body) {
			t.Fatalf("%s refers to a remote resource", tt.path)
		}
		// A reload costs a 304.
		again := f.send(context.Background(), "GET", tt.path, "", "If-None-Match", resp.Header.Get("ETag"))
		again.Body.Close()
		if resp.Header.Get("ETag") == "" || again.StatusCode != http.StatusNotModified {
			t.Fatalf("%s: no 304 for its ETag %q: %d", tt.path, resp.Header.Get("ETag"), again.StatusCode)
		}
	}
	// A theme chosen on the page comes with the page (no script before
	// the first paint); any other cookie value is the system's theme.
	for cookie, want := range map[string]string{"light": `<html lang="en" data-theme="light">`, "dark": `<html lang="en" data-theme="dark">`,
		"": `<html lang="en">`, `"><script>`: `<html lang="en">`} {
		resp := f.send(context.Background(), "GET", "/", "", "Cookie", "localgpt-theme="+cookie)
		body := string(readAll(t, resp.Body))
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(body, want) || strings.Contains(body, "<script>") || resp.Header.Get("Vary") != "Cookie" {
			t.Fatalf("theme %q: %d %v\n%.200s", cookie, resp.StatusCode, resp.Header, body)
		}
	}
	// The vendored libraries are embedded gzipped: sent so to browsers,
	// plain to a client that does not take gzip.
	for _, enc := range []string{"gzip, deflate, br", "identity"} {
		resp := f.send(context.Background(), "GET", "/static/vendor/marked.umd.js", "", "Accept-Encoding", enc)
		body := readAll(t, resp.Body)
		resp.Body.Close()
		if enc != "identity" {
			if resp.Header.Get("Content-Encoding") != "gzip" {
				t.Fatalf("%s: not gzipped: %v", enc, resp.Header)
			}
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			body = readAll(t, zr)
		}
		if resp.StatusCode != 200 || !strings.Contains(string(body), "marked v18.2.1") || resp.Header.Get("Vary") != "Accept-Encoding" {
			t.Fatalf("%s: %d %v", enc, resp.StatusCode, resp.Header)
		}
	}
	for _, p := range []string{"'unsafe-inline'", "'unsafe-eval'", "*"} {
		if strings.Contains(pageCSP, p) {
			t.Fatalf("the page's CSP allows %s: %s", p, pageCSP)
		}
	}
}

// TestWebAssetsBudget keeps the page's files, libraries included, within
// 300 KB gzipped (issue 15), and every script the page loads a file of
// its own (no inline script: the CSP would refuse it).
func TestWebAssetsBudget(t *testing.T) {
	f := newFixture(t, "")
	total, embedded := 0, 0
	for name, a := range f.srv.assets {
		if strings.Contains(name, "#") {
			continue // a themed variant of index.html, not a file
		}
		gz := a.data
		if !a.gzipped {
			var b bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
			zw.Write(a.data)
			zw.Close()
			gz = b.Bytes()
		}
		total += len(gz)
		embedded += len(a.data)
		t.Logf("%-28s %7d bytes embedded, %6d gzipped", name, len(a.data), len(gz))
	}
	t.Logf("web assets: %d bytes embedded, %d gzipped", embedded, total)
	if total > 300<<10 {
		t.Fatalf("the web assets are %d KB gzipped, over the 300 KB budget", total>>10)
	}
	page := string(f.srv.assets["index.html"].data)
	if strings.Count(page, "<script") != strings.Count(page, `<script src="/static/`)+strings.Count(page, `<script type="module" src="/static/`) ||
		strings.Contains(page, " on") && regexp.MustCompile(`\son[a-z]+=`).MatchString(page) || strings.Contains(page, "style=") {
		t.Fatal("index.html has inline script, event attributes or styles")
	}
}

// TestChatStatusesBeforeStreaming: both chat endpoints answer a session
// open in another process (say `localgpt chat --resume`) with 409, an
// unknown session with 404 and a bad request with 400, as real HTTP
// statuses with a JSON error body: the stream has not started yet.
func TestChatStatusesBeforeStreaming(t *testing.T) {
	f := newFixture(t, "")
	f.llm.Enqueue(llmtest.Text("Hello."))
	code, body := f.do("POST", "/api/chat", `{"message":"hi"}`)
	var r chatResponse
	if err := json.Unmarshal(body, &r); code != 200 || err != nil {
		t.Fatalf("%d %s", code, body)
	}
	held, err := session.NewStore(f.paths.Sessions).Open(r.SessionID) // the other process
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	tests := []struct {
		name, body string
		status     int
		code, says string
	}{
		{"open in another process", `{"message":"again","session_id":"` + r.SessionID + `"}`, http.StatusConflict, "conflict", "another localgpt process"},
		{"unknown session", `{"message":"again","session_id":"19990101"}`, http.StatusNotFound, "not_found", "no such session"},
		{"no message", `{"message":"  "}`, http.StatusBadRequest, "invalid_request", "is required: the text"},
		{"not JSON", `{"message":`, http.StatusBadRequest, "invalid_request", ""},
	}
	for _, tt := range tests {
		for _, path := range []string{"/api/chat", "/api/chat/stream"} {
			t.Run(tt.name+" "+path, func(t *testing.T) {
				resp := f.send(context.Background(), "POST", path, tt.body)
				defer resp.Body.Close()
				data, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != tt.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") ||
					errorCode(t, data) != tt.code || !strings.Contains(string(data), tt.says) {
					t.Fatalf("%d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), data)
				}
			})
		}
	}
	if n := f.llm.Pending(); n != 0 || len(f.llm.Calls("/v1/chat/completions")) != 1 {
		t.Fatal("a refused request reached the model")
	}
}
