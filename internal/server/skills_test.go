package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
)

// TestChatWithSkill runs a turn with a skill's instructions loaded through
// /api/chat and /api/chat/stream; an unknown skill is a 400 that lists the
// skills, before anything reaches the model.
func TestChatWithSkill(t *testing.T) {
	f := newFixture(t, "")
	dir := filepath.Join(f.paths.Workspace, "skills", "haiku")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "SKILL.md"), []byte("---\nname: haiku\ndescription: Answer in a haiku. Use when asked for a poem.\n---\nAlways answer in 5-7-5 syllables.\n"), 0o600)
	f.llm.Enqueue(llmtest.Text("Autumn moonlight shines"), llmtest.Text("Streamed haiku"))

	code, body := f.do("POST", "/api/chat", `{"message":"about the sea","skill":"haiku"}`)
	if code != 200 || !strings.Contains(string(body), "Autumn moonlight") {
		t.Fatalf("%d %s", code, body)
	}
	sent := string(f.llm.Last(t, "/v1/chat/completions").Body)
	for _, want := range []string{"5-7-5 syllables", "Request: about the sea", `Use the skill \"haiku\"`, "haiku: Answer in a haiku."} {
		if !strings.Contains(sent, want) {
			t.Errorf("the request lacks %q:\n%s", want, sent)
		}
	}
	code, body = f.do("POST", "/api/chat/stream", `{"skill":"haiku"}`)
	if code != 200 || !strings.Contains(string(body), "Streamed haiku") {
		t.Fatalf("stream: %d %s", code, body)
	}
	if sent := string(f.llm.Last(t, "/v1/chat/completions").Body); !strings.Contains(sent, "follow the skill's instructions") {
		t.Fatalf("a skill without a message: %s", sent)
	}
	calls := len(f.llm.Calls("/v1/chat/completions"))
	for _, req := range []string{`{"message":"x","skill":"sonnet"}`, `{"skill":"../haiku"}`} {
		code, body = f.do("POST", "/api/chat", req)
		if code != 400 || !strings.Contains(string(body), `the skills are: haiku`) {
			t.Fatalf("%s: %d %s", req, code, body)
		}
	}
	if n := len(f.llm.Calls("/v1/chat/completions")); n != calls {
		t.Fatal("an unknown skill reached the model")
	}
}
