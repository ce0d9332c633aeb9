package session

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/secret"
)

var t0 = time.Date(2025, 3, 14, 9, 15, 2, 0, time.UTC)

const header = `{"type":"session","at":"2025-03-14T09:15:02Z","version":1,"id":"s1","model":"openai/m"}` + "\n"

func msgLine(role, text string) string {
	return `{"type":"message","at":"2025-03-14T09:16:00Z","message":{"role":"` + role + `","parts":[{"type":"text","text":"` + text + `"}]}}` + "\n"
}

func TestParse(t *testing.T) {
	full := header + msgLine("user", "hi") + msgLine("assistant", "hello")
	tests := []struct {
		name     string
		data     string
		messages int
		warnings int
		size     int
		err      error
	}{
		{"complete", full, 2, 0, len(full), nil},
		{"torn last line", full + `{"type":"message","at":"2025-03-14T09:1`, 2, 1, len(full), nil},
		{"torn last line after blank", full + "\n" + `{"ty`, 2, 1, len(full) + 1, nil},
		{"corrupt middle line", header + "{not json}\n" + msgLine("user", "hi"), 1, 1, len(header) + 11 + len(msgLine("user", "hi")), nil},
		{"message without message", header + `{"type":"message","at":"2025-03-14T09:16:00Z"}` + "\n", 0, 1, len(header) + 47, nil},
		{"no header", msgLine("user", "hi"), 0, 0, 0, ErrNoHeader},
		{"empty", "", 0, 0, 0, ErrNoHeader},
		{"only a torn header", header[:20], 0, 0, 0, ErrNoHeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := Parse([]byte(tt.data))
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			if len(tr.Messages()) != tt.messages || len(tr.Warnings) != tt.warnings || tr.Size != int64(tt.size) {
				t.Fatalf("messages %d warnings %v size %d; want %d, %d, %d", len(tr.Messages()), tr.Warnings, tr.Size, tt.messages, tt.warnings, tt.size)
			}
			if tr.Header.ID != "s1" || tr.Header.Model != "openai/m" {
				t.Fatalf("header %+v", tr.Header)
			}
		})
	}
}

