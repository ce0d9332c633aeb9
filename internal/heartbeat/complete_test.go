package heartbeat

import (
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
