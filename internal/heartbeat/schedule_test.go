package heartbeat

import (
	"testing"
	"time"
)

func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// at parses "2006-01-02 15:04" as wall-clock time in loc.
func at(t testing.TB, loc *time.Location, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

const wall = "2006-01-02 15:04 MST"

func TestScheduleNext(t *testing.T) {
	w := func(s, e int) *Window { return &Window{Start: s, End: e} }
	tests := []struct {
		name     string
		zone     string
		interval time.Duration
		window   *Window
		from     string
		want     string
	}{
		{"no window", "UTC", 30 * time.Minute, nil, "2026-06-01 10:00", "2026-06-01 10:30 UTC"},
		{"90s", "Asia/Tokyo", 90 * time.Second, nil, "2026-06-01 23:59", "2026-06-02 00:00 JST"},
		{"inside window", "Europe/Berlin", 30 * time.Minute, w(9*60, 22*60), "2026-06-01 12:00", "2026-06-01 12:30 CEST"},
		{"past the end: next morning", "Europe/Berlin", 30 * time.Minute, w(9*60, 22*60), "2026-01-12 21:45", "2026-01-13 09:00 CET"},
		{"before the start", "Europe/Berlin", time.Hour, w(9*60, 22*60), "2026-01-12 06:00", "2026-01-12 09:00 CET"},
		{"over midnight: after the end", "UTC", 30 * time.Minute, w(22*60, 6*60), "2026-06-01 05:50", "2026-06-01 22:00 UTC"},
		{"over midnight: across it", "UTC", 30 * time.Minute, w(22*60, 6*60), "2026-06-01 23:50", "2026-06-02 00:20 UTC"},
		{"end at 24:00", "UTC", 30 * time.Minute, w(20*60, 24*60), "2026-06-01 23:50", "2026-06-02 20:00 UTC"},
		{"Berlin spring forward, 1h", "Europe/Berlin", time.Hour, nil, "2026-03-29 01:30", "2026-03-29 03:30 CEST"},
		{"Berlin window after spring forward", "Europe/Berlin", 30 * time.Minute, w(9*60, 17*60), "2026-03-28 16:50", "2026-03-29 09:00 CEST"},
		{"Berlin window starting in the gap", "Europe/Berlin", 30 * time.Minute, w(2*60+30, 4*60), "2026-03-28 23:00", "2026-03-29 03:30 CEST"},
		{"Berlin fall back, 1h", "Europe/Berlin", time.Hour, nil, "2026-10-25 02:30", "2026-10-25 02:30 CET"},
		{"New York spring forward", "America/New_York", 30 * time.Minute, w(8*60, 20*60), "2026-03-07 19:45", "2026-03-08 08:00 EDT"},
		{"New York fall back", "America/New_York", 30 * time.Minute, w(8*60, 20*60), "2026-10-31 19:45", "2026-11-01 08:00 EST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := zone(t, tt.zone)
			s := Schedule{Interval: tt.interval, Window: tt.window, Loc: loc}
			from := at(t, loc, tt.from)
			if tt.name == "Berlin fall back, 1h" {
				from = time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC) // 02:30 CEST, the first 02:30
			}
			got := s.Next(from)
			if g := got.In(loc).Format(wall); g != tt.want {
				t.Fatalf("Next(%s) = %s, want %s", from.Format(wall), g, tt.want)
			}
			if !s.Active(got) {
				t.Fatalf("Next returned %s, outside the window", got.In(loc).Format(wall))
			}
			if !got.After(from) {
				t.Fatalf("Next(%s) = %s is not later", from, got)
			}
		})
	}
}

func TestWindowContains(t *testing.T) {
	tests := []struct {
		w    Window
		m    int
		want bool
	}{
		{Window{22 * 60, 6 * 60}, 21*60 + 59, false},
		{Window{22 * 60, 6 * 60}, 22 * 60, true},
		{Window{22 * 60, 6 * 60}, 0, true},
		{Window{22 * 60, 6 * 60}, 5*60 + 59, true},
		{Window{22 * 60, 6 * 60}, 6 * 60, false},
		{Window{9 * 60, 17 * 60}, 9 * 60, true},
		{Window{9 * 60, 17 * 60}, 17 * 60, false},
		{Window{0, 24 * 60}, 23*60 + 59, true},
	}
	for _, tt := range tests {
		if got := tt.w.Contains(tt.m); got != tt.want {
			t.Errorf("%+v.Contains(%d) = %v, want %v", tt.w, tt.m, got, tt.want)
		}
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		interval time.Duration
		failures int
		want     time.Duration
	}{
		{30 * time.Minute, 0, 30 * time.Minute},
		{30 * time.Minute, 1, 30 * time.Minute},
		{30 * time.Minute, 2, time.Hour},
		{30 * time.Minute, 3, 2 * time.Hour},
		{30 * time.Minute, 50, MaxBackoff},
		{10 * time.Hour, 3, 10 * time.Hour},
		{2 * time.Second, 4, 16 * time.Second},
	}
	for _, tt := range tests {
		if got := Backoff(tt.interval, tt.failures); got != tt.want {
			t.Errorf("Backoff(%s, %d) = %s, want %s", tt.interval, tt.failures, got, tt.want)
		}
	}
}
