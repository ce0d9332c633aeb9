package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
	"github.com/localgpt-go/localgpt/internal/testbin"
)

// evil is what a hostile page, file or model puts in text: an OSC 52
// clipboard write, a screen clear, a C1 CSI and a bidi override. Through
// the sanitizer its printable remains ("]52;c;cm0gLXJmIH4=", "PWNED") are
// shown and nothing acts on the terminal.
const evil = "\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\u009b1mPWNED\u202e"

// neverOnTerminal are the sequences evil holds that must never reach the
// terminal (liner and LocalGPT's colours use other escape sequences).
var neverOnTerminal = []string{"\x1b]52", "\x1b[2J", "\u009b", "\x9b", "\u202e", "\x07"}

// term is a localgpt process whose stdin, stdout and stderr are a real
// pseudo-terminal.
type term struct {
	t    *testing.T
	cmd  *exec.Cmd
	ptmx *os.File
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
}

// startTerm runs localgpt args in home on a new pty (80x24, TERM=xterm),
// with colour unless noColor.
func startTerm(t *testing.T, home string, noColor bool, args ...string) *term {
	t.Helper()
	cmd := testbin.Command(binary, home, args...)
	cmd.Env = append(slicesWithout(cmd.Env, "NO_COLOR=1"), "TERM=xterm")
	if noColor {
		cmd.Env = append(cmd.Env, "NO_COLOR=1")
	}
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 24, Cols: 80})
	if err != nil {
		t.Fatalf("start localgpt on a pty: %v", err)
	}
	tm := &term{t: t, cmd: cmd, ptmx: ptmx, done: make(chan struct{})}
	go func() {
		defer close(tm.done)
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			tm.mu.Lock()
			tm.out.Write(buf[:n])
			tm.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		ptmx.Close()
	})
	return tm
}

func slicesWithout(s []string, drop string) []string {
	var out []string
	for _, v := range s {
		if v != drop {
			out = append(out, v)
		}
	}
	return out
}

// output is everything the terminal got so far.
func (tm *term) output() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.out.String()
}

// expect waits until the output holds s.
func (tm *term) expect(s string) {
	tm.t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(tm.output(), s); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			tm.t.Fatalf("the terminal never showed %q:\n%q", s, tm.output())
		}
	}
}

// send types s.
func (tm *term) send(s string) {
	tm.t.Helper()
	if _, err := io.WriteString(tm.ptmx, s); err != nil {
		tm.t.Fatal(err)
	}
}

// wait waits for the process to exit and returns all it printed.
func (tm *term) wait() string {
	tm.t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- tm.cmd.Wait() }()
	select {
	case <-errc:
	case <-time.After(30 * time.Second):
		tm.t.Fatalf("localgpt did not exit:\n%q", tm.output())
	}
	select {
	case <-tm.done:
	case <-time.After(5 * time.Second):
	}
	return tm.output()
}

// sgr matches LocalGPT's own colours, which checkScreen looks past.
var sgr = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// checkScreen fails if a dangerous sequence reached the terminal, or if
// the sanitized remains of one are missing (the text must still show).
func checkScreen(t *testing.T, name, screen string, remains ...string) {
	t.Helper()
	for _, bad := range neverOnTerminal {
		if strings.Contains(screen, bad) {
			t.Errorf("%s: %q reached the terminal:\n%q", name, bad, screen)
		}
	}
	plain := sgr.ReplaceAllString(screen, "")
	for _, want := range remains {
		if !strings.Contains(plain, want) {
			t.Errorf("%s: the terminal lacks %q:\n%q", name, want, screen)
		}
	}
}

