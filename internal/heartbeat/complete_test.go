package heartbeat

import (
	"strings"
	"testing"
	"time"
)

func TestCompleteTasks(t *testing.T) {
	loc := time.UTC
	at := time.Date(2026, 3, 10, 10, 7, 0, 0, loc)
	tests := []struct {
		name, src string
		done      []string // titles of the tasks handled
		want      string
	}{
		{"heading task into an empty Completed",
			"## Pending\n\n### A\n- Due: 2026-03-10 09:00\n\n### B\n- Due: 2027-01-01 09:00\n\n## Completed\n",
			[]string{"A"},
			"## Pending\n\n### B\n- Due: 2027-01-01 09:00\n\n## Completed\n\n### A\n- Due: 2026-03-10 09:00\n- Completed: 2026-03-10 10:07\n"},
		{"after earlier completed tasks, before the next section",
			"## Pending\n### A\n- Description: x\n## Completed\n### Old\n- Completed: 2026-01-01 10:00\n\n## Notes\nkeep\n",
			[]string{"A"},
			"## Pending\n## Completed\n### Old\n- Completed: 2026-01-01 10:00\n\n### A\n- Description: x\n- Completed: 2026-03-10 10:07\n\n## Notes\nkeep\n"},
		{"no Completed section yet",
			"### A\n- Priority: high\n",
			[]string{"A"},
			"\n## Completed\n\n### A\n- Priority: high\n- Completed: 2026-03-10 10:07\n"},
		{"checkbox",
			"## Pending\n- [ ] water the plants\n- [ ] later\n## Completed\n",
			[]string{"water the plants"},
			"## Pending\n- [ ] later\n## Completed\n\n- [x] water the plants (completed 2026-03-10 10:07)\n"},
		{"recurring tasks stay",
			"## Pending\n### R\n- Recurring: daily at 08:00\n## Completed\n",
			[]string{"R"}, ""},
		{"a task the user removed meanwhile",
			"## Pending\n### Other\n## Completed\n",
			[]string{"A"}, ""},
		{"the example in a comment is not a section",
			"<!--\n## Completed\n### Example\n-->\n## Pending\n### A\n## Completed\n",
			[]string{"A"},
			"<!--\n## Completed\n### Example\n-->\n## Pending\n## Completed\n\n### A\n- Completed: 2026-03-10 10:07\n"},
		{"a fenced block goes with its task, headings in it included",
			"## Pending\n### A\n- Due: 2026-03-10 09:00\n```\n### not a task\n```\nafter\n### B\n## Completed\n",
			[]string{"A"},
			"## Pending\n### B\n## Completed\n\n### A\n- Due: 2026-03-10 09:00\n```\n### not a task\n```\nafter\n- Completed: 2026-03-10 10:07\n"},
		{"a fenced block left open at the end: the task stays",
			"### d\n```\n### d",
			[]string{"d"}, ""},
		{"a task that begins where a comment ends stays",
			"<!--0\n-->### 0\n```0",
			[]string{"0"}, ""},
		{"a comment left open where the section would go: the task stays",
			"### A\n\n## X\n<!--",
			[]string{"A"}, ""},
		{"the Completed section ends inside a comment: the task stays",
			"### A\n## Completed\n### Old <!--\nnote\n",
			[]string{"A"}, ""},
		{"a task that ends inside a comment stays",
			"### A\n- Description: x <!-- note\n-->## X\n",
			[]string{"A"}, ""},
		{"a checkbox whose removal would give its lines to the task above stays",
			"### R\n- Recurring: daily at 08:00\n- [ ] x\n- Due: 2027-01-01\n",
			[]string{"x"}, ""},
		{"whole comments in and around a task move with it",
			"## Pending\n<!-- a -->\n### A <!-- b -->\n- Description: x <!-- c\nd -->\n## Completed\n",
			[]string{"A"},
			"## Pending\n<!-- a -->\n## Completed\n\n### A <!-- b -->\n- Description: x <!-- c\nd -->\n- Completed: 2026-03-10 10:07\n"},
		{"a checkbox with a comment is ticked and dated",
			"- [ ] water the plants <!-- weekly -->  \n## Completed\n",
			[]string{"water the plants"},
			"## Completed\n\n- [x] water the plants <!-- weekly --> (completed 2026-03-10 10:07)\n"},
		{"a Completed heading in a fence is not the section",
			"```\n# Completed\n```\n### A\n",
			[]string{"A"},
			"```\n# Completed\n```\n\n## Completed\n\n### A\n- Completed: 2026-03-10 10:07\n"},
		{"CRLF endings are kept",
			"## Pending\r\n### A\r\n- Due: 2026-03-10 09:00\r\n## Completed\r\n",
			[]string{"A"},
			"## Pending\r\n## Completed\r\n\r\n### A\r\n- Due: 2026-03-10 09:00\r\n- Completed: 2026-03-10 10:07\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var done []Task
			for _, task := range Parse(tt.src, loc).Tasks {
				for _, title := range tt.done {
					if task.Title == title {
						done = append(done, task)
					}
				}
			}
			if len(done) == 0 { // a task no longer in the file
				done = []Task{{Title: tt.done[0]}}
			}
			got, changed := CompleteTasks(tt.src, done, at, loc)
			if tt.want == "" {
				if changed || got != tt.src {
					t.Fatalf("changed: %q", got)
				}
				return
			}
			if !changed || got != tt.want {
				t.Fatalf("got:\n%q\nwant:\n%q", got, tt.want)
			}
			for _, task := range Parse(got, loc).Tasks {
				for _, title := range tt.done {
					if task.Title == title && !task.Done {
						t.Fatalf("%q is still pending", title)
					}
				}
			}
		})
	}
}

