package server

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
)

// getSession fetches GET /api/sessions/{id}.
func (f *fixture) getSession(id string) sessionView {
	f.t.Helper()
	code, body := f.do("GET", "/api/sessions/"+id, "")
	var v sessionView
	if code != 200 || json.Unmarshal(body, &v) != nil {
		f.t.Fatalf("get session %s: %d %s", id, code, body)
	}
	return v
}

// streamDone posts to /api/chat/stream and returns the session of its
// "done" event ("" when the stream ended otherwise) and every event.
func (f *fixture) stream(body string) (string, []sseEvent) {
	f.t.Helper()
	resp := f.send(context.Background(), "POST", "/api/chat/stream", body)
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		f.t.Fatalf("stream %s: %d", body, resp.StatusCode)
	}
	events := readSSE(f.t, resp.Body)
	var done chatResponse
	if last := events[len(events)-1]; last.Name == "done" {
		if err := json.Unmarshal([]byte(last.Data), &done); err != nil {
			f.t.Fatal(err)
		}
	}
	return done.SessionID, events
}

// TestSessionTurnsToolsAndReplace: a session read back has each turn's
// messages in the order they ran (text, tool calls, their results), its
// status and usage; a failed turn keeps the text that streamed; the last
// turn can be replaced (regenerate, edit and resend), only in a session
// that has one.
func TestSessionTurnsToolsAndReplace(t *testing.T) {
	f := newFixture(t, "")
	if err := os.WriteFile(filepath.Join(f.paths.Workspace, "garden.md"), []byte("# Garden\n\nRoses need pruning in March.\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f.llm.Enqueue(
		llmtest.Reply{Text: "Let me look.", ToolCalls: []llmtest.Call{{ID: "c1", Name: "memory_search", Args: `{"query":"roses"}`}},
			Usage: llmtest.Usage{Prompt: 100, Completion: 10}},
		llmtest.Reply{Text: "Prune them in **March**.", Usage: llmtest.Usage{Prompt: 150, Completion: 8}},
		llmtest.Reply{Text: "Half of an answer", ChunkSize: 8, Error: "the provider fell over"},
	)
	id, _ := f.stream(`{"message":"When do I prune roses?"}`)
	if id == "" {
		t.Fatal("the first turn did not finish")
	}
	_, events := f.stream(`{"message":"And the apple tree?","session_id":"` + id + `"}`)
	if last := events[len(events)-1]; last.Name != "error" {
		t.Fatalf("the failing turn ended with %+v", last)
	}

	v := f.getSession(id)
	var shape []string
	for _, m := range v.Messages {
		s := string(m.Role) + ":" + m.Content
		for _, c := range m.ToolCalls {
			s += "+call " + c.Name
		}
		for _, r := range m.ToolResults {
			s += "+result " + r.CallID + " " + r.Content[:min(len(r.Content), 13)]
		}
		shape = append(shape, s)
	}
	want := []string{"user:When do I prune roses?", "assistant:Let me look.+call memory_search",
		"tool:+result c1 1. garden.md:", "assistant:Prune them in **March**.",
		"user:And the apple tree?", "assistant:Half of "}
	if strings.Join(shape, "|") != strings.Join(want, "|") {
		t.Fatalf("messages:\n%s\nwant:\n%s", strings.Join(shape, "\n"), strings.Join(want, "\n"))
	}
	if len(v.Turns) != 2 || v.Turns[0].Start != 0 || v.Turns[0].Count != 4 || v.Turns[0].Status != "answered" ||
		v.Turns[0].Tokens != (tokens{Prompt: 250, Completion: 18, Total: 268}) || v.Turns[0].Model != "openai/gpt-4o-mini" ||
		v.Turns[1].Start != 4 || v.Turns[1].Count != 2 || v.Turns[1].Status != "failed" || !strings.Contains(v.Turns[1].Error, "fell over") {
		t.Fatalf("turns %+v", v.Turns)
	}

	// Edit and resend: the failed turn is replaced by the new one.
	f.llm.Enqueue(llmtest.Text("Apple trees in winter."))
	if got, _ := f.stream(`{"message":"And the pear tree?","session_id":"` + id + `","replace_last_turn":true}`); got != id {
		t.Fatalf("the replacing turn answered for session %q", got)
	}
	v = f.getSession(id)
	if n := len(v.Messages); n != 6 || v.Messages[4].Content != "And the pear tree?" || v.Messages[5].Content != "Apple trees in winter." ||
		len(v.Turns) != 2 || v.Turns[1].Status != "answered" {
		t.Fatalf("after the replacement: %+v %+v", v.Messages, v.Turns)
	}
	last := string(f.llm.Last(t, "/v1/chat/completions").Body)
	if strings.Contains(last, "apple tree") || strings.Contains(last, "Half of") || !strings.Contains(last, "March") {
		t.Fatalf("the replaced turn reached the model: %s", last)
	}
	// Regenerate: the same message again, through /api/chat too.
	f.llm.Enqueue(llmtest.Text("Pears in late winter."))
	code, body := f.do("POST", "/api/chat", `{"message":"And the pear tree?","session_id":"`+id+`","replace_last_turn":true}`)
	if code != 200 || !strings.Contains(string(body), "Pears in late winter.") {
		t.Fatalf("regenerate: %d %s", code, body)
	}
	if v = f.getSession(id); len(v.Messages) != 6 || v.Messages[5].Content != "Pears in late winter." {
		t.Fatalf("after regenerating: %+v", v.Messages)
	}

	// Nothing to replace.
	code, body = f.do("POST", "/api/sessions", `{}`)
	var empty struct{ ID string }
	if code != 201 || json.Unmarshal(body, &empty) != nil {
		t.Fatalf("create: %d %s", code, body)
	}
	for _, tt := range []struct {
		body   string
		status int
		code   string
	}{
		{`{"message":"x","replace_last_turn":true}`, 400, codeInvalid},
		{`{"message":"x","replace_last_turn":true,"session_id":"` + empty.ID + `"}`, 409, codeConflict},
	} {
		for _, path := range []string{"/api/chat", "/api/chat/stream"} {
			if code, body := f.do("POST", path, tt.body); code != tt.status || errorCode(t, body) != tt.code {
				t.Fatalf("%s %s: %d %s", path, tt.body, code, body)
			}
		}
	}
	if f.llm.Pending() != 0 {
		t.Fatalf("%d replies left", f.llm.Pending())
	}
}

// TestRenameAndSearchSessions: PATCH gives a session a title (and "" its
// default back); search finds sessions by title and content, newest
// first; bad requests get 400 and unknown sessions 404.
func TestRenameAndSearchSessions(t *testing.T) {
	f := newFixture(t, "")
	f.llm.Enqueue(llmtest.Text("Tomatoes go in after the frost."), llmtest.Text("Use a 12 mm drill."))
	_, body := f.do("POST", "/api/chat", `{"message":"When do I plant tomatoes?"}`)
	garden := decode(t, body)["session_id"].(string)
	_, body = f.do("POST", "/api/chat", `{"message":"Which drill for the shelf?"}`)
	shelf := decode(t, body)["session_id"].(string)

	code, body := f.do("PATCH", "/api/sessions/"+garden, `{"title":"Vegetable <b>garden</b>\nplans"}`)
	if code != 200 || decode(t, body)["title"] != "Vegetable <b>garden</b> plans" {
		t.Fatalf("rename: %d %s", code, body)
	}
	if _, body = f.do("GET", "/api/sessions", ""); !strings.Contains(string(body), `"title":"Vegetable \u003cb\u003egarden\u003c/b\u003e plans"`) &&
		!strings.Contains(string(body), `"title":"Vegetable <b>garden</b> plans"`) {
		t.Fatalf("the list does not show the title: %s", body)
	}

	type hit struct {
		ID, Title, Line string
		Message         int
	}
	search := func(q string) []hit {
		t.Helper()
		code, body := f.do("GET", "/api/sessions/search?q="+q, "")
		var r struct {
			Results []hit
			Total   int
		}
		if code != 200 || json.Unmarshal(body, &r) != nil || r.Total != len(r.Results) {
			t.Fatalf("search %s: %d %s", q, code, body)
		}
		return r.Results
	}
	if h := search("vegetable"); len(h) != 1 || h[0].ID != garden || h[0].Message != -1 {
		t.Fatalf("title search: %+v", h)
	}
	if h := search("FROST"); len(h) != 1 || h[0].ID != garden || h[0].Message != 1 || h[0].Title != "Vegetable <b>garden</b> plans" {
		t.Fatalf("content search: %+v", h)
	}
	// Newest first; renaming does not make a session newer.
	if h := search("the"); len(h) != 2 || h[0].ID != shelf || h[1].ID != garden {
		t.Fatalf("newest first: %+v", h)
	}
	if h := search("zucchini"); len(h) != 0 {
		t.Fatalf("no match: %+v", h)
	}
	if code, body = f.do("PATCH", "/api/sessions/"+garden, `{"title":""}`); code != 200 || decode(t, body)["title"] != "When do I plant tomatoes?" {
		t.Fatalf("rename back: %d %s", code, body)
	}

	for _, tt := range []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"no title", "PATCH", "/api/sessions/" + garden, `{}`, 400, codeInvalid},
		{"title not a string", "PATCH", "/api/sessions/" + garden, `{"title":3}`, 400, codeInvalid},
		{"unknown session", "PATCH", "/api/sessions/20990101-000000-zzzz", `{"title":"x"}`, 404, codeNotFound},
		{"ambiguous prefix", "PATCH", "/api/sessions/2", `{"title":"x"}`, 400, codeInvalid},
		{"search without q", "GET", "/api/sessions/search", ``, 400, codeInvalid},
		{"search blank q", "GET", "/api/sessions/search?q=+", ``, 400, codeInvalid},
		{"search bad limit", "GET", "/api/sessions/search?q=a&limit=0", ``, 400, codeInvalid},
		{"put", "PUT", "/api/sessions/" + garden, `{}`, 405, codeMethodNotAllowed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if code, body := f.do(tt.method, tt.path, tt.body); code != tt.status || errorCode(t, body) != tt.code {
				t.Fatalf("%d %s", code, body)
			}
		})
	}
}

