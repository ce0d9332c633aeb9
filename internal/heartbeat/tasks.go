// Package heartbeat owns LocalGPT's autonomous task cycle: the schedule
// (interval, active hours, time zone), the HEARTBEAT.md task format and
// its parser, the decision of what is due, the daily token budget, the
// state kept between cycles and the cycle itself, which is one agent turn
// or, when nothing is due and HEARTBEAT.md has not changed, no model call
// at all.
package heartbeat

import (
	"strings"
	"time"

	"github.com/localgpt-go/localgpt/internal/clip"
	"github.com/localgpt-go/localgpt/internal/mdcomment"
)

// Task is one task of HEARTBEAT.md: a "### Title" block with "- Key: value"
// lines, or a plain "- [ ] text" checkbox.
type Task struct {
	// Title is the heading text, or the checkbox text.
	Title string `json:"title"`
	// Line is the 1-based line of the heading or checkbox.
	Line int `json:"line"`
	// Done is true for tasks under "## Completed" and ticked checkboxes.
	Done bool `json:"done"`
	// Checkbox is true for a "- [ ] text" task.
	Checkbox bool `json:"checkbox,omitempty"`
	// Due is when a one-time task falls due, or the first occurrence of a
	// recurring one; zero when not given (a one-time task is then due at
	// once).
	Due time.Time `json:"due,omitzero"`
	// Recurring is the repetition; nil for a one-time task.
	Recurring *Recurrence `json:"recurring,omitempty"`
	Priority  string      `json:"priority,omitempty"`
	// Description is the "- Description:" value.
	Description string `json:"description,omitempty"`
	// Completed is the "- Completed:" value of a done task, as written.
	Completed string `json:"completed,omitempty"`
}

// Key identifies a task across cycles (to remember when it last ran): its
// title, due date and repetition, so a task whose schedule is edited is a
// new task.
func (t Task) Key() string {
	k := strings.ToLower(strings.TrimSpace(t.Title))
	if !t.Due.IsZero() {
		k += "|" + t.Due.UTC().Format(time.RFC3339)
	}
	if t.Recurring != nil {
		k += "|" + t.Recurring.String()
	}
	return k
}

// Problem is a line of HEARTBEAT.md that could not be understood.
type Problem struct {
	Line int    `json:"line"`
	Msg  string `json:"message"`
}

// File is a parsed HEARTBEAT.md.
type File struct {
	Tasks    []Task    `json:"tasks"`
	Problems []Problem `json:"problems,omitempty"`
}

// Pending returns the tasks not done, in file order.
func (f *File) Pending() []Task {
	var out []Task
	for _, t := range f.Tasks {
		if !t.Done {
			out = append(out, t)
		}
	}
	return out
}

// Parse reads HEARTBEAT.md. It never fails: lines it cannot understand
// become Problems and the task keeps what could be read. HTML comments
// (where the workspace template keeps its example) and fenced code blocks
// are ignored. "### Title" tasks count under "## Pending" (or before any
// "##" heading) and "## Completed"; checkboxes count anywhere, ticked ones
// as done. Dates and times are wall-clock times in loc (nil: local time).
func Parse(src string, loc *time.Location) *File {
	if loc == nil {
		loc = time.Local
	}
	p := parser{loc: loc, section: sectionPending, f: &File{Tasks: []Task{}}}
	read := mdcomment.Read(strings.ReplaceAll(src, "\r\n", "\n"))
	for i, raw := range read.Plain {
		if read.Fenced[i] { // a fence ends the task before it
			p.flush()
			continue
		}
		p.line(i+1, strings.TrimSpace(raw))
	}
	p.flush()
	return p.f
}

type section int

const (
	sectionPending section = iota
	sectionCompleted
	sectionOther
)

type parser struct {
	loc     *time.Location
	section section
	cur     *Task
	f       *File
}

func (p *parser) problem(line int, format string) {
	p.f.Problems = append(p.f.Problems, Problem{Line: line, Msg: format})
}

func (p *parser) flush() {
	if p.cur != nil {
		p.f.Tasks = append(p.f.Tasks, *p.cur)
		p.cur = nil
	}
}

