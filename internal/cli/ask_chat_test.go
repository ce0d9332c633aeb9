package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
)

// fakeHome returns a LocalGPT home whose default model is served by a fake
// OpenAI server.
func fakeHome(t *testing.T) (string, *llmtest.Server) {
	t.Helper()
	srv := llmtest.NewOpenAI(t)
	home := t.TempDir()
	cfg := llmtest.OpenAIConfig(srv.URL)
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return home, srv
}

func runIn(t *testing.T, home, stdin string, args ...string) result {
	t.Helper()
	return runEnv(t, map[string]string{"LOCALGPT_HOME": home, "NO_COLOR": "1"}, stdin, args...)
}

func lastBody(t *testing.T, srv *llmtest.Server) string {
	t.Helper()
	return string(srv.Last(t, "/v1/chat/completions").Body)
}

func TestAskPlain(t *testing.T) {
	home, srv := fakeHome(t)
	srv.Enqueue(llmtest.Text("Hello from the model."))
	r := runIn(t, home, "", "ask", "say", "hello")
	if r.code != 0 || r.stdout != "Hello from the model.\n" {
		t.Fatalf("%+v", r)
	}
	body := lastBody(t, srv)
	if !strings.Contains(body, `"say hello"`) || !strings.Contains(body, `"model":"gpt-4o-mini"`) {
		t.Fatalf("request: %s", body)
	}
	if !strings.Contains(body, "## Memory") || !strings.Contains(body, `"tools"`) {
		t.Fatalf("request lacks memory context or tools: %s", body)
	}
}