func TestCreateAppendOpenRoundTrip(t *testing.T) {
	st := NewStore(t.TempDir() + "/sessions")
	s, err := st.Create("openai/m", t0)
	if err != nil {
		t.Fatal(err)
	}
	u := llm.Usage{PromptTokens: 100, CompletionTokens: 5, TotalTokens: 105}
	call := llm.Message{Role: llm.RoleAssistant, Parts: []llm.Part{llm.ToolCallPart(llm.ToolCall{ID: "c1", Name: "read_file", Arguments: []byte(`{"path":"a"}`)})}}
	msgs := []llm.Message{llm.UserText("read a"), call, llm.ToolResults(llm.ToolResult{CallID: "c1", Name: "read_file", Content: "A <b> & \"q\""}), llm.AssistantText("it says A")}
	var entries []Entry
	for i := range msgs {
		entries = append(entries, Entry{Type: TypeMessage, At: t0, Message: &msgs[i]})
	}
	entries[3].Usage, entries[3].ContextTokens = &u, 100
	if err := s.AppendTurn(t0, TurnAnswered, "", entries...); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// A crash in the middle of the next append leaves a torn line.
	f, _ := os.OpenFile(s.Path(), os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(`{"type":"message","at":"2025-03-14T09:1`)
	f.Close()

	s2, err := st.Open(s.ID()[:10])
	if err != nil {
		t.Fatal(err)
	}
	tr := s2.Transcript()
	if len(tr.Warnings) != 1 || !strings.Contains(tr.Warnings[0], "incomplete last line") {
		t.Fatalf("warnings %v", tr.Warnings)
	}
	if got := tr.Messages(); len(got) != 4 || got[2].Parts[0].ToolResult.Content != "A <b> & \"q\"" || got[1].ToolCalls()[0].Name != "read_file" {
		t.Fatalf("messages %+v", got)
	}
	if tr.LastContextTokens() != 100 || tr.Title() != "read a" {
		t.Fatalf("context %d title %q", tr.LastContextTokens(), tr.Title())
	}
	more := llm.UserText("next")
	if err := s2.AppendTurn(t0, TurnCancelled, "", Entry{Type: TypeMessage, At: t0, Message: &more}); err != nil {
		t.Fatal(err)
	}
	s2.Close()
	tr3, err := st.Load(s.ID())
	if err != nil {
		t.Fatal(err)
	}
	if len(tr3.Warnings) != 0 || len(tr3.Messages()) != 5 || tr3.Messages()[4].Text() != "next" {
		t.Fatalf("after appending past a torn line: warnings %v, %d messages", tr3.Warnings, len(tr3.Messages()))
	}
	if err := s2.Append(Entry{Type: TypeMessage, At: t0, Message: &more}); err == nil {
		t.Fatal("append to a closed session succeeded")
	}
}

func TestStoreResolveListSearchDelete(t *testing.T) {
	st := NewStore(t.TempDir())
	if _, err := st.Latest(); !errors.Is(err, ErrNotFound) {
		t.Fatalf("latest of an empty store: %v", err)
	}
	mk := func(at time.Time, texts ...string) string {
		s, err := st.Create("ollama/llama3.2", at)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		var turn []Entry
		for i, x := range texts {
			m := llm.UserText(x)
			if i%2 == 1 {
				m = llm.AssistantText(x)
			}
			turn = append(turn, Entry{Type: TypeMessage, At: at.Add(time.Duration(i) * time.Minute), Message: &m})
		}
		if err := s.AppendTurn(at.Add(time.Duration(len(texts)-1)*time.Minute), TurnAnswered, "", turn...); err != nil {
			t.Fatal(err)
		}
		return s.ID()
	}
	a := mk(t0, "Plan the garden\nwith tomatoes", "Plant TOMATOES in May.")
	b := mk(t0.Add(time.Hour), "What is Go?", "A language.")
	os.WriteFile(st.Dir+"/notes.txt", []byte("not a session"), 0o644)
	os.WriteFile(st.Dir+"/broken.jsonl", []byte("garbage\n"), 0o644)
	// A process killed in Create, between making the file and writing its
	// header, leaves it empty: not a session, not a corrupt one either.
	os.WriteFile(st.Dir+"/20991231-235959-dead.jsonl", nil, 0o600)

	tests := []struct {
		in, want, err string
	}{
		{a, a, ""},
		{a[:17], a, ""},
		{"2025", "", "ambiguous"},
		{"nope", "", "no such session"},
		{"../etc/passwd", "", "no such session"},
	}
	for _, tt := range tests {
		got, err := st.Resolve(tt.in)
		if got != tt.want || (err == nil) != (tt.err == "") || err != nil && !strings.Contains(err.Error(), tt.err) {
			t.Errorf("Resolve(%q) = %q, %v; want %q, %q", tt.in, got, err, tt.want, tt.err)
		}
	}
	infos, err := st.List()
	if err != nil || len(infos) != 3 || infos[0].ID != "broken" || !strings.Contains(infos[0].Error, "not a session header") ||
		infos[1].ID != b || infos[2].Title != "Plan the garden" || infos[2].Messages != 2 || infos[2].Model != "ollama/llama3.2" || infos[2].Error != "" {
		t.Fatalf("list: %v %+v", err, infos)
	}
	// The corrupt file is the newest, but --resume skips it.
	if latest, err := st.Latest(); err != nil || latest != b {
		t.Fatalf("latest = %q, %v; want %s", latest, err, b)
	}
	hits, err := st.Search(context.Background(), "tomatoes", 0)
	if err != nil || len(hits) != 2 || hits[0].ID != a || hits[0].Line != "with tomatoes" || hits[1].Line != "Plant TOMATOES in May." || hits[1].Role != llm.RoleAssistant {
		t.Fatalf("search: %v %+v", err, hits)
	}
	if hits, _ := st.Search(context.Background(), "tomatoes", 1); len(hits) != 1 {
		t.Fatalf("limit: %+v", hits)
	}
	if hits, _ := st.Search(context.Background(), "  ", 0); hits != nil {
		t.Fatalf("blank query: %+v", hits)
	}
	in, err := st.Delete(a[:17])
	if err != nil || in.ID != a || in.Messages != 2 {
		t.Fatalf("delete: %v %+v", err, in)
	}
	if _, err := os.Stat(st.Path(a)); !os.IsNotExist(err) {
		t.Fatal("file still there")
	}
	if _, err := st.Load(a); !errors.Is(err, ErrNotFound) {
		t.Fatalf("load deleted: %v", err)
	}
}

func TestPlanCut(t *testing.T) {
	u := func(s string) llm.Message { return llm.UserText(s) }
	as := func(s string) llm.Message { return llm.AssistantText(s) }
	call := llm.Message{Role: llm.RoleAssistant, Parts: []llm.Part{llm.ToolCallPart(llm.ToolCall{ID: "1", Name: "bash", Arguments: []byte(`{}`)})}}
	res := llm.ToolResults(llm.ToolResult{CallID: "1", Name: "bash", Content: strings.Repeat("x", 400)})
	big := strings.Repeat("y", 400) // 100 tokens
	tests := []struct {
		name string
		msgs []llm.Message
		keep int
		cut  int
		ok   bool
	}{
		{"empty", nil, 100, 0, false},
		{"one turn is summarised whole", []llm.Message{u("a"), as("b")}, 1000, 2, true},
		{"keeps the turns that fit", []llm.Message{u(big), as(big), u("c"), as("d"), u("e"), as("f")}, 30, 2, true},
		{"keeps only the last turn", []llm.Message{u("a"), as("b"), u("c"), as("d"), u("e"), as("f")}, 12, 4, true},
		{"nothing fits: everything summarised", []llm.Message{u("a"), as(big), u("c"), as(big)}, 10, 4, true},
		// The tool result alone fits the budget, but the cut may not
		// fall between the call and its result.
		{"never between a call and its result", []llm.Message{u("a"), as("b"), u("c"), call, res, as("done")}, 120, 6, true},
		{"call and result kept together", []llm.Message{u("a"), as("b"), u("c"), call, res, as("done")}, 200, 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cut, ok := PlanCut(tt.msgs, tt.keep)
			if cut != tt.cut || ok != tt.ok {
				t.Fatalf("PlanCut = %d, %v; want %d, %v", cut, ok, tt.cut, tt.ok)
			}
			if ok && cut < len(tt.msgs) && tt.msgs[cut].Role != llm.RoleUser {
				t.Fatalf("cut at a %s message", tt.msgs[cut].Role)
			}
		})
	}
}

