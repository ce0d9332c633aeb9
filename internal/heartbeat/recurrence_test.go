package heartbeat

import (
	"testing"
	"time"
)

func TestParseRecurrence(t *testing.T) {
	tests := []struct {
		in, want string // want "" means an error
	}{
		{"hourly", "hourly"},
		{"Hourly at :15", "hourly at :15"},
		{"every hour", "hourly"},
		{"daily at 08:30", "daily at 08:30"},
		{"daily at 8:30", "daily at 08:30"},
		{"every day at 23:59.", "daily at 23:59"},
		{"daily", "daily"},
		{"weekly on Friday at 17:00", "weekly on Friday at 17:00"},
		{"weekly on fri", "weekly on Friday"},
		{"every monday at 09:00", "weekly on Monday at 09:00"},
		{"Weekly on Sundays at 7:05", "weekly on Sunday at 07:05"},
		{"", ""},
		{"fortnightly", ""},
		{"daily at 24:00", ""},
		{"daily at 8", ""},
		{"weekly on someday", ""},
		{"daily on friday", ""},
		{"hourly at 75", ""},
		{"daily at +8:30", ""},
		{"every", ""},
		{"daily at", ""},
	}
	for _, tt := range tests {
		r, err := ParseRecurrence(tt.in)
		switch {
		case tt.want == "" && err == nil:
			t.Errorf("ParseRecurrence(%q) = %v, want an error", tt.in, r)
		case tt.want != "" && err != nil:
			t.Errorf("ParseRecurrence(%q): %v", tt.in, err)
		case tt.want != "" && r.String() != tt.want:
			t.Errorf("ParseRecurrence(%q) = %q, want %q", tt.in, r.String(), tt.want)
		}
	}
}

func TestRecurrenceLatest(t *testing.T) {
	tests := []struct {
		name, zone, rec, due, now, want string
	}{
		{"hourly", "Europe/Berlin", "hourly", "", "2026-01-12 10:20", "2026-01-12 10:00 CET"},
		{"hourly at due's minute", "Europe/Berlin", "hourly", "2026-01-01 09:15", "2026-01-12 10:20", "2026-01-12 10:15 CET"},
		{"hourly before the minute", "Europe/Berlin", "hourly at :15", "", "2026-01-12 10:10", "2026-01-12 09:15 CET"},
		{"daily today", "Europe/Berlin", "daily at 08:30", "", "2026-03-29 10:00", "2026-03-29 08:30 CEST"},
		{"daily yesterday across DST", "Europe/Berlin", "daily at 08:30", "", "2026-03-29 08:00", "2026-03-28 08:30 CET"},
		{"daily in the DST gap", "Europe/Berlin", "daily at 02:30", "", "2026-03-29 04:00", "2026-03-29 03:30 CEST"},
		{"daily without time uses due", "UTC", "daily", "2026-01-01 07:45", "2026-02-10 07:00", "2026-02-09 07:45 UTC"},
		{"weekly same day after", "Europe/Berlin", "weekly on Friday at 17:00", "", "2026-01-09 18:00", "2026-01-09 17:00 CET"},
		{"weekly same day before", "Europe/Berlin", "weekly on Friday at 17:00", "", "2026-01-09 16:00", "2026-01-02 17:00 CET"},
		{"weekly from monday", "Europe/Berlin", "weekly on Friday at 17:00", "", "2026-01-12 09:00", "2026-01-09 17:00 CET"},
		{"weekly day from due", "UTC", "weekly", "2026-01-07 12:00", "2026-01-15 00:00", "2026-01-14 12:00 UTC"},
		{"New York fall back", "America/New_York", "daily at 08:00", "", "2026-11-01 09:00", "2026-11-01 08:00 EST"},
		{"New York week over spring forward", "America/New_York", "weekly on Saturday at 12:00", "", "2026-03-09 12:00", "2026-03-07 12:00 EST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := zone(t, tt.zone)
			r, err := ParseRecurrence(tt.rec)
			if err != nil {
				t.Fatal(err)
			}
			var due time.Time
			if tt.due != "" {
				due = at(t, loc, tt.due)
			}
			now := at(t, loc, tt.now)
			got := r.Latest(now, due, loc)
			if g := got.In(loc).Format(wall); g != tt.want {
				t.Fatalf("Latest(%s) = %s, want %s", tt.now, g, tt.want)
			}
			if got.After(now) {
				t.Fatal("occurrence after now")
			}
		})
	}
}

func TestDue(t *testing.T) {
	loc := zone(t, "Europe/Berlin")
	now := at(t, loc, "2026-03-29 10:00")
	src := `## Pending
### Past one-time
- Due: 2026-03-28 09:00
### Future one-time
- Due: 2026-03-30 09:00
### Undated
### Daily
- Recurring: daily at 08:30
### Daily not started
- Due: 2026-04-01 08:30
- Recurring: daily at 08:30
### Weekly started
- Due: 2026-03-01 08:00
- Recurring: weekly on Sunday at 08:00
- [ ] plants
- [x] ticked
## Completed
### Old
- Due: 2026-01-01 00:00
`
	f := Parse(src, loc)
	key := func(title string) string {
		for _, tk := range f.Tasks {
			if tk.Title == title {
				return tk.Key()
			}
		}
		t.Fatalf("no task %q", title)
		return ""
	}
	tests := []struct {
		name string
		ran  map[string]time.Time
		want []string
	}{
		{"nothing ran", nil, []string{"Past one-time", "Undated", "Daily", "Weekly started", "plants"}},
		{"all handled today", map[string]time.Time{
			key("Past one-time"):  at(t, loc, "2026-03-28 09:05"),
			key("Undated"):        at(t, loc, "2026-03-20 00:00"),
			key("Daily"):          at(t, loc, "2026-03-29 08:31"),
			key("Weekly started"): at(t, loc, "2026-03-29 08:00"),
			key("plants"):         at(t, loc, "2026-03-29 09:00"),
		}, nil},
		{"daily ran yesterday", map[string]time.Time{
			key("Past one-time"): now, key("Undated"): now, key("Weekly started"): now, key("plants"): now,
			key("Daily"): at(t, loc, "2026-03-28 08:31"),
		}, []string{"Daily"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, tk := range Due(f, now, loc, tt.ran) {
				got = append(got, tk.Title)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("due = %q, want %q", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("due = %q, want %q", got, tt.want)
				}
			}
		})
	}
}

// FuzzParseRecurrence: any value parses or fails cleanly, a parsed one
// round-trips through String, and its latest occurrence is never after now.
func FuzzParseRecurrence(f *testing.F) {
	for _, s := range []string{"hourly", "daily at 08:30", "weekly on Friday at 17:00", "every tue", "hourly at :59", "daily at 9:5"} {
		f.Add(s)
	}
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		f.Fatal(err)
	}
	now := time.Date(2026, 3, 29, 2, 30, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRecurrence(s)
		if err != nil {
			return
		}
		again, err := ParseRecurrence(r.String())
		if err != nil || *again != *r {
			t.Fatalf("%q → %q does not round-trip: %v", s, r.String(), err)
		}
		if got := r.Latest(now, time.Time{}, loc); got.After(now) || now.Sub(got) > 8*24*time.Hour {
			t.Fatalf("%q: latest %s for now %s", s, got, now)
		}
	})
}