func TestAskFromStdinAndJSON(t *testing.T) {
	home, srv := fakeHome(t)
	srv.Enqueue(llmtest.Reply{Text: "Forty-two.", Usage: llmtest.Usage{Prompt: 120, Completion: 3}})
	r := runIn(t, home, "what is the answer?\n", "ask", "-", "--json")
	if r.code != 0 {
		t.Fatalf("%+v", r)
	}
	var out struct {
		Response  string
		Model     string
		Tokens    struct{ Prompt, Completion, Total int }
		ToolsUsed []any `json:"tools_used"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("%v: %q", err, r.stdout)
	}
	if out.Response != "Forty-two." || out.Model != "openai/gpt-4o-mini" || out.Tokens.Prompt != 120 ||
		out.Tokens.Total != 123 || out.ToolsUsed == nil {
		t.Fatalf("%+v", out)
	}
	if !strings.Contains(lastBody(t, srv), "what is the answer?") {
		t.Fatal("stdin question not sent")
	}
	// --help names every key --json prints.
	var keys map[string]any
	json.Unmarshal([]byte(r.stdout), &keys)
	help := run(t, home, "ask", "--help").stdout
	for k := range keys {
		if !strings.Contains(help, k) {
			t.Errorf("ask --help does not name the JSON key %q", k)
		}
	}
}

func TestAskToolLoopWritesFile(t *testing.T) {
	home, srv := fakeHome(t)
	srv.Enqueue(
		llmtest.ToolCalls(llmtest.Call{ID: "w1", Name: "write_file", Args: `{"path":"notes/todo.md","content":"- buy milk\n"}`}),
		llmtest.Text("Saved your todo."),
	)
	r := runIn(t, home, "", "ask", "--json", "note: buy milk")
	if r.code != 0 {
		t.Fatalf("%+v", r)
	}
	data, err := os.ReadFile(filepath.Join(home, "workspace", "notes", "todo.md"))
	if err != nil || string(data) != "- buy milk\n" {
		t.Fatalf("file: %v %q", err, data)
	}
	if !strings.Contains(r.stdout, `"name": "write_file"`) || !strings.Contains(r.stdout, "Saved your todo.") {
		t.Fatalf("%s", r.stdout)
	}
}

func TestAskShowsToolsOnStderr(t *testing.T) {
	home, srv := fakeHome(t)
	srv.Enqueue(
		llmtest.ToolCalls(llmtest.Call{ID: "r1", Name: "read_file", Args: `{"path":"MEMORY.md"}`}),
		llmtest.Text("Read it."),
	)
	r := runIn(t, home, "", "ask", "read memory")
	if r.code != 0 || r.stdout != "Read it.\n" || !strings.Contains(r.stderr, "⚙ read_file") || !strings.Contains(r.stderr, "✓ read_file") {
		t.Fatalf("%+v", r)
	}
}

func TestAskRefusesApprovalUnlessYes(t *testing.T) {
	home, srv := fakeHome(t)
	marker := filepath.Join(home, "workspace", "ran") // bash writes the workspace only
	call := llmtest.Call{ID: "b1", Name: "bash", Args: `{"command":"touch ` + marker + `"}`}
	srv.Enqueue(llmtest.ToolCalls(call), llmtest.Text("Could not run it."))
	r := runIn(t, home, "", "ask", "touch the file")
	if r.code != 0 {
		t.Fatalf("%+v", r)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("bash ran without approval")
	}
	if body := lastBody(t, srv); !strings.Contains(body, "--yes") {
		t.Fatalf("the model was not told how to allow it: %s", body)
	}
	// The user is told too: the reason whole, without the model's "Error:".
	// (A slow machine adds "after 1ms" to the failure.)
	if !regexp.MustCompile(`✗ bash failed( after \S+)?: bash needs approval`).MatchString(r.stderr) || !strings.Contains(r.stderr, "with `localgpt ask --yes`, or by removing it from tools.require_approval\n") {
		t.Fatalf("the refusal is not shown whole: %s", r.stderr)
	}
	srv.Enqueue(llmtest.ToolCalls(call), llmtest.Text("Done."))
	if r := runIn(t, home, "", "ask", "--yes", "touch the file"); r.code != 0 || r.stdout != "Done.\n" {
		t.Fatalf("%+v", r)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Fatal("bash did not run with --yes")
	}
}

func TestAskNoToolsNoMemory(t *testing.T) {
	home, srv := fakeHome(t)
	srv.Enqueue(llmtest.Text("ok"))
	if r := runIn(t, home, "", "ask", "--no-tools", "--no-memory", "hi"); r.code != 0 {
		t.Fatalf("%+v", r)
	}
	body := lastBody(t, srv)
	if strings.Contains(body, `"tools"`) || strings.Contains(body, "## Memory") {
		t.Fatalf("%s", body)
	}
}

func TestAskErrors(t *testing.T) {
	home, srv := fakeHome(t)
	srv.Enqueue(llmtest.HTTPError(401, "Incorrect API key provided"))
	r := runIn(t, home, "", "ask", "hi")
	if r.code != ExitProvider || !strings.Contains(r.stderr, "401") && !strings.Contains(strings.ToLower(r.stderr), "key") {
		t.Fatalf("auth error: %+v", r)
	}
	if r := runIn(t, home, "  \n", "ask", "-"); r.code != ExitError || !strings.Contains(r.stderr, "question is empty") {
		t.Fatalf("empty question: %+v", r)
	}
	if r := runIn(t, home, "", "ask"); r.code != ExitError {
		t.Fatalf("no args: %+v", r)
	}
	if r := runIn(t, home, "", "-m", "openai/gpt-4o", "-c", filepath.Join(home, "none.toml"), "ask", "hi"); r.code != ExitConfig {
		t.Fatalf("missing config: %+v", r)
	}
}

func TestChatPipedKeepsHistoryAndSlashCommands(t *testing.T) {
	home, srv := fakeHome(t)
	srv.Enqueue(llmtest.Text("Nice to meet you, Ada."), llmtest.Reply{Text: "You are Ada.", Usage: llmtest.Usage{Prompt: 300, Completion: 4}},
		llmtest.Text("It maps names to addresses."))
	os.MkdirAll(filepath.Join(home, "workspace"), 0o755)
	os.WriteFile(filepath.Join(home, "workspace", "garden.md"), []byte("# Garden\nPlant tomatoes in May.\n"), 0o644)
	// A line that starts with a path is a message, not a command.
	in := "my name is Ada\n/help\nwho am I?\n/status\n/memory tomatoes\n/bogus\n/modle x\n/model\n/new\n/etc/hosts holds what?\n/quit\nnever sent\n"
	r := runIn(t, home, in, "chat")
	if r.code != 0 {
		t.Fatalf("%+v", r)
	}
	for _, want := range []string{"Nice to meet you, Ada.\n", "You are Ada.\n", "/memory QUERY", "turns     2",
		"context   300 of 128000", "garden.md:", "openai/gpt-4o-mini", "Started a new conversation."} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, want := range []string{"unknown command /bogus (/help lists the commands)", "unknown command /modle; did you mean /model?"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q: %s", want, r.stderr)
		}
	}
	reqs := srv.Calls("/v1/chat/completions")
	if len(reqs) != 3 || !strings.Contains(string(reqs[1].Body), "Nice to meet you, Ada.") {
		t.Fatalf("%d requests; the second message must be sent with the history", len(reqs))
	}
	if !strings.Contains(string(reqs[2].Body), "/etc/hosts holds what?") {
		t.Fatalf("a message starting with a path was not sent: %s", reqs[2].Body)
	}
}

func TestChatCtrlCCancelsTurnOnly(t *testing.T) {
	home, srv := fakeHome(t)
	srv.Enqueue(llmtest.Reply{Text: "this goes on and on", Hang: true}, llmtest.Text("Second answer."))
	sigs := make(chan os.Signal, 1)
	pr, pw, _ := os.Pipe()
	defer pr.Close()
	go func() {
		pw.WriteString("first\n")
		// press Ctrl-C once the hanging answer has started streaming
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if len(srv.Calls("/v1/chat/completions")) == 1 {
				break
			}
		}
		time.Sleep(100 * time.Millisecond)
		sigs <- os.Interrupt
		pw.WriteString("second\n")
		pw.Close()
	}()
	var out, errOut strings.Builder
	env := map[string]string{"LOCALGPT_HOME": home, "NO_COLOR": "1", "HOME": home}
	code := Main(WithInterrupts(context.Background(), sigs), []string{"chat"}, func(k string) string { return env[k] }, pr, &out, &errOut)
	if code != 0 || !strings.Contains(errOut.String(), "(cancelled)") || !strings.Contains(out.String(), "Second answer.") {
		t.Fatalf("code %d\nstdout %s\nstderr %s", code, out.String(), errOut.String())
	}
	// The cancelled turn is kept as the user saw it: the next request
	// carries the message and the answer text that had streamed ("thi",
	// the fake's first piece), which the session file marks as cancelled.
	body := lastBody(t, srv)
	if !strings.Contains(body, `{"content":"first","role":"user"},{"content":"thi","role":"assistant"},{"content":"second","role":"user"}`) {
		t.Fatalf("the cancelled turn is not in the next request as it was shown: %s", body)
	}
	files, _ := filepath.Glob(filepath.Join(home, "sessions", "*.jsonl"))
	if len(files) != 1 {
		t.Fatalf("%d session files", len(files))
	}
	if data, _ := os.ReadFile(files[0]); !strings.Contains(string(data), `"count":2,"status":"cancelled"`) {
		t.Fatalf("the session does not mark the turn cancelled:\n%s", data)
	}
}

func TestPipedChatWaitingForInputStopsOnSignal(t *testing.T) {
	home, _ := fakeHome(t)
	sigs := make(chan os.Signal, 1)
	pr, pw, _ := os.Pipe() // input that never comes
	defer pr.Close()
	defer pw.Close()
	env := map[string]string{"LOCALGPT_HOME": home, "NO_COLOR": "1", "HOME": home}
	done := make(chan int, 1)
	go func() {
		var out, errOut strings.Builder
		done <- Main(WithInterrupts(context.Background(), sigs), []string{"chat"}, func(k string) string { return env[k] }, pr, &out, &errOut)
	}()
	time.Sleep(200 * time.Millisecond) // let it reach the read; not a timing assertion
	sigs <- os.Interrupt
	select {
	case code := <-done:
		if code != ExitInterrupted {
			t.Fatalf("exit code %d, want %d", code, ExitInterrupted)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("chat kept waiting for input after the signal")
	}
}

func TestOversizedStdinIsRefusedNotTruncated(t *testing.T) {
	home, _ := fakeHome(t)
	big := strings.Repeat("x", 1<<20) + "END"
	r := runIn(t, home, big, "memory", "add", "-")
	if r.code != ExitError || !strings.Contains(r.stderr, "longer than 1 MiB") {
		t.Fatalf("%+v", r)
	}
	entries, _ := os.ReadDir(filepath.Join(home, "workspace", "memory"))
	if len(entries) != 0 {
		t.Fatalf("something was written: %v", entries)
	}
}

func TestAskReportsCutOffAnswers(t *testing.T) {
	home, srv := fakeHome(t)
	srv.Enqueue(llmtest.Reply{Text: "This answer stops in the mid", Stop: "length"})
	r := runIn(t, home, "", "ask", "--json", "tell me everything")
	if r.code != 0 || !strings.Contains(r.stdout, `"stop_reason": "length"`) || !strings.Contains(r.stderr, "cut off") {
		t.Fatalf("%+v", r)
	}
}

// TestChatPipedBlocks: lines between """ and """ are one message, also
// from a pipe; a one-line """text""" is one message too.
func TestChatPipedBlocks(t *testing.T) {
	home, srv := fakeHome(t)
	srv.Enqueue(llmtest.Text("Got the poem."), llmtest.Text("Got the line."), llmtest.Text("Got the rest."))
	in := "\"\"\"Roses are red,\n  violets are blue,\n\"\"\"\n\"\"\"just one\"\"\"\n\"\"\"unclosed\nblock\n"
	r := runIn(t, home, in, "chat")
	if r.code != 0 {
		t.Fatalf("%+v", r)
	}
	reqs := srv.Calls("/v1/chat/completions")
	if len(reqs) != 3 {
		t.Fatalf("%d messages sent, want 3:\n%s", len(reqs), r.stdout)
	}
	last := func(i int) string {
		msgs := reqs[i].JSON(t)["messages"].([]any)
		return msgs[len(msgs)-1].(map[string]any)["content"].(string)
	}
	if got := last(0); got != "Roses are red,\n  violets are blue," {
		t.Errorf("block sent as %q", got)
	}
	if got := last(1); got != "just one" {
		t.Errorf("one-line block sent as %q", got)
	}
	if got := last(2); got != "unclosed\nblock" {
		t.Errorf("block ended by the input sent as %q", got)
	}
}

// TestChatGoesOnAfterOverflow: a message that does not fit even after the
// conversation is compacted hard is reported, and the chat (piped, where
// any other failure ends it) goes on to the next message.
func TestChatGoesOnAfterOverflow(t *testing.T) {
	home, srv := fakeHome(t)
	srv.Enqueue(llmtest.Text("First answer."),
		llmtest.Overflow(), llmtest.Text("SUMMARY-O"), llmtest.Overflow(), // the long message, twice too long
		llmtest.Text("Third answer."))
	r := runIn(t, home, "first\na very long message\nthird\n", "chat", "--no-tools")
	if r.code != 0 || r.stdout != "First answer.\nThird answer.\n" {
		t.Fatalf("%+v", r)
	}
	if !strings.Contains(r.stderr, "context window") || !strings.Contains(r.stderr, "the chat goes on") {
		t.Fatalf("the overflow was not explained: %s", r.stderr)
	}
	if n := srv.Pending(); n != 0 {
		t.Fatalf("%d replies left: the chat stopped early", n)
	}
}

// TestTemplateTextStaysOut: the templates' explanations live in HTML
// comments, which memory search does not find and the model never sees;
// a user's text outside them is found and sent.
func TestTemplateTextStaysOut(t *testing.T) {
	home, srv := fakeHome(t)
	if r := runIn(t, home, "", "memory", "add", "I like green tea", "--long-term"); r.code != 0 {
		t.Fatalf("%+v", r)
	}
	for _, tc := range []struct{ query, file string }{
		{"what do I like", "HEARTBEAT.md"}, {"tasks daemon due", "HEARTBEAT.md"},
		{"voice priorities", "SOUL.md"}, {"conventions deploy Fridays", "MEMORY.md"},
	} {
		if r := runIn(t, home, "", "memory", "search", tc.query); strings.Contains(r.stdout, tc.file) {
			t.Errorf("search %q found the template text of %s:\n%s", tc.query, tc.file, r.stdout)
		}
	}
	if r := runIn(t, home, "", "memory", "search", "green tea"); !strings.Contains(r.stdout, "MEMORY.md") {
		t.Fatalf("the user's own note is not found: %+v", r)
	}
	srv.Enqueue(llmtest.Text("ok"))
	if r := runIn(t, home, "", "ask", "hi"); r.code != 0 {
		t.Fatalf("%+v", r)
	}
	prompt := lastBody(t, srv)
	for _, template := range []string{"Long-term knowledge that LocalGPT", "Edit this file", "comment marks"} {
		if strings.Contains(prompt, template) {
			t.Errorf("the prompt holds template text %q", template)
		}
	}
	if !strings.Contains(prompt, "I like green tea") || !strings.Contains(prompt, "Be direct and concise") {
		t.Errorf("the prompt lacks the user's memory or the persona:\n%s", prompt)
	}
}

// TestProviderErrorSaidOnce: a failed turn of ask or of a piped chat is
// reported once, with the provider's exit code, and ends a piped chat.
func TestProviderErrorSaidOnce(t *testing.T) {
	cases := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"ask", "", []string{"ask", "hi"}, "Incorrect API key provided"},
		{"piped chat", "hi\nnever sent\n", []string{"chat"}, "Incorrect API key provided"},
		{"piped chat, model not found", "hi\n", []string{"chat"}, "model not found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			home, srv := fakeHome(t)
			reply := llmtest.HTTPError(401, "Incorrect API key provided")
			if strings.Contains(tc.name, "not found") {
				reply = llmtest.HTTPError(404, "The model `gpt-4o-mini` does not exist")
			}
			srv.Enqueue(reply, llmtest.Text("a second turn must not run"))
			r := runIn(t, home, tc.stdin, tc.args...)
			if r.code != ExitProvider {
				t.Fatalf("exit %d, want %d: %+v", r.code, ExitProvider, r)
			}
			if n := strings.Count(r.stderr, tc.want); n != 1 {
				t.Errorf("%q said %d times:\n%s", tc.want, n, r.stderr)
			}
			if n := srv.Pending(); n != 1 {
				t.Errorf("%d replies left, want 1: the chat went on after the failure", n)
			}
		})
	}
}

// TestChatModelSwitchChecksTheName: /model with a name no provider offers
// is refused at once, and the chat stays on its model; a name a provider lists switches to it.
func TestChatModelSwitchChecksTheName(t *testing.T) {
	home, srv := fakeHome(t)
	ol := llmtest.NewOllama(t)
	ol.SetModels(llmtest.Model{Name: "llama3.2"})
	cfg, _ := os.ReadFile(filepath.Join(home, "config.toml"))
	os.WriteFile(filepath.Join(home, "config.toml"), append(cfg, fmt.Sprintf("[providers.ollama]\nendpoint = %q\n", ol.URL)...), 0o600)
	cases := []struct {
		name, line string
		stdout     string // after the switch, /model prints
		stderr     string
	}{
		{"a typo", "/model llama3.3", "openai/gpt-4o-mini\n", "ollama model llama3.3: model not found (HTTP 404): no configured provider offers it; `localgpt models` lists the available ones\n"},
		{"a near name", "/model lama3.2", "openai/gpt-4o-mini\n", `did you mean "llama3.2:latest"?`},
		{"a listed model", "/model llama3.2", "Model: ollama/llama3.2\nollama/llama3.2\n", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runIn(t, home, tc.line+"\n/model\n", "chat")
			if r.code != 0 || r.stdout != tc.stdout || !strings.Contains(r.stderr, tc.stderr) {
				t.Fatalf("want stdout %q and %q on stderr: %+v", tc.stdout, tc.stderr, r)
			}
		})
	}
	if n := len(srv.Calls("/v1/chat/completions")) + len(ol.Calls("/api/chat")); n != 0 {
		t.Errorf("%d model calls; /model makes none", n)
	}
}