// TestTerminalNeverGetsEscapes replays issue 12's attack 6 through a real
// pty for every command that shows text from a model, a tool, a file, a
// session or a provider: the ⚙/✗ lines of ask and chat (tool names,
// arguments, errors), chat's approval prompt, memory search, show and
// recent, session show and export, models, daemon status and error
// messages. A pipe or a file still gets the text exactly.
func TestTerminalNeverGetsEscapes(t *testing.T) {
	srv := llmtest.NewOpenAI(t)
	home := t.TempDir()
	cfg := llmtest.OpenAIConfig(srv.URL) + "[tools]\nrequire_approval = [\"bash\"]\n"
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ws := filepath.Join(home, "workspace")
	os.MkdirAll(filepath.Join(ws, "memory"), 0o700)
	os.WriteFile(filepath.Join(ws, "evil.md"), []byte("# Heading "+evil+"\n\nThe zebra note "+evil+" ends here.\n"), 0o600)
	os.WriteFile(filepath.Join(ws, "memory", "2026-01-02.md"), []byte("# 2026-01-02\n\n## 10:00\nzebra log "+evil+"\n"), 0o600)
	srv.SetModels(llmtest.Model{Name: "gpt-4o-mini"}, llmtest.Model{Name: "model" + evil})
	// Whole deltas: the fake would otherwise cut the multi-byte characters.
	modelTurn := func() []llmtest.Reply {
		calls := llmtest.ToolCalls(
			llmtest.Call{ID: "1", Name: "tool" + evil, Args: `{}`},
			llmtest.Call{ID: "2", Name: "read_file", Args: `{"path":"missing` + jsonEscape(evil) + `.md"}`},
			llmtest.Call{ID: "3", Name: "memory_search", Args: `{"query":"zebra ` + jsonEscape(evil) + `"}`},
		)
		answer := llmtest.Text("The answer " + evil + " is done.")
		calls.ChunkSize, answer.ChunkSize = 4096, 4096
		return []llmtest.Reply{calls, answer}
	}

	t.Run("ask", func(t *testing.T) {
		srv.Enqueue(modelTurn()...)
		for _, noColor := range []bool{false, true} {
			if noColor {
				srv.Enqueue(modelTurn()...)
			}
			screen := startTerm(t, home, noColor, "ask", "go").wait()
			checkScreen(t, "ask", screen, "⚙ tool]52;c;cm0gLXJmIH4=", "✗ tool]52;c;", "✗ read_file failed", "missing]52;c;",
				"The answer ]52;c;cm0gLXJmIH4=")
		}
	})

	t.Run("chat with an approval prompt", func(t *testing.T) {
		srv.Enqueue(modelTurn()...)
		approval := llmtest.ToolCalls(llmtest.Call{ID: "4", Name: "bash", Args: `{"command":"echo ` + jsonEscape(evil) + `"}`})
		approval.ChunkSize = 4096
		srv.Enqueue(approval, llmtest.Text("Not run."))
		tm := startTerm(t, home, false, "chat")
		tm.expect("› ")
		tm.send("hello\r")
		tm.expect("is done.")
		tm.send("run it\r")
		tm.expect("[y/N/a]")
		tm.send("n\r")
		tm.expect("Not run.")
		tm.send("/memory zebra\r")
		tm.expect("evil.md")
		tm.send("\x04")
		checkScreen(t, "chat", tm.wait(), "Allow bash: echo ]52;c;cm0gLXJmIH4=", "⚙ tool]52;c;", "The answer ]52;c;")
	})

	t.Run("memory, sessions, models, status, errors", func(t *testing.T) {
		sessions, _ := filepath.Glob(filepath.Join(home, "sessions", "*.jsonl")) // beside the index
		if len(sessions) == 0 {
			t.Fatal("the chat saved no session")
		}
		id := strings.TrimSuffix(filepath.Base(sessions[0]), ".jsonl")
		srv.Enqueue(llmtest.HTTPError(400, "upstream said "+evil)) // 400: not retried
		os.WriteFile(filepath.Join(ws, "HEARTBEAT.md"), []byte("## Pending\n- [ ] check "+evil+"\n"), 0o600)
		runBinary(t, home, "daemon", "heartbeat") // fails: its error goes to status
		for _, c := range []struct {
			args    []string
			remains []string
		}{
			{[]string{"memory", "search", "zebra"}, []string{"evil.md", "]52;c;cm0gLXJmIH4="}},
			{[]string{"memory", "show", "evil.md"}, []string{"# Heading ]52;c;cm0gLXJmIH4="}},
			{[]string{"memory", "recent"}, []string{"zebra log ]52;c;"}},
			{[]string{"session", "show", id}, []string{"The answer ]52;c;"}},
			{[]string{"session", "export", id}, []string{"The answer ]52;c;"}},
			{[]string{"session", "search", "answer"}, []string{"The answer ]52;c;"}},
			{[]string{"models"}, []string{"model]52;c;"}},
			{[]string{"daemon", "status"}, []string{"Last error:", "upstream said ]52;c;"}},
			{[]string{"memory", "show", "nope" + evil + ".md"}, []string{"nope]52;c;cm0gLXJmIH4=", "is not a file of the memory workspace"}},
		} {
			for _, noColor := range []bool{false, true} {
				screen := startTerm(t, home, noColor, c.args...).wait()
				checkScreen(t, strings.Join(c.args, " "), screen, c.remains...)
			}
		}
		// Not a terminal: a file or a pipe gets the exact text.
		out, _, code := runBinary(t, home, "memory", "show", "evil.md")
		if code != 0 || !strings.Contains(out, evil) {
			t.Errorf("memory show to a pipe changed the text: %q", out)
		}
		file := filepath.Join(t.TempDir(), "s.md")
		if _, errOut, code := runBinary(t, home, "session", "export", id, "-o", file); code != 0 {
			t.Fatalf("export: %s", errOut)
		}
		if data, _ := os.ReadFile(file); !strings.Contains(string(data), evil) {
			t.Errorf("session export to a file changed the text")
		}
	})
}

// jsonEscape escapes s for a JSON string literal.
func jsonEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteString(`\` + string(r))
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteString(strings.ToLower(strings.TrimLeft(string("0123456789ABCDEF"[r>>4])+string("0123456789ABCDEF"[r&15]), "")))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestStdinFromATerminalSaysHowToEnd: "-" reads the text from standard
// input; typed at a terminal, the command says how to end it instead of
// seeming to hang, and what was typed is used. From a pipe nothing is said.
func TestStdinFromATerminalSaysHowToEnd(t *testing.T) {
	home := t.TempDir()
	if _, errOut, code := runBinary(t, home, "paths"); code != 0 {
		t.Fatal(errOut)
	}
	const hint = "type the text, then press Ctrl-D on a line of its own to end it"
	tm := startTerm(t, home, true, "memory", "add", "-")
	tm.expect(hint)
	tm.send("Bought figs at the market\r\x04")
	tm.wait()
	if code := tm.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, tm.output())
	}
	logs, _ := filepath.Glob(filepath.Join(home, "workspace", "memory", "*.md"))
	if len(logs) != 1 {
		t.Fatalf("%d daily logs", len(logs))
	}
	if data, _ := os.ReadFile(logs[0]); !strings.Contains(string(data), "Bought figs at the market") {
		t.Fatalf("the typed text is not in %s:\n%s", logs[0], data)
	}
	cmd := testbin.Command(binary, home, "memory", "add", "-")
	cmd.Stdin = strings.NewReader("From a pipe\n")
	if out, err := cmd.CombinedOutput(); err != nil || strings.Contains(string(out), "Ctrl-D") {
		t.Errorf("through a pipe: %v\n%s", err, out)
	}
}
