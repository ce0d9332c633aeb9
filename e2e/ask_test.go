//go:build e2e

package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/e2e/gguf/scripted"
)

// providers are the three ways localgpt reaches the one Ollama server.
var providers = []string{"ollama", "openai", "anthropic"}

func modelFor(provider string) string { return provider + "/" + the.model }

func TestAskPlain(t *testing.T) {
	h := newHome(t, the.url)
	want := scripted.Plain.Text()
	// The same conversation renders to the same prompt whatever the
	// protocol, so every adapter must report the same prompt tokens (the
	// Anthropic one must not keep message_start's estimate).
	prompt := map[string]int{}
	for _, p := range providers {
		t.Run(p, func(t *testing.T) {
			r := h.run("ask", "-m", modelFor(p), "hello")
			if r.code != 0 || strings.TrimSpace(r.stdout) != want {
				failWithLog(t, "ask printed something else than %q:\n%s", want, r)
			}
			out, r := h.askJSON(modelFor(p), "hello")
			if out.Response != want || out.Model != modelFor(p) || out.StopReason != "end" || len(out.ToolsUsed) != 0 {
				t.Fatalf("ask --json = %+v, want response %q from %s, stop reason end and no tools\n%s", out, want, modelFor(p), r)
			}
			// One token per piece, plus the end-of-sequence token.
			if out.Tokens.Completion != len(scripted.Plain.Pieces)+1 || out.Tokens.Prompt <= 0 ||
				out.Tokens.Total != out.Tokens.Prompt+out.Tokens.Completion {
				t.Fatalf("tokens = %+v, want %d completion tokens and a positive prompt\n%s", out.Tokens, len(scripted.Plain.Pieces)+1, r)
			}
			prompt[p] = out.Tokens.Prompt
		})
	}
	if prompt["openai"] != prompt["ollama"] || prompt["anthropic"] != prompt["ollama"] {
		t.Errorf("prompt tokens differ between the protocols: %v", prompt)
	}
}

// TestToolLoop: the model calls write_file, localgpt writes the file into
// the workspace and sends the result back, the model answers.
func TestToolLoop(t *testing.T) {
	wantArgs := map[string]string{"path": scripted.NotePath, "content": scripted.NoteContent}
	for _, p := range providers {
		t.Run(p, func(t *testing.T) {
			h := newHome(t, the.url)
			r := h.run("ask", "-m", modelFor(p), scripted.AskWrite)
			if r.code != 0 || strings.TrimSpace(r.stdout) != scripted.Final.Text() {
				failWithLog(t, "ask %q did not print the final answer %q:\n%s", scripted.AskWrite, scripted.Final.Text(), r)
			}
			if !strings.Contains(r.stderr, "write_file") {
				t.Errorf("stderr does not show the tool call:\n%s", r)
			}
			got, err := os.ReadFile(h.workspace(scripted.NotePath))
			if err != nil || string(got) != scripted.NoteContent {
				t.Fatalf("workspace/%s = %q, %v; want %q", scripted.NotePath, got, err, scripted.NoteContent)
			}
			if err := os.Remove(h.workspace(scripted.NotePath)); err != nil {
				t.Fatal(err)
			}

			out, r := h.askJSON(modelFor(p), scripted.AskWrite)
			if out.Response != scripted.Final.Text() || out.StopReason != "end" || len(out.ToolsUsed) != 1 || out.ToolsUsed[0].Name != "write_file" {
				t.Fatalf("ask --json = %+v\n%s", out, r)
			}
			var args map[string]string
			if err := json.Unmarshal(out.ToolsUsed[0].Arguments, &args); err != nil || !reflect.DeepEqual(args, wantArgs) {
				t.Fatalf("write_file arguments = %s, want %v", out.ToolsUsed[0].Arguments, wantArgs)
			}
			if got, err := os.ReadFile(h.workspace(scripted.NotePath)); err != nil || string(got) != scripted.NoteContent {
				t.Fatalf("after ask --json, workspace/%s = %q, %v", scripted.NotePath, got, err)
			}
		})
	}
}

// streamTimeout bounds one run of TestStreaming before localgpt gets
// SIGQUIT (see home.command).
const streamTimeout = time.Minute

