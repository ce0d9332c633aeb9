package server

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
	"github.com/localgpt-go/localgpt/internal/session"
)

func TestChatStreamFraming(t *testing.T) {
	f := newFixture(t, "")
	f.llm.Enqueue(
		llmtest.ToolCalls(llmtest.Call{ID: "s1", Name: "memory_search", Args: `{"query":"milk"}`}),
		llmtest.Reply{Text: "Line one.\nLine \"two\" <b>.", Usage: llmtest.Usage{Prompt: 50, Completion: 7}},
	)
	resp := f.send(context.Background(), "POST", "/api/chat/stream", `{"message":"stream please"}`)
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream; charset=utf-8" || resp.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
	events := readSSE(t, resp.Body)
	var text strings.Builder
	var names []string
	for _, e := range events {
		if len(names) == 0 || names[len(names)-1] != e.Name {
			names = append(names, e.Name)
		}
		var data map[string]any
		if err := json.Unmarshal([]byte(e.Data), &data); err != nil {
			t.Fatalf("event %s: data is not JSON: %q", e.Name, e.Data)
		}
		if e.Name == "text" {
			text.WriteString(data["text"].(string))
		}
		if e.Name == "tool_start" && (data["name"] != "memory_search" || data["id"] != "s1" || data["arguments"].(map[string]any)["query"] != "milk") {
			t.Fatalf("tool_start: %s", e.Data)
		}
		if e.Name == "tool_end" && (data["name"] != "memory_search" || data["is_error"] != false) {
			t.Fatalf("tool_end: %s", e.Data)
		}
	}
	want := []string{"usage", "tool_start", "tool_end", "text", "usage", "done"}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Fatalf("event order %v, want %v", names, want)
	}
	if text.String() != "Line one.\nLine \"two\" <b>." {
		t.Fatalf("streamed text %q", text.String())
	}
	var done chatResponse
	if err := json.Unmarshal([]byte(events[len(events)-1].Data), &done); err != nil || done.Response != text.String() ||
		done.SessionID == "" || done.Tokens.Completion < 7 || len(done.ToolsUsed) != 1 {
		t.Fatalf("done: %s", events[len(events)-1].Data)
	}

	// A continued session announces itself first.
	f.llm.Enqueue(llmtest.Text("again"))
	resp2 := f.send(context.Background(), "POST", "/api/chat/stream", `{"message":"more","session_id":"`+done.SessionID+`"}`)
	defer resp2.Body.Close()
	ev2 := readSSE(t, resp2.Body)
	if ev2[0].Name != "session" || !strings.Contains(ev2[0].Data, done.SessionID) || ev2[len(ev2)-1].Name != "done" {
		t.Fatalf("%+v", ev2)
	}
}

