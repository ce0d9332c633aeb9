package heartbeat

import (
	"strings"
	"time"

	"github.com/localgpt-go/localgpt/internal/mdcomment"
)

// CompleteTasks returns src with the one-time tasks of done that are
// still pending moved under "## Completed" (created at the end when
// missing), each with a "- Completed: YYYY-MM-DD HH:MM" line of at (a
// checkbox task is ticked and dated instead). Tasks are matched by Key
// against src as it is now, so edits made during the cycle are kept;
// recurring tasks stay where they are. It reports whether anything
// moved. The heartbeat does this in code so that its model turn needs no
// write access to HEARTBEAT.md: a page the model read cannot plant a task.
func CompleteTasks(src string, done []Task, at time.Time, loc *time.Location) (string, bool) {
	if loc == nil {
		loc = time.Local
	}
	want := map[string]bool{}
	for _, t := range done {
		if t.Recurring == nil {
			want[t.Key()] = true
		}
	}
	eol := "\n"
	if strings.Contains(src, "\r\n") {
		eol = "\r\n"
	}
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	plain := strings.Split(strings.ReplaceAll(mdcomment.Strip(src), "\r\n", "\n"), "\n") // same line numbers, comments blanked
	fenced := fencedLines(plain)
	stamp := at.In(loc).Format("2006-01-02 15:04")

	type block struct{ from, to int } // lines [from, to)
	var moved []block
	var texts [][]string
	for _, t := range Parse(src, loc).Tasks {
		if t.Done || t.Recurring != nil || !want[t.Key()] || t.Line < 1 || t.Line > len(lines) {
			continue
		}
		from := t.Line - 1
		if t.Checkbox {
			moved = append(moved, block{from, from + 1})
			texts = append(texts, []string{tick(lines[from]) + " (completed " + stamp + ")"})
			continue
		}
		to := taskEnd(plain, fenced, from)
		for to > from+1 && strings.TrimSpace(lines[to-1]) == "" {
			to--
		}
		text := append(append([]string(nil), lines[from:to]...), "- Completed: "+stamp)
		// Take the blank line after the task too when one precedes it, so
		// the cut leaves one blank line, not two.
		if to < len(lines) && strings.TrimSpace(lines[to]) == "" && (from == 0 || strings.TrimSpace(lines[from-1]) == "") {
			to++
		}
		moved = append(moved, block{from, to})
		texts = append(texts, text)
	}
	if len(moved) == 0 {
		return src, false
	}
	// Cut the blocks, last first so the earlier line numbers hold.
	keep := make([]bool, len(lines))
	for i := range keep {
		keep[i] = true
	}
	for _, b := range moved {
		for i := b.from; i < b.to; i++ {
			keep[i] = false
		}
	}
	var rest, restPlain []string
	for i, l := range lines {
		if keep[i] {
			rest = append(rest, l)
			restPlain = append(restPlain, plain[i])
		}
	}
	var insert []string
	for _, t := range texts {
		insert = append(insert, "")
		insert = append(insert, t...)
	}
	at2 := completedEnd(restPlain)
	if at2 < 0 {
		for len(rest) > 0 && strings.TrimSpace(rest[len(rest)-1]) == "" {
			rest = rest[:len(rest)-1]
		}
		rest = append(rest, "", "## Completed")
		rest = append(rest, insert...)
		rest = append(rest, "")
	} else {
		rest = append(rest[:at2], append(insert, rest[at2:]...)...)
	}
	return strings.Join(rest, eol), true
}

// taskEnd returns the index of the line after the block of the "###"
// task at plain[from] (comments blanked): the next line outside a fenced
// block (fenced) that ends it (endsTask). A fenced block goes with the
// task whole, so that what was fenced stays fenced: cut at a "### " line
// inside the fence, the rest of the fence would be left behind, no longer
// fenced, and read as tasks of its own.
func taskEnd(plain []string, fenced []bool, from int) int {
	to := from + 1
	for ; to < len(plain); to++ {
		if !fenced[to] && endsTask(plain[to]) {
			return to
		}
	}
	return to
}

// fencedLines marks the lines of plain that open, lie in or close a fenced
// block, which Parse skips; a fence left open runs to the end.
func fencedLines(plain []string) []bool {
	out := make([]bool, len(plain))
	fence := ""
	for i, l := range plain {
		line := strings.TrimSpace(l)
		if fence != "" {
			out[i] = true
			if strings.HasPrefix(line, fence) {
				fence = ""
			}
			continue
		}
		fence = fenceOpens(line)
		out[i] = fence != ""
	}
	return out
}

// endsTask reports whether line (comments blanked) ends a "###" task's
// block: a heading of level 1 to 3, or a checkbox task.
func endsTask(line string) bool {
	line = strings.TrimSpace(line)
	if level, _ := heading(line); level >= 1 && level <= 3 {
		return true
	}
	_, _, ok := checkbox(line)
	return ok
}

// completedEnd returns the line index where entries are appended to the
// "## Completed" section (after its last non-blank line), or -1 when the
// file has no such section. Headings in fenced blocks are text, as Parse
// reads them: a "# Completed" in a fence is no section to move tasks to.
func completedEnd(plain []string) int {
	start := -1
	fenced := fencedLines(plain)
	for i, l := range plain {
		if fenced[i] {
			continue
		}
		level, text := heading(strings.TrimSpace(l))
		if level == 2 || level == 1 {
			switch strings.ToLower(strings.TrimRight(text, ":")) {
			case "completed", "done":
				start = i
				continue
			}
			if start >= 0 {
				return lastContent(plain, start, i)
			}
		}
	}
	if start < 0 {
		return -1
	}
	return lastContent(plain, start, len(plain))
}

// lastContent returns the index after the last non-blank line of
// plain[start:end] (start itself is the heading).
func lastContent(plain []string, start, end int) int {
	i := end
	for i > start+1 && strings.TrimSpace(plain[i-1]) == "" {
		i--
	}
	return i
}

// tick turns "- [ ] text" into "- [x] text", keeping the indentation.
func tick(line string) string {
	i := strings.Index(line, "[ ]")
	if i < 0 {
		return line
	}
	return line[:i] + "[x]" + line[i+3:]
}
