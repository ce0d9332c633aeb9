package memory

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/localgpt-go/localgpt/internal/fsutil"
	"github.com/localgpt-go/localgpt/internal/mdcomment"
	"github.com/localgpt-go/localgpt/internal/tokens"
)

// contextPart is one file of the memory context.
type contextPart struct {
	title string
	text  string
	// keepTail: daily logs keep their latest entries when cut; MEMORY.md
	// keeps its beginning.
	keepTail bool
}

// Context builds the memory part of a prompt: MEMORY.md, then today's and
// yesterday's daily logs, each under a "## <file>" heading, within
// budgetTokens (estimated with internal/tokens). When they do not fit, the
// budget is shared fairly (the smallest parts are kept whole first), and a
// file that is cut says so with a "[… N lines … not shown …]" marker:
// MEMORY.md loses its end, the logs lose their oldest entries. Missing
// files are left out.
func (s *Store) Context(now time.Time, budgetTokens int) (string, error) {
	if budgetTokens <= 0 {
		return "", nil
	}
	var parts []contextPart
	for _, f := range []struct {
		rel  string
		tail bool
	}{
		{MemoryFile, false},
		{DailyPath(now), true},
		{DailyPath(now.AddDate(0, 0, -1)), true},
	} {
		// Only what the index would read: a link to the configuration,
		// a session or ~/.ssh in place of a log is not sent to the model.
		data, err := fsutil.ReadFileWithin(s.opts.Workspace, filepath.FromSlash(f.rel))
		if os.IsNotExist(err) {
			continue
		}
		if errors.Is(err, fsutil.ErrOutside) || errors.Is(err, fsutil.ErrLink) {
			s.log.Warn("memory: a file of the prompt is left out", "file", f.rel, "err", err)
			continue
		}
		if err != nil {
			return "", fmt.Errorf("memory: read %s for the prompt: %w", f.rel, err)
		}
		text := strings.TrimSpace(strings.ToValidUTF8(mdcomment.Strip(string(data)), "\uFFFD"))
		if text == "" {
			continue
		}
		parts = append(parts, contextPart{title: "## " + f.rel + "\n\n", text: text, keepTail: f.tail})
	}
	budgets := shareBudget(parts, budgetTokens)
	var b strings.Builder
	for i, p := range parts {
		if budgets[i] <= tokens.Estimate(p.title) {
			continue
		}
		b.WriteString(p.title)
		b.WriteString(fitText(p, budgets[i]-tokens.Estimate(p.title)))
		b.WriteString("\n\n")
	}
	if b.Len() == 0 {
		return "", nil
	}
	return strings.TrimRight(b.String(), "\n") + "\n", nil
}

// shareBudget gives each part what it needs when it can, and splits what
// remains equally among the parts that need more (max-min fairness).
func shareBudget(parts []contextPart, budget int) []int {
	need := make([]int, len(parts))
	order := make([]int, len(parts))
	for i, p := range parts {
		need[i] = tokens.Estimate(p.title) + tokens.Estimate(p.text) + 1
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return need[order[a]] < need[order[b]] })
	out := make([]int, len(parts))
	left := budget
	for k, i := range order {
		share := left / (len(order) - k)
		out[i] = min(need[i], share)
		left -= out[i]
	}
	return out
}

// fitText cuts p.text to budget tokens at line boundaries, with a marker
// saying how many lines were left out.
func fitText(p contextPart, budget int) string {
	if tokens.Estimate(p.text) <= budget {
		return p.text
	}
	name := strings.TrimSuffix(strings.TrimPrefix(p.title, "## "), "\n\n")
	lines := strings.Split(p.text, "\n")
	marker := func(n int) string {
		if p.keepTail {
			return fmt.Sprintf("[… %d earlier lines of %s not shown: memory budget reached …]", n, name)
		}
		return fmt.Sprintf("[… %d more lines of %s not shown: memory budget reached …]", n, name)
	}
	room := tokens.Bytes(budget) - len(marker(len(lines))) - 1
	kept := 0
	used := 0
	for kept < len(lines) {
		l := lines[kept]
		if p.keepTail {
			l = lines[len(lines)-1-kept]
		}
		if used+len(l)+1 > room {
			break
		}
		used += len(l) + 1
		kept++
	}
	omitted := len(lines) - kept
	if p.keepTail {
		return marker(omitted) + "\n" + strings.Join(lines[len(lines)-kept:], "\n")
	}
	if kept == 0 {
		return marker(omitted)
	}
	return strings.Join(lines[:kept], "\n") + "\n" + marker(omitted)
}
