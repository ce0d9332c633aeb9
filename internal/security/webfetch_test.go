package security_test

import (
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
)

// TestWebFetchIPv4CompatibleLoopback: ::127.0.0.1 (the deprecated
// IPv4-compatible form, routed to 127.0.0.1 where a SIT tunnel is set up)
// was let through to the dial (found by the red team; the other spellings
// of loopback — ::ffff:127.0.0.1, 0.0.0.0, [::], localhost — were already
// refused). Refused by the guard at every entry.
func TestWebFetchIPv4CompatibleLoopback(t *testing.T) {
	for _, e := range entries() {
		t.Run(e.name, func(t *testing.T) {
			l := newLab(t, "")
			l.llm.Enqueue(llmtest.ToolCalls(
				call("a", "web_fetch", map[string]any{"url": "http://[::127.0.0.1]:8080/admin"}),
				call("b", "web_fetch", map[string]any{"url": "http://[::ffff:7f00:1]:8080/admin"}),
			), llmtest.Text("done"))
			e.run(l, false)
			if n := strings.Count(l.toolResults(), "refused to fetch"); n != 2 {
				t.Fatalf("want 2 refusals, got %d:\n%s", n, l.toolResults())
			}
		})
	}
}
