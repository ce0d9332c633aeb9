package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/localgpt-go/localgpt/internal/termmd"
	"github.com/localgpt-go/localgpt/internal/tools"
)

// Limits of the call shown at an approval prompt.
const (
	// promptInline is the longest one-line call shown in the prompt itself.
	promptInline = 200
	// approvalShown is the most of a call shown above the prompt: its
	// first approvalHead and last approvalTail characters, with a warning
	// between them, when it is longer.
	approvalShown = 10000
	approvalHead  = 6000
	approvalTail  = 2000
)

// approvalText returns what the prompt asks about ("bash: ls -l") and,
// for a call that is long or spans lines, the whole call as a block to
// print above the prompt. The prompt used to cut every call to one line
// of 200 characters, so a command could put its payload after harmless
// text and the user approved what they never saw; now nothing is cut
// silently. Each line of the block starts with a bar, so no line of the
// call can pass for LocalGPT's own prompt (a fake "Allow …? [y/N/a] y").
func approvalText(tool, summary string) (what, block string) {
	summary = termmd.Sanitize(summary)
	if summary == "" {
		return tool, ""
	}
	if !strings.Contains(summary, "\n") && utf8.RuneCountInString(summary) <= promptInline {
		return tool + ": " + summary, ""
	}
	shown, omitted := summary, 0
	if n := utf8.RuneCountInString(summary); n > approvalShown {
		r := []rune(summary)
		omitted = n - approvalHead - approvalTail
		shown = string(r[:approvalHead]) + "\n" +
			fmt.Sprintf("[… %d characters not shown: this call is too long to review here; answer n unless you know what it does …]", omitted) +
			"\n" + string(r[n-approvalTail:])
	}
	lines := strings.Split(strings.TrimRight(shown, "\n"), "\n")
	var b strings.Builder
	fmt.Fprintf(&b, "The %s call in full (%d lines, %d characters):\n", tool, strings.Count(summary, "\n")+1, utf8.RuneCountInString(summary))
	for _, l := range lines {
		b.WriteString("  │ " + l + "\n")
	}
	what = tool + " (the call above)"
	if omitted > 0 {
		what = fmt.Sprintf("%s (the call above, %d characters of it not shown)", tool, omitted)
	}
	return what, strings.TrimRight(b.String(), "\n")
}

// callText is the call as the user judges it: its summary ("write 40
// bytes to .git/config") and, for a file change, the text it would write,
// which the summary leaves out.
func callText(req tools.Request) string {
	var args map[string]any
	if json.Unmarshal(req.Args, &args) != nil {
		return req.Summary
	}
	text := req.Summary
	for _, k := range []string{"old_string", "new_string", "content"} {
		if v, ok := args[k].(string); ok {
			text += "\n--- " + k + " ---\n" + v
		}
	}
	return text
}
