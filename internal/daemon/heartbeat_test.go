package daemon

import (
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/heartbeat"
)

func TestHeartbeatSchedule(t *testing.T) {
	c := config.Default()
	c.Heartbeat.Timezone = "America/New_York"
	c.Heartbeat.ActiveHours = &config.ActiveHours{Start: "22:00", End: "06:00"}
	s, err := heartbeatSchedule(c)
	if err != nil {
		t.Fatal(err)
	}
	if s.Interval != 30*time.Minute || s.Loc.String() != "America/New_York" || *s.Window != (heartbeat.Window{Start: 22 * 60, End: 6 * 60}) {
		t.Fatalf("%+v", s)
	}
	c.Heartbeat.Timezone = "Nowhere/Land"
	if _, err := heartbeatSchedule(c); err == nil {
		t.Fatal("unknown zone accepted")
	}
}