// FuzzCompleteTasks: whatever HEARTBEAT.md holds (a user's, or one
// crafted to confuse the parser), moving its tasks to Completed loses no
// line of it — each comes out, at most ticked — changes no task but the
// moved ones, which are done, and a second pass moves nothing more.
func FuzzCompleteTasks(f *testing.F) {
	for _, s := range []string{
		"## Pending\n\n### A\n- Due: 2026-03-10 09:00\n\n### B\n\n## Completed\n",
		"- [ ] a\n  - sub\n- [ ] a\n<!--\n## Completed\n-->\n```\n### fenced\n```\n## Done:\n### x\n",
		"### A\r\n- Description: x\r\n## Completed\r\n### A\r\n",
		"## Pending\n### [ ] odd\n- [ ] ### both\n## completed\n## Completed\n",
		"### A\n\n## X\n<!--",
		"### A\n## X\n```",
		"### R\n- Recurring: daily at 08:00\n- [ ] x\n- Due: 2027-01-01\n",
	} {
		f.Add(s)
	}
	at := time.Date(2026, 3, 10, 10, 7, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, src string) {
		done := Parse(src, time.UTC).Pending()
		out, _ := CompleteTasks(src, done, at, time.UTC)
		norm := func(s string) string {
			return strings.TrimSpace(strings.ReplaceAll(s, "[x]", "[ ]"))
		}
		have := map[string]int{}
		for _, l := range strings.Split(strings.ReplaceAll(out, "\r\n", "\n"), "\n") {
			l = norm(l)
			l = strings.TrimSpace(strings.TrimSuffix(l, " (completed 2026-03-10 10:07)"))
			have[l]++
		}
		for _, l := range strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n") {
			l = norm(l)
			if l == "" {
				continue
			}
			if have[l] == 0 {
				t.Fatalf("line %q was lost:\n--- in\n%s\n--- out\n%s", l, src, out)
			}
			have[l]--
		}
		checkSameTasks(t, src, out)
		if again, moved := CompleteTasks(out, done, at, time.UTC); moved && again != out {
			t.Fatalf("a second pass moved more:\n--- once\n%s\n--- twice\n%s", out, again)
		}
	})
}

// checkSameTasks fails unless out, src with its pending tasks moved to
// Completed on 2026-03-10 10:07, holds the same tasks as src: the same
// titles, dates and repetitions, none that was done now pending, and
// none done now that was not a pending one-time task before.
func checkSameTasks(t *testing.T, src, out string) {
	t.Helper()
	id := func(task Task) string {
		task.Title = strings.TrimSpace(strings.TrimSuffix(task.Title, "(completed 2026-03-10 10:07)"))
		return strings.Join(strings.Fields(task.Key()), " ")
	}
	all, done := map[string]int{}, map[string]int{}
	movable := map[string]bool{}
	for _, task := range Parse(src, time.UTC).Tasks {
		all[id(task)]++
		if task.Done {
			done[id(task)]++
		} else if task.Recurring == nil {
			movable[id(task)] = true
		}
	}
	for _, task := range Parse(out, time.UTC).Tasks {
		all[id(task)]--
		if task.Done {
			done[id(task)]--
		} else if done[id(task)] > 0 && !movable[id(task)] {
			t.Fatalf("%q was done and is pending now:\n--- in\n%s\n--- out\n%s", task.Title, src, out)
		}
	}
	for k, n := range all {
		if n != 0 {
			t.Fatalf("task %q: %+d in the output:\n--- in\n%s\n--- out\n%s", k, -n, src, out)
		}
	}
	for k, n := range done {
		if n > 0 {
			t.Fatalf("task %q was done and is not:\n--- in\n%s\n--- out\n%s", k, src, out)
		}
		if n < 0 && !movable[k] {
			t.Fatalf("task %q is done but was not a pending one-time task:\n--- in\n%s\n--- out\n%s", k, src, out)
		}
	}
}