// TestMemoryFile: the page reads a note of the workspace to show it at the
// lines a search found, and nothing outside the workspace, however the
// path is spelled; today's log is named whether it exists or not.
func TestMemoryFile(t *testing.T) {
	f := newFixture(t, "")
	note := "# Garden\n\nRoses need pruning in March.\n"
	if err := os.MkdirAll(filepath.Join(f.paths.Workspace, "notes"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.paths.Workspace, "notes", "garden.md"), []byte(note), 0o600); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(t.TempDir(), "private.md")
	if err := os.WriteFile(outside, []byte("private"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(f.paths.Workspace, "link.md")); err != nil {
		t.Fatal(err)
	}
	code, body := f.do("GET", "/api/memory/file?path=notes/garden.md", "")
	if code != 200 || decode(t, body)["content"] != note || decode(t, body)["path"] != "notes/garden.md" {
		t.Fatalf("read: %d %s", code, body)
	}
	for _, p := range []string{"../config.toml", "notes/../../config.toml", f.paths.ConfigFile, "link.md", "nope.md", "notes"} {
		code, body := f.do("GET", "/api/memory/file?path="+p, "")
		if code != 404 || errorCode(t, body) != codeNotFound || strings.Contains(string(body), "private") || strings.Contains(string(body), "[providers") {
			t.Errorf("%s: %d %s", p, code, body)
		}
	}
	if code, body := f.do("GET", "/api/memory/file", ""); code != 400 || errorCode(t, body) != codeInvalid {
		t.Fatalf("no path: %d %s", code, body)
	}

	today := func() map[string]any {
		code, body := f.do("GET", "/api/memory/today", "")
		if code != 200 {
			t.Fatalf("today: %d %s", code, body)
		}
		return decode(t, body)
	}
	got := today()
	p, _ := got["path"].(string)
	if !strings.HasPrefix(p, "memory/") || !strings.HasSuffix(p, ".md") || got["exists"] != false {
		t.Fatalf("today: %v", got)
	}
	if err := os.WriteFile(filepath.Join(f.paths.Workspace, filepath.FromSlash(p)), []byte("# Today\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got = today(); got["exists"] != true {
		t.Fatalf("today after writing it: %v", got)
	}
}