// TestStreamDisconnectCancelsTurn: a client that goes away mid-stream
// cancels the model call. On /api the turn is kept as cancelled with the
// answer text that had streamed (a stream's client saw some; the plain
// request's turn may end before any); /v1 saves nothing.
func TestStreamDisconnectCancelsTurn(t *testing.T) {
	for _, path := range []string{"/api/chat/stream", "/v1/chat/completions", "/api/chat"} {
		t.Run(path, func(t *testing.T) {
			f := newFixture(t, "")
			f.llm.Enqueue(llmtest.Reply{Text: "a long answer that never ends", Hang: true})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			body := `{"message":"go on"}`
			if strings.HasPrefix(path, "/v1") {
				body = `{"model":"localgpt","stream":true,"messages":[{"role":"user","content":"go on"}]}`
			}
			if path == "/api/chat" { // no headers until the turn ends: wait for the model call
				errc := make(chan error, 1)
				go func() {
					req, _ := http.NewRequestWithContext(ctx, "POST", f.hs.URL+path, strings.NewReader(body))
					f.authorize(req)
					_, err := f.hs.Client().Do(req)
					errc <- err
				}()
				f.waitCalls(1)
				cancel()
				if err := <-errc; err == nil {
					t.Fatal("the request succeeded after its context was cancelled")
				}
			} else {
				resp := f.send(ctx, "POST", path, body)
				// Wait for the first streamed text, then hang up.
				rd := bufio.NewReader(resp.Body)
				for {
					line, err := rd.ReadString('\n')
					if err != nil {
						t.Fatalf("stream ended before any text: %v", err)
					}
					if strings.Contains(line, `"a l`) {
						break
					}
				}
				cancel()
				resp.Body.Close()
			}
			select {
			case got := <-f.cancelled:
				if got != "/v1/chat/completions" {
					t.Fatalf("cancelled %s", got)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("the provider request was not cancelled after the client went away")
			}
			f.hs.Close()                                                            // waits for the handler to return
			entries, _ := filepath.Glob(filepath.Join(f.paths.Sessions, "*.jsonl")) // beside the index
			want := map[string]int{"/api/chat/stream": 1, "/v1/chat/completions": 0, "/api/chat": len(entries)}[path]
			if len(entries) != want || len(entries) > 1 {
				t.Fatalf("a cancelled turn left %d session files, want %d", len(entries), want)
			}
			if len(entries) == 1 {
				tr, err := session.NewStore(f.paths.Sessions).Load(strings.TrimSuffix(filepath.Base(entries[0]), ".jsonl"))
				if err != nil {
					t.Fatal(err)
				}
				msgs, turns := tr.Messages(), tr.Turns()
				if len(msgs) != 2 || msgs[0].Text() != "go on" || !strings.HasPrefix("a long answer that never ends", msgs[1].Text()) ||
					len(turns) != 1 || turns[0].Status != session.TurnCancelled {
					t.Fatalf("the cancelled turn was kept as %+v, turns %+v", msgs, turns)
				}
			}
		})
	}
}

// TestSessionsSerialisedAndParallel: two turns on one session run one
// after the other (the second sees the first's answer); a turn on another
// session completes while the first session's turn is still running.
func TestSessionsSerialisedAndParallel(t *testing.T) {
	f := newFixture(t, "")
	store := session.NewStore(f.paths.Sessions)
	a, err := store.Create("openai/gpt-4o-mini", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	b, err := store.Create("openai/gpt-4o-mini", time.Now().Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	b.Close()

	// Session A hangs on its model call; session B still answers.
	f.llm.Enqueue(llmtest.Reply{Text: "A is thinking", Hang: true})
	ctx, cancel := context.WithCancel(context.Background())
	hung, streamed := make(chan int, 1), make(chan bool, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, "POST", f.hs.URL+"/api/chat/stream", strings.NewReader(`{"message":"slow","session_id":"`+a.ID()+`"}`))
		f.authorize(req)
		resp, err := f.hs.Client().Do(req)
		if err != nil {
			streamed <- false
			hung <- 0
			return
		}
		rd := bufio.NewReader(resp.Body)
		for { // until the first text, then until the cancel below
			line, err := rd.ReadString('\n')
			if strings.Contains(line, `"A i"`) {
				streamed <- true
			}
			if err != nil {
				break
			}
		}
		resp.Body.Close()
		hung <- resp.StatusCode
	}()
	if !<-streamed {
		t.Fatal("session A's turn did not start")
	}
	// A recorded call takes its reply a moment later: B's reply is queued
	// only once A has taken the hanging one.
	for f.llm.Pending() > 0 {
		time.Sleep(5 * time.Millisecond)
	}
	f.llm.Enqueue(llmtest.Text("B answers"))
	code, body := f.do("POST", "/api/chat", `{"message":"quick","session_id":"`+b.ID()[:15]+`"}`)
	if code != 200 || !strings.Contains(string(body), "B answers") {
		t.Fatalf("session B blocked or failed: %d %s", code, body)
	}
	cancel()
	<-hung
	<-f.cancelled

	// Two concurrent turns on session A: the provider's second request
	// carries the first turn's answer, whichever ran first.
	f.llm.Enqueue(llmtest.Reply{Text: "first answer", Delay: 2 * time.Millisecond}, llmtest.Reply{Text: "second answer", Delay: 2 * time.Millisecond})
	var wg sync.WaitGroup
	for _, msg := range []string{"one", "two"} {
		wg.Go(func() {
			code, body := f.do("POST", "/api/chat", `{"message":"`+msg+`","session_id":"`+a.ID()+`"}`)
			if code != 200 {
				t.Errorf("%d %s", code, body)
			}
		})
	}
	wg.Wait()
	calls := f.llm.Calls("/v1/chat/completions")
	last := string(calls[len(calls)-1].Body)
	if !strings.Contains(last, "first answer") {
		t.Fatalf("the second turn on the session ran in parallel with the first: %s", last)
	}
	tr, err := store.Load(a.ID())
	if err != nil {
		t.Fatal(err)
	}
	roles := ""
	for _, m := range tr.Messages() {
		roles += string(m.Role)[:1]
	}
	// The cancelled turn keeps its user message and the answer text that
	// had streamed, then the two whole turns.
	if roles != "uauaua" || tr.Messages()[0].Text() != "slow" || tr.Messages()[1].Text() != "A i" {
		t.Fatalf("session A holds %q, want the cancelled message and two whole turns", roles)
	}
}

func TestOpenAIWire(t *testing.T) {
	f := newFixture(t, "")
	f.llm.Enqueue(llmtest.Reply{Text: "Hi there.", Usage: llmtest.Usage{Prompt: 20, Completion: 3}})
	code, body := f.do("POST", "/v1/chat/completions", `{"model":"localgpt","temperature":0.2,"messages":[
		{"role":"system","content":"Answer briefly."},{"role":"user","content":"Hello"},
		{"role":"assistant","content":"Hey."},{"role":"user","content":[{"type":"text","text":"How are you?"}]}]}`)
	var c completion
	if err := json.Unmarshal(body, &c); code != 200 || err != nil || c.Object != "chat.completion" || c.Model != "localgpt" ||
		!strings.HasPrefix(c.ID, "chatcmpl-") || len(c.Choices) != 1 || *c.Choices[0].Message.Content != "Hi there." ||
		*c.Choices[0].FinishReason != "stop" || c.Usage.TotalTokens != 23 {
		t.Fatalf("%d %s", code, body)
	}
	sent := string(f.llm.Last(t, "/v1/chat/completions").Body)
	for _, want := range []string{"Answer briefly.", "Hello", "Hey.", "How are you?", `"model":"gpt-4o-mini"`, "## Memory"} {
		if !strings.Contains(sent, want) {
			t.Fatalf("provider request lacks %q: %s", want, sent)
		}
	}

	f.llm.Enqueue(llmtest.Reply{Text: "Streamed words.", Usage: llmtest.Usage{Prompt: 5, Completion: 2}})
	resp := f.send(context.Background(), "POST", "/v1/chat/completions",
		`{"model":"openai/gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"go"}]}`)
	defer resp.Body.Close()
	events := readSSE(t, resp.Body)
	if n := len(events); n < 4 || events[n-1].Data != "[DONE]" {
		t.Fatalf("%+v", events)
	}
	var text strings.Builder
	for i, e := range events[:len(events)-1] {
		var ch completion
		if e.Name != "" || json.Unmarshal([]byte(e.Data), &ch) != nil || ch.Object != "chat.completion.chunk" || ch.Model != "openai/gpt-4o-mini" {
			t.Fatalf("chunk %d: %+v", i, e)
		}
		if i == len(events)-2 {
			if len(ch.Choices) != 0 || ch.Usage == nil || ch.Usage.TotalTokens != 7 {
				t.Fatalf("usage chunk: %s", e.Data)
			}
			continue
		}
		d := ch.Choices[0].Delta
		if i == 0 && d.Role != "assistant" {
			t.Fatalf("first chunk: %s", e.Data)
		}
		if d.Content != nil {
			text.WriteString(*d.Content)
		}
		if fr := ch.Choices[0].FinishReason; (fr != nil) != (i == len(events)-3) {
			t.Fatalf("finish_reason on chunk %d: %s", i, e.Data)
		}
	}
	if text.String() != "Streamed words." {
		t.Fatalf("%q", text.String())
	}
}