func (p *parser) line(n int, line string) {
	switch level, text := heading(line); {
	case level == 1 || level == 2:
		p.flush()
		switch strings.ToLower(strings.TrimRight(text, ":")) {
		case "pending", "tasks", "todo", "to do":
			p.section = sectionPending
		case "completed", "done":
			p.section = sectionCompleted
		default:
			if level == 2 {
				p.section = sectionOther
			}
		}
		return
	case level == 3:
		p.flush()
		if p.section != sectionOther && text != "" {
			p.cur = &Task{Title: text, Line: n, Done: p.section == sectionCompleted}
		}
		return
	case level > 3:
		return
	}
	if done, text, ok := checkbox(line); ok {
		p.flush()
		if text != "" {
			p.f.Tasks = append(p.f.Tasks, Task{Title: text, Line: n, Checkbox: true,
				Done: done || p.section == sectionCompleted})
		}
		return
	}
	if p.cur == nil {
		return
	}
	key, value, ok := field(line)
	if !ok {
		return
	}
	switch key {
	case "due":
		t, err := parseDue(value, p.loc)
		if err != nil {
			p.problem(n, "task "+quote(p.cur.Title)+": "+err.Error())
			return
		}
		p.cur.Due = t
	case "recurring", "recurs", "repeat", "repeats", "every":
		r, err := ParseRecurrence(value)
		if err != nil {
			p.problem(n, "task "+quote(p.cur.Title)+": "+err.Error())
			return
		}
		p.cur.Recurring = r
	case "priority":
		p.cur.Priority = value
	case "description":
		p.cur.Description = value
	case "completed", "done":
		p.cur.Completed = value
		p.cur.Done = true
	}
}

// heading returns the level and text of an ATX heading ("### Title"), or 0.
func heading(line string) (int, string) {
	n := 0
	for n < len(line) && line[n] == '#' {
		n++
	}
	if n == 0 || n > 6 || (n < len(line) && line[n] != ' ' && line[n] != '\t') {
		return 0, ""
	}
	return n, strings.TrimSpace(strings.TrimRight(strings.TrimSpace(line[n:]), "#"))
}

// checkbox parses "- [ ] text" or "- [x] text" (also with * or +).
func checkbox(line string) (done bool, text string, ok bool) {
	if len(line) < 5 || !strings.ContainsRune("-*+", rune(line[0])) || line[1] != ' ' {
		return false, "", false
	}
	rest := strings.TrimLeft(line[1:], " ")
	if len(rest) < 3 || rest[0] != '[' || rest[2] != ']' {
		return false, "", false
	}
	switch rest[1] {
	case ' ':
	case 'x', 'X':
		done = true
	default:
		return false, "", false
	}
	if len(rest) > 3 && rest[3] != ' ' && rest[3] != '\t' {
		return false, "", false
	}
	return done, strings.TrimSpace(rest[3:]), true
}

// field parses "- Key: value" into a lower-case key and the value.
func field(line string) (key, value string, ok bool) {
	if len(line) < 2 || !strings.ContainsRune("-*+", rune(line[0])) || (line[1] != ' ' && line[1] != '\t') {
		return "", "", false
	}
	k, v, ok := strings.Cut(strings.TrimSpace(line[1:]), ":")
	if !ok {
		return "", "", false
	}
	k = strings.ToLower(strings.Trim(strings.TrimSpace(k), "*_"))
	v = strings.TrimSpace(strings.TrimLeft(v, "*_ \t"))
	return k, v, k != ""
}

// parseDue reads "YYYY-MM-DD HH:MM" (or a bare date, meaning its start)
// as a wall-clock time in loc.
func parseDue(s string, loc *time.Location) (time.Time, error) {
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, &formatError{"due date " + quote(s) + " is not YYYY-MM-DD HH:MM, such as \"2026-01-09 17:00\""}
}

type formatError struct{ msg string }

func (e *formatError) Error() string { return e.msg }

// quote quotes s for a message, shortened to 80 runes and an ellipsis.
func quote(s string) string { return "\"" + clip.Runes(s, 81, "…") + "\"" }
