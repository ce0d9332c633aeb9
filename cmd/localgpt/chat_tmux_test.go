package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
	"github.com/localgpt-go/localgpt/internal/testbin"
)

// screen is the built localgpt running in a tmux pane of its own tmux
// server (a private socket), driven with send-keys and read with
// capture-pane, as a person at a terminal would use it. scripts/test
// installs tmux; without it these tests fail.
type screen struct {
	t      *testing.T
	socket string
}

func startScreen(t *testing.T, home string, args ...string) *screen {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatalf("tmux is not installed (apt-get install tmux; scripts/test does): %v", err)
	}
	s := &screen{t: t, socket: fmt.Sprintf("localgpt-test-%d-%d", os.Getpid(), time.Now().UnixNano())}
	cmd := append([]string{"env", "-i"}, testbin.Env(home)...)
	cmd = append(cmd, "TERM=xterm-256color", binary)
	cmd = append(cmd, args...)
	s.tmux(append([]string{"new-session", "-d", "-s", "lg", "-x", "100", "-y", "40"}, cmd...)...)
	s.tmux("set-option", "-t", "lg", "remain-on-exit", "on")
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", s.socket, "kill-server").Run() })
	return s
}

func (s *screen) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// keys sends tmux key names (Enter, C-c, M-Enter); text types text as it is.
func (s *screen) keys(keys ...string) { s.tmux(append([]string{"send-keys", "-t", "lg"}, keys...)...) }
func (s *screen) text(text string)    { s.tmux("send-keys", "-t", "lg", "-l", text) }

// paste pastes text the way a terminal does: bracketed, since chat asks for it.
func (s *screen) paste(text string) {
	s.tmux("set-buffer", "-b", "clip", text)
	s.tmux("paste-buffer", "-p", "-d", "-b", "clip", "-t", "lg")
}

