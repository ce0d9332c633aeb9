package session

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/internal/assistant"
	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
	"github.com/localgpt-go/localgpt/internal/tokens"
)

// calibrated makes e's conversations calibrate with the assistant's
// calibration (kept in the state folder) and opens a new conversation.
func (e *env) calibrated(t *testing.T) {
	e.tokens = e.as.Tokens
	e.conv.Close()
	e.conv = e.open(nil, 0)
}

// dense is a reply reporting 4 prompt tokens for each estimated one, as a
// model with a byte-level vocabulary would.
func dense(e *env, input, text string) llmtest.Reply {
	est := e.conv.Context().Estimated
	if r := e.conv.Context().Ratio; r != 1 {
		est = int(float64(est) / r)
	}
	est += MessageTokens(llm.UserText(input))
	return llmtest.Reply{Text: text, Usage: llmtest.Usage{Prompt: 4 * est, Completion: 5}}
}

// TestCalibratedWindow: a model whose tokenizer is four times denser than
// the estimate reports so after the first turn; the ratio is kept for the
// next process, the context report uses it, and the conversation compacts
// before a request the uncalibrated estimate would have let overflow.
func TestCalibratedWindow(t *testing.T) {
	e := newEnv(t, 8192, 192, true, 0) // usable 8000
	e.calibrated(t)
	first := "my name is Ada " + strings.Repeat("and I like tea ", 270) // about 1000 tokens
	e.srv.Enqueue(dense(e, first, "Hello Ada."))
	e.send(t, first)
	ratio := e.as.Tokens.Ratio(e.as.Label())
	if math.Abs(ratio-4) > 0.1 {
		t.Fatalf("ratio after one report: %v, want about 4", ratio)
	}
	saved := tokens.LoadCalibration(filepath.Join(e.paths.State, assistant.TokensFile))
	if r := saved.Ratio(e.as.Label()); r != ratio {
		t.Fatalf("a new process would start with ratio %v, not %v", r, ratio)
	}
	if b := e.conv.Context(); b.Ratio != ratio || b.Estimated < 3*(b.System+b.History)/4 {
		t.Fatalf("context report not calibrated: %+v", b)
	}

	// The next message adds less than the room left by the raw estimate,
	// but four times it does not fit: the conversation compacts first.
	reported := e.conv.Context().Reported
	room := e.conv.Context().Usable - reported
	second := strings.Repeat("x", 4*room/2) // about room/2 estimated tokens, 2×room real ones
	if raw := reported + MessageTokens(llm.AssistantText("Hello Ada.")) + MessageTokens(llm.UserText(second)); raw > e.conv.Context().Usable {
		t.Fatalf("test setup: the raw estimate %d already passes the window", raw)
	}
	e.srv.Enqueue(llmtest.Text("SUMMARY: Ada likes tea."), llmtest.Text("Noted."))
	if got := e.send(t, second); got != "Noted." {
		t.Fatalf("shown %q", got)
	}
	if len(e.compactions) != 1 || e.compactions[0].Reason != ReasonProactive {
		t.Fatalf("compactions %+v: the calibrated estimate should have compacted first", e.compactions)
	}
	if last := e.lastRequest(t); !strings.Contains(last, "SUMMARY: Ada likes tea.") || strings.Contains(last, "and I like tea and I like tea") {
		t.Fatalf("request after compaction: %.300s", last)
	}
}

