//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/e2e/gguf/scripted"
)

// sessionID returns the ID of the home's only session.
func sessionID(t *testing.T, h *home) string {
	t.Helper()
	r := h.run("session", "list", "--json")
	var infos []struct {
		ID string `json:"id"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &infos) != nil || len(infos) != 1 {
		t.Fatalf("session list:\n%s", r)
	}
	return infos[0].ID
}

// windowModel creates, once per server, the scripted model with a template
// that renders the system prompt too, so the server counts every byte
// localgpt sends as one token.
func windowModel(t *testing.T) string {
	t.Helper()
	const name = "localgpt-e2e-window"
	var out struct {
		Status string `json:"status"`
	}
	postJSON(t, the.url+"/api/create", map[string]any{"model": name, "from": the.model,
		"template": scripted.WindowTemplate, "stream": false}, &out)
	if out.Status != "success" {
		failWithLog(t, "creating %s: status %q", name, out.Status)
	}
	return name
}

// TestSmallWindowChatGoesOn: a long chat with a model whose byte-level
// vocabulary is four times denser than the estimate, in a window of 1280
// tokens (providers.ollama.num_ctx 4096, lowered to the model's maximum)
// of which the system prompt and the memory context take up to two thirds. After the first answer the estimate
// is calibrated by the server's prompt counts (and the ratio saved for the
// next process); the conversation compacts before it overflows; a message
// too long for the window even with everything summarised is reported and
// the chat goes on; one that fits only once the conversation is compacted
// hard is answered. Nothing ends the chat: exit 0, every other message
// answered.
func TestSmallWindowChatGoesOn(t *testing.T) {
	model := windowModel(t)
	h := newHome(t, the.url)
	// num_ctx 4096 is lowered to the model's maximum, 1280.
	cfg := fmt.Sprintf("[agent]\ndefault_model = \"ollama/%s\"\nreserve_tokens = 100\n[providers.ollama]\nendpoint = %q\nnum_ctx = 4096\n", model, the.url)
	for name, text := range map[string]string{"config.toml": cfg, "workspace/SOUL.md": "Be brief.\n", "workspace/MEMORY.md": "# Memory\n"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(h.dir, name)), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(h.dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	const answer = "Hello from the scripted model."
	var in strings.Builder
	var want []string // the answers, in order; "" for a message that cannot fit
	for i := range 8 {
		fmt.Fprintf(&in, "message %d: %s\n", i, strings.Repeat("a few words. ", 4))
		want = append(want, answer)
	}
	fmt.Fprintf(&in, "too long: %s\n", strings.Repeat("far too many words for this window. ", 40)) // ~1400 tokens
	want = append(want, "")
	in.WriteString("short\n")
	want = append(want, answer)
	// Only once the short turn before it is summarised too (a hard
	// compaction) does this one fit.
	fmt.Fprintf(&in, "long: %s\n", strings.Repeat("many words. ", 18)) // ~220 tokens
	want = append(want, answer)
	for i := range 2 {
		fmt.Fprintf(&in, "after %d: short\n", i)
		want = append(want, answer)
	}
	in.WriteString("/context\n")

	r := h.runInput(in.String(), "chat", "--no-tools")
	if r.code != 0 {
		failWithLog(t, "chat ended with exit %d:\n%s", r.code, r)
	}
	if w := fmt.Sprintf("(window %d − reserve 100)", scripted.AgentContextLength); !strings.Contains(r.stdout, w) {
		t.Errorf("/context does not show num_ctx lowered to the model's maximum, %q:\n%s", w, r.stdout)
	}
	answers := strings.Count(r.stdout, answer)
	if wantN := len(want) - 1; answers != wantN {
		failWithLog(t, "%d answers, want %d:\n%s", answers, wantN, r)
	}
	for _, w := range []string{"conversation compacted", "did not fit the model's context window", "the chat goes on"} {
		if !strings.Contains(r.stderr, w) {
			failWithLog(t, "stderr lacks %q:\n%s", w, r)
		}
	}
	if !strings.Contains(r.stdout, "calibrated: ×") {
		t.Errorf("/context does not show the calibration:\n%s", r.stdout)
	}

	// The session holds a hard compaction: one that kept no earlier message.
	var export struct {
		Entries []struct {
			Type      string `json:"type"`
			FirstKept int    `json:"first_kept"`
		} `json:"entries"`
	}
	ex := h.run("session", "export", "--format", "json", sessionID(t, h))
	if ex.code != 0 || json.Unmarshal([]byte(ex.stdout), &export) != nil {
		t.Fatalf("export:\n%s", ex)
	}
	hard, messages := 0, 0
	for _, e := range export.Entries {
		switch {
		case e.Type == "message":
			messages++
		case e.Type == "compaction" && e.FirstKept == messages:
			hard++
		}
	}
	if hard == 0 {
		t.Errorf("no hard compaction in the session; stderr:\n%s", r.stderr)
	}

	// The ratio the server's counts taught is kept for the next process.
	var saved struct {
		Models map[string]struct{ Ratio float64 } `json:"models"`
	}
	data, err := os.ReadFile(filepath.Join(h.dir, "state", "tokens.json"))
	if err != nil || json.Unmarshal(data, &saved) != nil {
		t.Fatalf("state/tokens.json: %v\n%s", err, data)
	}
	if ratio := saved.Models["ollama/"+model].Ratio; ratio < 2.5 || ratio > 5 {
		t.Fatalf("saved ratio %v for a byte-level vocabulary, want about 4:\n%s", ratio, data)
	}

	// The session resumes in a new process, which starts calibrated.
	r = h.runInput("one more\n/context\n", "chat", "--resume", "--no-tools")
	if r.code != 0 || !strings.Contains(r.stdout, answer) || !strings.Contains(r.stdout, "calibrated: ×") {
		failWithLog(t, "resumed chat:\n%s", r)
	}
	if strings.Contains(r.stderr, "warning") {
		t.Errorf("the session did not load cleanly:\n%s", r.stderr)
	}
}
