package anthropic

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/packages/ssestream"

	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
)

// TestModelsPages: the listing follows has_more and last_id (after_id on
// the next request) like the API's own pagination, sends the key and the
// version on each page, and stops at maxModelPages on a server that
// never says it is done.
func TestModelsPages(t *testing.T) {
	cases := []struct {
		name      string
		endless   bool
		wantCount int
	}{
		{"three pages", false, 5},
		{"endless", true, maxModelPages},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var afters []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/v1/models" || r.Header.Get("X-Api-Key") != "sk-ant-test" || r.Header.Get("Anthropic-Version") != apiVersion {
					http.Error(w, "unexpected request "+r.URL.String(), http.StatusBadRequest)
					return
				}
				after := r.URL.Query().Get("after_id")
				afters = append(afters, after)
				page := map[string]any{"data": []any{}, "has_more": false}
				switch {
				case tc.endless:
					page = map[string]any{"data": []any{map[string]any{"id": "m"}}, "has_more": true, "last_id": "m"}
				case after == "":
					page = map[string]any{"data": []any{map[string]any{"id": "a"}, map[string]any{"id": "b"}}, "has_more": true, "last_id": "b"}
				case after == "b":
					page = map[string]any{"data": []any{map[string]any{"id": "c"}, map[string]any{"id": "d"}}, "has_more": true, "last_id": "d"}
				case after == "d": // has_more absent: the last_id decides
					page = map[string]any{"data": []any{map[string]any{"id": "e"}}, "last_id": ""}
				}
				_ = json.NewEncoder(w).Encode(page)
			}))
			defer srv.Close()
			p := New(Options{APIKey: "sk-ant-test", BaseURL: srv.URL + "/", HTTPClient: srv.Client()})
			models, err := p.Models(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(models) != tc.wantCount {
				t.Fatalf("%d models, want %d: %v", len(models), tc.wantCount, models)
			}
			if !tc.endless {
				var names []string
				for _, m := range models {
					names = append(names, m.Name)
				}
				if got := strings.Join(names, ","); got != "a,b,c,d,e" || strings.Join(afters, ",") != ",b,d" {
					t.Errorf("models %s after_ids %q, want a,b,c,d,e and \"\",b,d", got, afters)
				}
			}
		})
	}
}

// TestErrorResponses: an error status becomes an *llm.Error of its kind,
// with Anthropic's message when the body has one, the status text when it
// is not Anthropic's JSON (a proxy's HTML page), and Retry-After kept.
func TestErrorResponses(t *testing.T) {
	cases := []struct {
		name        string
		status      int
		header      map[string]string
		body        string
		wantKind    llm.ErrorKind
		wantMessage string
	}{
		{"proxy page", http.StatusBadGateway, map[string]string{"Content-Type": "text/html"}, "<html>bad gateway</html>", llm.KindOverloaded, "Bad Gateway"},
		{"bad key", http.StatusUnauthorized, nil, `{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}`, llm.KindAuth, "invalid x-api-key"},
		{"rate limit", http.StatusTooManyRequests, map[string]string{"Retry-After": "7"}, `{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}`, llm.KindRateLimit, "slow down"},
		{"empty body", http.StatusNotFound, nil, "", llm.KindNotFound, "Not Found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			retry, _ := llmtest.Retry(0)
			p := New(Options{APIKey: "k", BaseURL: srv.URL, HTTPClient: srv.Client(), Retry: retry})
			for _, call := range []func() error{
				func() error {
					_, err := llm.Complete(context.Background(), p, llm.Request{Model: "claude-x", Messages: []llm.Message{llm.UserText("hi")}})
					return err
				},
				func() error { _, err := p.Models(context.Background()); return err },
			} {
				var le *llm.Error
				if err := call(); !errors.As(err, &le) || le.Kind != tc.wantKind || le.Status != tc.status || le.Message != tc.wantMessage {
					t.Fatalf("err = %#v, want kind %v status %d message %q", err, tc.wantKind, tc.status, tc.wantMessage)
				}
				if tc.header["Retry-After"] != "" && le.RetryAfter == 0 {
					t.Errorf("Retry-After was lost: %#v", le)
				}
			}
		})
	}
}

// TestBaseURLPath: a base URL with a path (a proxy's prefix), with or
// without its trailing slash, is kept before /v1/messages.
func TestBaseURLPath(t *testing.T) {
	for _, suffix := range []string{"/proxy", "/proxy/"} {
		s := llmtest.NewAnthropic(t)
		s.Enqueue(llmtest.Text("ok"))
		mux := http.NewServeMux()
		mux.Handle("/proxy/", http.StripPrefix("/proxy", s))
		front := httptest.NewServer(mux)
		retry, _ := llmtest.Retry(0)
		p := New(Options{APIKey: "k", BaseURL: front.URL + suffix, HTTPClient: front.Client(), Retry: retry})
		resp, err := llm.Complete(context.Background(), p, llm.Request{Model: "claude-x", Messages: []llm.Message{llm.UserText("hi")}})
		front.Close()
		if err != nil || resp.Message.Text() != "ok" {
			t.Fatalf("base %s: %v %+v", suffix, err, resp)
		}
	}
}

// FuzzDecode feeds any bytes to the stream decoder as a response body: it
// must never panic, end with EOF or an error, emit nothing after its stop
// event, and close every tool call it opened with JSON-shaped arguments.
func FuzzDecode(f *testing.F) {
	s := llmtest.NewAnthropic(f)
	for _, r := range []llmtest.Reply{llmtest.Text("hello"), {Reasoning: "hm", Text: "x"},
		llmtest.ToolCalls(llmtest.Call{ID: "t1", Name: "get", Args: `{"a":1}`}, llmtest.Call{ID: "t2", Name: "put"})} {
		f.Add(s.Render(r, "claude-x"))
	}
	f.Add([]byte("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"busy\"}}\n\n"))
	f.Add([]byte("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\n\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		res := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"text/event-stream"}},
			Body: io.NopCloser(bytes.NewReader(body))}
		d := &decoder{p: New(Options{}), ctx: context.Background(), model: "m",
			st: ssestream.NewStream[streamEvent](ssestream.NewDecoder(res), nil)}
		defer d.Close()
		open, stopped := map[int]bool{}, false
		for i := 0; ; i++ {
			ev, err := d.Next()
			if err != nil {
				if err != io.EOF {
					var le *llm.Error
					if !errors.As(err, &le) {
						t.Fatalf("error %v is not an *llm.Error", err)
					}
				}
				return
			}
			if stopped {
				t.Fatalf("event %+v after the stop event", ev)
			}
			switch ev.Type {
			case llm.EventToolCallStart:
				open[ev.Index] = true
			case llm.EventToolCallEnd:
				if !open[ev.Index] || len(ev.ToolCall.Arguments) == 0 {
					t.Fatalf("tool call end %+v without its start or arguments", ev)
				}
				delete(open, ev.Index)
			case llm.EventStop:
				stopped = true
			}
			if i > len(body)+10 {
				t.Fatalf("more events (%d) than the body has bytes", i)
			}
		}
	})
}