// TestOverflowCompactsHard: when the provider says a request is too long,
// everything before the turn in flight goes into the summary, and the
// large tool results the turn keeps are cut for the model (whole in the
// file); the turn then continues without running its tools again.
func TestOverflowCompactsHard(t *testing.T) {
	e := newEnv(t, 8192, 192, false, 0)
	big := strings.Repeat("0123456789abcdef\n", 1200) // 20 KB
	if err := os.WriteFile(filepath.Join(e.paths.Workspace, "big.md"), []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	e.srv.Enqueue(llmtest.Text("one"), llmtest.Text("two"))
	e.send(t, "first question")
	e.send(t, "second question")
	e.srv.Enqueue(
		llmtest.ToolCalls(llmtest.Call{ID: "r1", Name: "read_file", Args: `{"path":"big.md"}`}),
		llmtest.Overflow(),
		llmtest.Text("SUMMARY-H"),
		llmtest.Text("The file is long."),
	)
	if got := e.send(t, "read big.md"); !strings.Contains(got, "The file is long.") {
		t.Fatalf("shown %q", got)
	}
	if len(e.compactions) != 1 || e.compactions[0].Reason != ReasonOverflow || e.compactions[0].Replaced != 4 {
		t.Fatalf("compactions %+v, want one hard compaction of the 4 earlier messages", e.compactions)
	}
	calls := e.srv.Calls(chatPath)
	summaryReq, retry := string(calls[len(calls)-2].Body), string(calls[len(calls)-1].Body)
	if !strings.Contains(summaryReq, "second question") || strings.Contains(summaryReq, "0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef\\n0123456789abcdef") {
		t.Fatalf("the summary request should hold the earlier turns, not the turn in flight: %.400s", summaryReq)
	}
	for _, want := range []string{"SUMMARY-H", "read big.md", "characters of this result were cut", "do not run them again"} {
		if !strings.Contains(retry, want) {
			t.Errorf("retry request lacks %q", want)
		}
	}
	if n := strings.Count(retry, "0123456789abcdef"); strings.Contains(retry, "first question") || n > 400 {
		t.Errorf("retry request still holds old turns, or %d of the result's 1200 lines", n)
	}
	tr, _ := e.store.Load(e.conv.ID())
	whole := false
	for _, m := range tr.Messages() {
		for _, p := range m.Parts {
			if p.ToolResult != nil && strings.Count(p.ToolResult.Content, "0123456789abcdef") >= 1200 {
				whole = true
			}
		}
	}
	if !whole {
		t.Fatal("the file should keep the tool result whole")
	}
	if n := len(e.srv.Calls(chatPath)); n != 6 {
		t.Fatalf("%d model calls: read_file ran again or the retry repeated", n)
	}
	// The cut stays in the history sent later (the session reloads it).
	e.conv.Close()
	s, err := e.store.Open(e.conv.ID())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if h := historyText(s.Transcript().History()); !strings.Contains(h, "characters of this result were cut") || strings.Contains(h, "first question") {
		t.Fatalf("reloaded history: %.300s", h)
	}
}

// historyText is the text and tool results of msgs, one part a line.
func historyText(msgs []llm.Message) string {
	var b strings.Builder
	for _, m := range msgs {
		for _, p := range m.Parts {
			b.WriteString(p.Text)
			if p.ToolResult != nil {
				b.WriteString(p.ToolResult.Content)
			}
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// TestProactiveHardCompaction: when keeping the recent turns would still
// not leave room for the next message, the conversation compacts hard
// before sending it, instead of overflowing.
func TestProactiveHardCompaction(t *testing.T) {
	e := newEnv(t, 8192, 192, true, 0) // usable 8000, recent turns kept up to 2400
	// No usage reported: the estimate decides.
	e.srv.Enqueue(llmtest.Reply{Text: "one"}, llmtest.Reply{Text: "two"})
	e.send(t, "first question")
	e.send(t, "second question "+strings.Repeat("y", 8000)) // about 2000 tokens: kept by a plain compaction
	huge := "third question " + strings.Repeat("z", 24000)  // about 6000 tokens
	e.srv.Enqueue(llmtest.Reply{Text: "SUMMARY-1"}, llmtest.Reply{Text: "SUMMARY-2"}, llmtest.Reply{Text: "three"})
	if got := e.send(t, huge); got != "three" {
		t.Fatalf("shown %q", got)
	}
	if len(e.compactions) != 2 || e.compactions[1].Replaced != 2 {
		t.Fatalf("compactions %+v, want a plain one then a hard one", e.compactions)
	}
	if last := e.lastRequest(t); !strings.Contains(last, "SUMMARY-2") || strings.Contains(last, "yyyyyyyy") || !strings.Contains(last, "third question") {
		t.Fatalf("request: %.300s", last)
	}
	if n := len(e.srv.Calls(chatPath)); n != 5 {
		t.Fatalf("%d calls, want 5 (no overflow round trip)", n)
	}
}

// TestSmallWindowReserve: a window smaller than the reserve still leaves
// three quarters of it for the conversation.
func TestSmallWindowReserve(t *testing.T) {
	for _, tt := range []struct{ window, reserve, usable int }{
		{128000, 8000, 120000}, {16384, 8000, 12288}, {2048, 8000, 1536}, {1024, 0, 1024},
	} {
		if got := tokens.Usable(tt.window, tt.reserve); got != tt.usable {
			t.Errorf("Usable(%d, %d) = %d, want %d", tt.window, tt.reserve, got, tt.usable)
		}
	}
}

// TestSummariserInSmallWindows: the summariser retries an overflowing
// request with half as much, uses a short instruction where the long one
// would crowd a small window, and falls back to an extract of the
// messages when the window is too small to summarise in at all.
func TestSummariserInSmallWindows(t *testing.T) {
	e := newEnv(t, 128000, 8000, true, 0)
	msgs := []llm.Message{llm.UserText("plant tomatoes in May\nand water them"), llm.AssistantText("Noted: May.")}
	tests := []struct {
		name    string
		budget  int
		ratio   float64
		replies []llmtest.Reply
		want    string
		calls   int
		short   bool // the short instruction was sent
	}{
		{"overflow retried with less", 8000, 1, []llmtest.Reply{llmtest.Overflow(), llmtest.Text("SUM")}, "SUM", 2, false},
		{"short instruction in a small window", 1200, 5, []llmtest.Reply{llmtest.Text("SUM")}, "SUM", 1, true},
		{"too small: an extract", 300, 5, nil, "- User: plant tomatoes in May", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(e.srv.Calls(chatPath))
			e.srv.Enqueue(tt.replies...)
			s := summariser{provider: e.as.Provider, model: e.as.Resolved.Model, budget: tt.budget, ratio: tt.ratio}
			got, err := s.summarise(t.Context(), "", msgs)
			if err != nil || !strings.Contains(got, tt.want) {
				t.Fatalf("summary %q, %v; want %q", got, err, tt.want)
			}
			calls := e.srv.Calls(chatPath)[before:]
			if len(calls) != tt.calls {
				t.Fatalf("%d calls, want %d", len(calls), tt.calls)
			}
			if tt.calls > 0 {
				last := string(calls[len(calls)-1].Body)
				if short := strings.Contains(last, "Summarise this conversation"); short != tt.short {
					t.Fatalf("short instruction %v, want %v", short, tt.short)
				}
			}
		})
	}
}