// prompt waits for the chat's empty prompt, ready for keys: a person
// types when they see it.
func (s *screen) prompt() {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := strings.TrimRight(s.capture(), "\n ")
		if i := strings.LastIndexByte(got, '\n'); strings.TrimSpace(got[i+1:]) == "›" {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the prompt never came back:\n%s", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// exited waits for localgpt to exit, and fails with the screen when it
// does not within 30 s.
func (s *screen) exited() {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for strings.TrimSpace(s.tmux("display-message", "-p", "-t", "lg", "#{pane_dead}")) != "1" {
		if time.Now().After(deadline) {
			s.t.Fatalf("localgpt did not exit:\n%s", s.capture())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *screen) capture() string { return s.tmux("capture-pane", "-p", "-t", "lg", "-S", "-200") }

// wait waits until the screen shows want, and fails with the screen when
// it does not within 30 s.
func (s *screen) wait(want string) string {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second) // generous: CI machines are loaded
	for {
		got := s.capture()
		if strings.Contains(got, want) {
			return got
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the screen never showed %q:\n%s", want, got)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// chatHome is a home whose model is served by a fake OpenAI server.
func chatHome(t *testing.T) (string, *llmtest.Server) {
	t.Helper()
	srv := llmtest.NewOpenAI(t)
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(llmtest.OpenAIConfig(srv.URL)), 0o600); err != nil {
		t.Fatal(err)
	}
	return home, srv
}

// lastUser is the last user message of model call i.
func lastUser(t *testing.T, srv *llmtest.Server, i int) string {
	t.Helper()
	calls := srv.Calls("/v1/chat/completions")
	if len(calls) <= i {
		t.Fatalf("%d model calls, want more than %d", len(calls), i)
	}
	msgs := calls[i].JSON(t)["messages"].([]any)
	for j := len(msgs) - 1; j >= 0; j-- {
		if m := msgs[j].(map[string]any); m["role"] == "user" {
			return m["content"].(string)
		}
	}
	t.Fatalf("call %d has no user message", i)
	return ""
}

// TestChatTerminalInput: a paste of three lines is one message,
// Alt-Enter and a """ block make multi-line messages, Ctrl-C clears a
// typed line and on an empty line says how to leave.
func TestChatTerminalInput(t *testing.T) {
	home, srv := chatHome(t)
	srv.Enqueue(llmtest.Text("Pasted answer."), llmtest.Text("Alt answer."), llmtest.Text("Block answer."), llmtest.Text("Clean answer."))
	s := startScreen(t, home, "chat", "--no-tools")
	s.wait("/help for commands")
	s.prompt()
	s.paste("first pasted line\nsecond pasted line\nthird pasted line")
	s.wait("third pasted line")
	s.keys("Enter")
	s.wait("Pasted answer.")
	s.prompt()
	if got := lastUser(t, srv, 0); got != "first pasted line\nsecond pasted line\nthird pasted line" {
		t.Fatalf("the paste was sent as %q", got)
	}

	s.text("line one")
	s.keys("M-Enter")
	s.text("line two")
	s.keys("Enter")
	s.wait("Alt answer.")
	s.prompt()
	if got := lastUser(t, srv, 1); got != "line one\nline two" {
		t.Fatalf("Alt-Enter message sent as %q", got)
	}

	for _, l := range []string{`"""`, "block one", "block two", `"""`} {
		s.text(l)
		s.keys("Enter")
	}
	s.wait("Block answer.")
	s.prompt()
	if got := lastUser(t, srv, 2); got != "block one\nblock two" {
		t.Fatalf("the block was sent as %q", got)
	}

	s.text("half-typed mistake")
	s.keys("C-c")
	s.text("the real question")
	s.keys("Enter")
	s.wait("Clean answer.")
	s.prompt()
	if got := lastUser(t, srv, 3); got != "the real question" {
		t.Fatalf("after Ctrl-C the message was %q", got)
	}
	if n := len(srv.Calls("/v1/chat/completions")); n != 4 {
		t.Fatalf("%d model calls, want 4 (one per message)", n)
	}

	s.keys("C-c")
	s.wait("to leave the chat, press Ctrl-D or type /quit")
	s.text("/quit")
	s.keys("Enter")
	s.exited()
}

// TestChatResumeShowsLastExchange: --resume shows where the conversation
// stopped before the prompt.
func TestChatResumeShowsLastExchange(t *testing.T) {
	home, srv := chatHome(t)
	srv.Enqueue(llmtest.Text("Paris is the capital of France."))
	cmd := testbin.Command(binary, home, "chat", "--no-tools")
	cmd.Stdin = strings.NewReader("What is the capital of France?\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("first chat: %v\n%s", err, out)
	}
	s := startScreen(t, home, "chat", "--resume", "--no-tools")
	s.wait("/help for commands")
	s.prompt()
	got := s.capture()
	for _, want := range []string{"Where you left off:", "› What is the capital of France?", "Paris is the capital of France."} {
		if !strings.Contains(got, want) {
			t.Fatalf("the screen lacks %q:\n%s", want, got)
		}
	}
	s.keys("C-d")
	s.exited()
}

// TestChatOffersSetup: when the default model's provider does not
// answer, chat says why and offers setup; declining leaves with the error.
func TestChatOffersSetup(t *testing.T) {
	down := llmtest.NewOllama(t)
	down.Close()
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(fmt.Sprintf("[providers.ollama]\nendpoint = %q\n", down.URL)), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startScreen(t, home, "chat")
	got := s.wait("(localgpt setup)? [Y/n]")
	if !strings.Contains(got, "Ollama is not running at "+down.URL) || !strings.Contains(got, "openai/NAME") {
		t.Fatalf("the reason is not shown:\n%s", got)
	}
	s.text("n")
	s.keys("Enter")
	s.exited()
}

// TestChatCtrlCAtApprovalPrompt: the model asks for three commands at
// once; Ctrl-C at the first approval prompt cancels the turn, and the two
// calls waiting behind it are refused without prompts of their own (the
// gate used to ignore the cancelled turn and ask again for each). Then a
// write into .git is asked about with its reason, and "y" lets it through.
func TestChatCtrlCAtApprovalPrompt(t *testing.T) {
	home, srv := chatHome(t)
	ws := filepath.Join(home, "workspace")
	bash := func(id, marker string) llmtest.Call {
		return llmtest.Call{ID: id, Name: "bash", Args: fmt.Sprintf(`{"command":"touch %s"}`, filepath.Join(ws, marker))}
	}
	srv.Enqueue(
		llmtest.ToolCalls(bash("b1", "one"), bash("b2", "two"), bash("b3", "three")),
		llmtest.ToolCalls(llmtest.Call{ID: "g", Name: "write_file", Args: `{"path":".git/config","content":"[core]\n"}`}),
		llmtest.Text("Wrote it."),
	)
	s := startScreen(t, home, "chat")
	s.wait("/help for commands")
	s.prompt()
	s.text("run three things")
	s.keys("Enter")
	s.wait("Allow bash: touch")
	s.keys("C-c")
	s.wait("(cancelled)")
	s.prompt()
	// (The first prompt may be drawn again after tool lines print; a
	// prompt for another call would name its file.)
	got := s.capture()
	asked := 0
	for _, m := range []string{"one", "two", "three"} {
		if strings.Contains(got, "workspace/"+m+"?") {
			asked++
		}
	}
	if asked != 1 || strings.Count(got, "the turn was cancelled") != 3 {
		t.Fatalf("asked about %d calls (want 1) after Ctrl-C:\n%s", asked, got)
	}
	for _, m := range []string{"one", "two", "three"} {
		if _, err := os.Stat(filepath.Join(ws, m)); err == nil {
			t.Fatalf("%s ran after Ctrl-C", m)
		}
	}
	// A dot-folder write: the prompt says why; "y" lets it through once.
	s.text("set up git")
	s.keys("Enter")
	s.wait("dot-file or dot-folder")
	if got := s.wait("Allow write_file (the call above)?"); !strings.Contains(got, "│ [core]") {
		t.Fatalf("the text to write is not shown before the prompt:\n%s", got)
	}
	s.text("y")
	s.keys("Enter")
	s.wait("Wrote it.")
	s.prompt()
	if data, err := os.ReadFile(filepath.Join(ws, ".git", "config")); err != nil || string(data) != "[core]\n" {
		t.Fatalf(".git/config after approval: %q %v", data, err)
	}
	s.keys("C-d")
	s.exited()
}

// TestApprovalPromptShowsTheWholeCall (red team): the prompt cut every
// call to one line of 200 characters, so a command could hide its
// payload after harmless text, and a call's newlines were joined, so a
// line of it could pass for the prompt. Now a long or multi-line call is
// shown whole above the prompt, each line behind a bar, and "n" refuses.
func TestApprovalPromptShowsTheWholeCall(t *testing.T) {
	home, srv := chatHome(t)
	ws := filepath.Join(home, "workspace")
	long := "echo 'Tidying the notes index, this only lists files and changes nothing at all' && ls " +
		strings.Repeat("notes/ ", 25) + "> /dev/null; touch " + filepath.Join(ws, "payload-ran")
	fake := "ls\nAllow bash: ls? [y/N/a] y\ntouch " + filepath.Join(ws, "second-ran")
	srv.Enqueue(
		llmtest.ToolCalls(llmtest.Call{ID: "a", Name: "bash", Args: fmt.Sprintf(`{"command":%q}`, long)}),
		llmtest.ToolCalls(llmtest.Call{ID: "b", Name: "bash", Args: fmt.Sprintf(`{"command":%q}`, fake)}),
		llmtest.Text("Nothing ran."),
	)
	s := startScreen(t, home, "chat")
	s.wait("/help for commands")
	s.prompt()
	s.text("tidy up")
	s.keys("Enter")
	got := s.wait("Allow bash (the call above)?")
	if !strings.Contains(got, "payload-ran") {
		t.Fatalf("the end of the long command is not shown:\n%s", got)
	}
	s.text("n")
	s.keys("Enter")
	s.wait("│ Allow bash: ls? [y/N/a] y")
	s.wait("Allow bash (the call above)?")
	s.text("n")
	s.keys("Enter")
	s.wait("Nothing ran.")
	s.prompt()
	for _, f := range []string{"payload-ran", "second-ran"} {
		if _, err := os.Stat(filepath.Join(ws, f)); err == nil {
			t.Fatalf("%s: a refused command ran", f)
		}
	}
	s.keys("C-d")
	s.exited()
}
