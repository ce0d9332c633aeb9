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
//
// A move must not change how the rest of the file reads. A task is cut
// only at points outside HTML comments and fenced blocks and put only at
// such a point, and each move is checked by reading the result with
// Parse: every other task must come out as it was, and the moved one
// done. A task that cannot move so (a file whose comment or fence is
// left open where the section would go, say) stays where it is; the
// cycle still remembers it as handled and does not offer it again.
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
	stamp := at.In(loc).Format("2006-01-02 15:04")
	tasks := Parse(src, loc).Tasks
	out, current, changed := src, tasks, false
	seen := map[string]bool{}
	for _, t := range tasks {
		k := t.Key()
		if t.Done || t.Recurring != nil || !want[k] || seen[k] {
			continue
		}
		seen[k] = true
		if next, after, ok := moveTask(out, current, k, stamp, loc); ok {
			out, current, changed = next, after, true
		}
	}
	return out, changed
}

// moveTask moves the pending tasks of src (whose tasks, as Parse reads
// them, are before) whose Key is key to Completed, and returns the result
// with its tasks; or it reports false when none can move without
// changing how the rest of src reads.
func moveTask(src string, before []Task, key, stamp string, loc *time.Location) (string, []Task, bool) {
	eol := "\n"
	if strings.Contains(src, "\r\n") {
		eol = "\r\n"
	}
	lines, read := readLines(src)

	var texts [][]string
	keep := make([]bool, len(lines))
	for i := range keep {
		keep[i] = true
	}
	moved := map[int]bool{} // by Line
	for _, t := range before {
		if t.Done || t.Recurring != nil || t.Key() != key || t.Line < 1 || t.Line > len(lines) {
			continue
		}
		from, to, text := taskBlock(t, lines, read, stamp)
		if read.Open[from] || read.Open[to] {
			continue
		}
		// Take the blank line after the task too when one precedes it, so
		// the cut leaves one blank line, not two.
		if to < len(lines) && strings.TrimSpace(lines[to]) == "" && (from == 0 || strings.TrimSpace(lines[from-1]) == "") {
			to++
		}
		for i := from; i < to; i++ {
			keep[i] = false
		}
		moved[t.Line] = true
		texts = append(texts, text)
	}
	if len(texts) == 0 {
		return src, nil, false
	}
	var rest []string
	for i, l := range lines {
		if keep[i] {
			rest = append(rest, l)
		}
	}
	_, restRead := readLines(strings.Join(rest, "\n"))
	var insert []string
	for _, t := range texts {
		insert = append(insert, "")
		insert = append(insert, t...)
	}
	if at := completedEnd(restRead); at >= 0 {
		if restRead.Open[at] {
			return src, nil, false
		}
		rest = append(rest[:at], append(insert, rest[at:]...)...)
	} else {
		for len(rest) > 0 && strings.TrimSpace(rest[len(rest)-1]) == "" {
			rest = rest[:len(rest)-1]
		}
		if restRead.Open[len(rest)] {
			return src, nil, false
		}
		rest = append(rest, "", "## Completed")
		rest = append(rest, insert...)
		rest = append(rest, "")
	}
	out := strings.Join(rest, eol)
	after := Parse(out, loc).Tasks
	if !sameTasks(before, after, moved, stamp) {
		return src, nil, false
	}
	return out, after, true
}

// readLines splits src into its lines and the same lines as Parse reads
// them: comments removed, fenced blocks marked, and the points inside
// either (read.Open), where no line may be cut or put.
func readLines(src string) (lines []string, read mdcomment.Lines) {
	src = strings.ReplaceAll(src, "\r\n", "\n")
	return strings.Split(src, "\n"), mdcomment.Read(src)
}

// taskBlock returns the lines [from, to) that task t occupies and the
// text it takes to Completed.
func taskBlock(t Task, lines []string, read mdcomment.Lines, stamp string) (from, to int, text []string) {
	from = t.Line - 1
	if t.Checkbox {
		return from, from + 1, []string{tick(lines[from]) + " (completed " + stamp + ")"}
	}
	to = taskEnd(read, from)
	for to > from+1 && strings.TrimSpace(lines[to-1]) == "" {
		to--
	}
	return from, to, append(append([]string(nil), lines[from:to]...), "- Completed: "+stamp)
}

// sameTasks reports whether after, the tasks of the file once the tasks
// of before at the lines in moved went to Completed, holds every other
// task of before as it was and the moved ones done.
func sameTasks(before, after []Task, moved map[int]bool, stamp string) bool {
	type sig struct {
		key            string
		done, checkbox bool
	}
	sigOf := func(t Task) sig { return sig{strings.Join(strings.Fields(t.Key()), " "), t.Done, t.Checkbox} }
	count := map[sig]int{}
	for _, t := range before {
		if moved[t.Line] {
			t.Done = true
			if t.Checkbox {
				t.Title += " (completed " + stamp + ")"
			}
		}
		count[sigOf(t)]++
	}
	for _, t := range after {
		count[sigOf(t)]--
	}
	for _, n := range count {
		if n != 0 {
			return false
		}
	}
	return true
}

// taskEnd returns the index of the line after the block of the "###"
// task at line from: the next line outside a fenced block that ends it
// (endsTask). A fenced block goes with the task whole, so that what was
// fenced stays fenced: cut at a "### " line inside the fence, the rest of
// the fence would be left behind, no longer fenced, and read as tasks of
// its own.
func taskEnd(read mdcomment.Lines, from int) int {
	to := from + 1
	for ; to < len(read.Plain); to++ {
		if !read.Fenced[to] && endsTask(read.Plain[to]) {
			return to
		}
	}
	return to
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
func completedEnd(read mdcomment.Lines) int {
	plain := read.Plain
	start := -1
	for i, l := range plain {
		if read.Fenced[i] {
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

// tick turns "- [ ] text" into "- [x] text", keeping the indentation; a
// line that does not begin with its checkbox (a comment before it) is
// left as it is: under Completed it is done all the same.
func tick(line string) string {
	trimmed := strings.TrimLeft(line, " \t")
	if _, _, ok := checkbox(trimmed); !ok {
		return strings.TrimRight(line, " \t")
	}
	i := strings.Index(line, "[ ]")
	if i < 0 {
		return strings.TrimRight(line, " \t")
	}
	return strings.TrimRight(line[:i]+"[x]"+line[i+3:], " \t")
}
