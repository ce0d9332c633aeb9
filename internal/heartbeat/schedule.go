package heartbeat

import (
	"time"
)

// Window is a daily span of wall-clock time in minutes after midnight.
// End before Start is a window over midnight; End may be 1440 (24:00).
type Window struct {
	Start, End int
}

// Contains reports whether the wall-clock minute m lies in the window.
func (w Window) Contains(m int) bool {
	if w.Start < w.End {
		return m >= w.Start && m < w.End
	}
	return m >= w.Start || m < w.End
}

// Schedule says when cycles run: every Interval, only inside Window (nil
// means any hour), with wall-clock times in Loc.
type Schedule struct {
	Interval time.Duration
	Window   *Window
	Loc      *time.Location
}

// Active reports whether t lies inside the active hours.
func (s Schedule) Active(t time.Time) bool {
	if s.Window == nil {
		return true
	}
	t = t.In(s.location())
	return s.Window.Contains(t.Hour()*60 + t.Minute())
}

// Next returns when the cycle after one at from runs: one interval later,
// or, when that falls outside the active hours, when they next begin.
func (s Schedule) Next(from time.Time) time.Time {
	return s.NextAfter(from, s.Interval)
}

// NextAfter is Next with another delay (a back-off after failures).
func (s Schedule) NextAfter(from time.Time, delay time.Duration) time.Time {
	t := from.Add(delay)
	if s.Active(t) {
		return t
	}
	return s.windowStart(t)
}

// windowStart returns the first start of the active hours after t. A start
// in a DST gap (02:30 on the spring-forward day) happens when the clock
// jumps over it.
func (s Schedule) windowStart(t time.Time) time.Time {
	loc := s.location()
	lt := t.In(loc)
	y, m, d := lt.Date()
	for k := 0; k <= 2; k++ {
		c := time.Date(y, m, d+k, s.Window.Start/60, s.Window.Start%60, 0, 0, loc)
		if c.After(t) {
			return c
		}
	}
	return t // not reached: a start within two days always exists
}

func (s Schedule) location() *time.Location {
	if s.Loc == nil {
		return time.Local
	}
	return s.Loc
}

// MaxBackoff bounds the wait after repeated failures.
const MaxBackoff = 6 * time.Hour

// Backoff is how long to wait after failures consecutive failed cycles:
// the interval doubled per failure beyond the first, at most MaxBackoff
// (or the interval, if that is longer).
func Backoff(interval time.Duration, failures int) time.Duration {
	d := interval
	limit := max(MaxBackoff, interval)
	for i := 1; i < failures && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}
