package heartbeat

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Frequency is how often a recurring task repeats.
type Frequency string

// The repetitions HEARTBEAT.md understands.
const (
	Hourly Frequency = "hourly"
	Daily  Frequency = "daily"
	Weekly Frequency = "weekly"
)

// Recurrence is a "- Recurring:" value: hourly, daily at HH:MM or weekly
// on DAY at HH:MM. Times are wall-clock times in the heartbeat's zone.
type Recurrence struct {
	Every Frequency `json:"every"`
	// At is minutes after midnight (daily, weekly) or after the hour
	// (hourly); -1 when not given: the task's Due time is used, else 00:00.
	At int `json:"at"`
	// Day is the weekday of a weekly task; -1 when not given: the Due
	// date's weekday is used, else Monday.
	Day time.Weekday `json:"day"`
}

// String writes the recurrence back in HEARTBEAT.md's words.
func (r Recurrence) String() string {
	s := string(r.Every)
	if r.Every == Weekly && r.Day >= 0 {
		s += " on " + r.Day.String()
	}
	if r.At >= 0 {
		if r.Every == Hourly {
			s += fmt.Sprintf(" at :%02d", r.At)
		} else {
			s += fmt.Sprintf(" at %02d:%02d", r.At/60, r.At%60)
		}
	}
	return s
}

// ParseRecurrence reads "hourly", "daily at 08:30", "weekly on Friday at
// 17:00" (also "every hour", "every day at 8:30", "weekly on fri").
func ParseRecurrence(s string) (*Recurrence, error) {
	words := strings.Fields(strings.ToLower(strings.TrimRight(strings.TrimSpace(s), ".")))
	bad := &formatError{"recurrence " + quote(s) + " is not \"hourly\", \"daily at HH:MM\" or \"weekly on DAY at HH:MM\""}
	if len(words) == 0 {
		return nil, bad
	}
	r := &Recurrence{At: -1, Day: -1}
	switch {
	case words[0] == "hourly":
		r.Every, words = Hourly, words[1:]
	case words[0] == "daily":
		r.Every, words = Daily, words[1:]
	case words[0] == "weekly":
		r.Every, words = Weekly, words[1:]
	case len(words) > 1 && words[0] == "every":
		switch words[1] {
		case "hour":
			r.Every = Hourly
		case "day":
			r.Every = Daily
		case "week":
			r.Every = Weekly
		default:
			if d, ok := weekday(words[1]); ok {
				r.Every, r.Day = Weekly, d
			} else {
				return nil, bad
			}
		}
		words = words[2:]
	default:
		return nil, bad
	}
	for len(words) > 0 {
		switch {
		case len(words) > 1 && words[0] == "on" && r.Every == Weekly:
			d, ok := weekday(words[1])
			if !ok {
				return nil, bad
			}
			r.Day = d
		case len(words) > 1 && words[0] == "at" && r.Every != Hourly:
			m, ok := clock(words[1])
			if !ok {
				return nil, bad
			}
			r.At = m
		case len(words) > 1 && words[0] == "at" && r.Every == Hourly:
			m, err := strconv.Atoi(strings.TrimPrefix(words[1], ":"))
			if err != nil || m < 0 || m > 59 {
				return nil, bad
			}
			r.At = m
		default:
			return nil, bad
		}
		words = words[2:]
	}
	return r, nil
}

// Latest returns the latest occurrence at or before now, in loc. due, when
// not zero, supplies the time (and weekday) the recurrence leaves out.
func (r Recurrence) Latest(now, due time.Time, loc *time.Location) time.Time {
	now = now.In(loc)
	at, day := r.At, r.Day
	if !due.IsZero() {
		d := due.In(loc)
		if at < 0 {
			at = d.Hour()*60 + d.Minute()
			if r.Every == Hourly {
				at = d.Minute()
			}
		}
		if day < 0 {
			day = d.Weekday()
		}
	}
	at = max(at, 0)
	if day < 0 {
		day = time.Monday
	}
	y, m, d := now.Date()
	switch r.Every {
	case Hourly:
		t := time.Date(y, m, d, now.Hour(), at, 0, 0, loc)
		if t.After(now) {
			t = t.Add(-time.Hour)
		}
		return t
	case Weekly:
		back := (int(now.Weekday()) - int(day) + 7) % 7
		t := time.Date(y, m, d-back, at/60, at%60, 0, 0, loc)
		if t.After(now) {
			t = time.Date(y, m, d-back-7, at/60, at%60, 0, 0, loc)
		}
		return t
	default: // Daily
		t := time.Date(y, m, d, at/60, at%60, 0, 0, loc)
		if t.After(now) {
			t = time.Date(y, m, d-1, at/60, at%60, 0, 0, loc)
		}
		return t
	}
}

func weekday(s string) (time.Weekday, bool) {
	s = strings.TrimSuffix(strings.TrimRight(s, ",."), "s") // "fridays"
	for d := time.Sunday; d <= time.Saturday; d++ {
		name := strings.ToLower(d.String())
		if s == name || (len(s) >= 3 && strings.HasPrefix(name, s)) {
			return d, true
		}
	}
	return 0, false
}

// clock reads "HH:MM" or "H:MM" into minutes after midnight.
func clock(s string) (int, bool) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(m) != 2 || len(h) < 1 || len(h) > 2 {
		return 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 || h[0] == '+' || m[0] == '+' {
		return 0, false
	}
	return hh*60 + mm, true
}