// TestSessionIsLockedWhileOpen: a second writer of the same session is
// refused while the first keeps it open, and admitted after it closes.
func TestSessionIsLockedWhileOpen(t *testing.T) {
	st := NewStore(t.TempDir())
	first, err := st.Create("m", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Open(first.ID()); !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), "start a new session") {
		t.Fatalf("second writer: %v", err)
	}
	if _, err := st.Load(first.ID()); err != nil {
		t.Fatalf("reading must stay possible: %v", err)
	}
	first.Close()
	again, err := st.Open(first.ID())
	if err != nil {
		t.Fatalf("after close: %v", err)
	}
	again.Close()
}

// TestSecretsMaskedInSessionFiles: a key pasted by the user, echoed in a
// tool's error and in tool arguments never reaches the session file, and
// the masked file still loads.
func TestSecretsMaskedInSessionFiles(t *testing.T) {
	const key = "sk-ant-api03-Hk4jG7fD2sA9qW5eR8tYxx0"
	st := NewStore(t.TempDir() + "/sessions")
	st.Secrets = secret.New(key)
	s, err := st.Create("openai/m", t0)
	if err != nil {
		t.Fatal(err)
	}
	call := llm.Message{Role: llm.RoleAssistant, Parts: []llm.Part{llm.ToolCallPart(llm.ToolCall{ID: "c1", Name: "web_fetch",
		Arguments: []byte(`{"url":"https://x.example/?k=` + key + `"}`)})}}
	msgs := []llm.Message{llm.UserText("my key is " + key), call,
		llm.ToolResults(llm.ToolResult{CallID: "c1", Name: "web_fetch", Content: "Error: 401 \"bad key «" + key + "»\"", IsError: true}),
		llm.AssistantText("noted")}
	var turn []Entry
	for i := range msgs {
		turn = append(turn, Entry{Type: TypeMessage, At: t0, Message: &msgs[i]})
	}
	if err := s.AppendTurn(t0, TurnFailed, "provider said: bad key "+key, turn...); err != nil {
		t.Fatal(err)
	}
	s.Close()
	data, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), key) || strings.Contains(string(data), "Hk4jG7fD2sA9qW5eR8tY") {
		t.Fatalf("the session file holds the key:\n%s", data)
	}
	tr, err := st.Load(s.ID())
	if err != nil || len(tr.Warnings) != 0 || len(tr.Messages()) != 4 {
		t.Fatalf("masked file does not load cleanly: %v %v", err, tr)
	}
	if got := tr.Messages()[0].Text(); got != "my key is "+secret.Display(key) {
		t.Fatalf("user message %q", got)
	}
}