// TestStreaming reads the first words of a long reply while localgpt is
// still running and still generating: they were printed before the model
// finished. The reply is bounded by agent.max_tokens and ends on its own.
// (Interrupting it instead would prove the same, but Ollama v0.17.4's
// runner sometimes hangs on the request after a client-aborted stream.)
func TestStreaming(t *testing.T) {
	const limit = 600 // tokens: long enough to be watched mid-way
	h := newHome(t, the.url)
	if r := h.run("config", "set", "agent.max_tokens", fmt.Sprint(limit)); r.code != 0 {
		t.Fatalf("config set: %s", r)
	}
	want := strings.Repeat(scripted.Loop.Text(), 3)
	for _, p := range providers {
		t.Run(p, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), streamTimeout)
			defer cancel()
			cmd := h.command(ctx, "ask", "-m", modelFor(p), scripted.AskLoop)
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(stdout)
			seen, err := readUntil(br, want)
			if err != nil {
				cmd.Process.Kill()
				cmd.Wait()
				failWithLog(t, "the stream ended before %q: %v; printed %q; stderr:\n%s", want, err, seen, stderr.String())
			}
			running := processRunning(cmd.Process.Pid) // not yet exited, not a zombie
			rest, _ := io.ReadAll(br)
			if err := cmd.Wait(); err != nil {
				failWithLog(t, "localgpt ended with %v\nstderr:\n%s", err, stderr.String())
			}
			if !running {
				t.Fatalf("localgpt had already finished when its first words were read: the answer was not streamed")
			}
			printed := strings.TrimSpace(seen + string(rest))
			if !isLoop(printed) || len(strings.Fields(printed)) != limit || len(rest) == 0 {
				t.Fatalf("printed %d words (%q first, %d bytes after), want %d looping words in two parts", len(strings.Fields(printed)), seen, len(rest), limit)
			}
		})
	}
}

// processRunning reports whether pid is alive and not a zombie waiting to
// be reaped (kill -0 succeeds for zombies, so /proc is asked).
func processRunning(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z"
}

// isLoop reports whether s is the Loop script's words, "la li la …", in
// order and complete: no word lost, none repeated.
func isLoop(s string) bool {
	words := strings.Fields(s)
	for i, w := range words {
		if w != strings.TrimSpace(scripted.Loop.Pieces[i%len(scripted.Loop.Pieces)]) {
			return false
		}
	}
	return len(words) > 0
}

// readUntil reads r until what it has read contains want.
func readUntil(r *bufio.Reader, want string) (string, error) {
	var b strings.Builder
	for !strings.Contains(b.String(), want) {
		c, err := r.ReadByte()
		if err != nil {
			return b.String(), err
		}
		b.WriteByte(c)
	}
	return b.String(), nil
}

// TestMaxTokensStop: a reply that never ends is cut by agent.max_tokens;
// localgpt ends cleanly, prints what came, reports the stop reason
// "length" and says on stderr that the answer was cut off. The bound
// reaches the server through each protocol (num_predict, max_tokens).
func TestMaxTokensStop(t *testing.T) {
	const limit = 40
	h := newHome(t, the.url)
	if r := h.run("config", "set", "agent.max_tokens", fmt.Sprint(limit)); r.code != 0 {
		t.Fatalf("config set: %s", r)
	}
	for _, p := range providers {
		t.Run(p, func(t *testing.T) {
			out, r := h.askJSON(modelFor(p), scripted.AskLoop)
			if out.StopReason != "length" || !strings.Contains(r.stderr, "cut off") {
				failWithLog(t, "stop reason %q; want length, and a note on stderr that the answer was cut off\n%.2000s", out.StopReason, r)
			}
			if out.Tokens.Completion != limit {
				failWithLog(t, "completion tokens = %d, want agent.max_tokens = %d\n%.2000s", out.Tokens.Completion, limit, r)
			}
			if words := strings.Fields(out.Response); len(words) != out.Tokens.Completion || !isLoop(out.Response) {
				t.Fatalf("the response has %d words (want one per token, %d) or is not the loop: %.300q…", len(words), out.Tokens.Completion, out.Response)
			}
		})
	}
}

// TestChat: two turns of `localgpt chat` read from a pipe, the second
// with the first in its history and a tool loop.
func TestChat(t *testing.T) {
	want := scripted.Plain.Text() + "\n" + scripted.Final.Text()
	for _, p := range providers {
		t.Run(p, func(t *testing.T) {
			h := newHome(t, the.url)
			ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
			defer cancel()
			cmd := h.command(ctx, "chat", "-m", modelFor(p))
			cmd.Stdin = strings.NewReader("hello\n" + scripted.AskWrite + "\n")
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil || strings.TrimSpace(stdout.String()) != want {
				failWithLog(t, "chat: %v; stdout %q, want %q; stderr:\n%s", err, stdout.String(), want, stderr.String())
			}
			if got, err := os.ReadFile(h.workspace(scripted.NotePath)); err != nil || string(got) != scripted.NoteContent {
				t.Fatalf("workspace/%s = %q, %v; want %q", scripted.NotePath, got, err, scripted.NoteContent)
			}
		})
	}
}
