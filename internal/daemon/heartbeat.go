package daemon

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/localgpt-go/localgpt/internal/assistant"
	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/heartbeat"
	"github.com/localgpt-go/localgpt/internal/tools"
)

// heartbeatLoop sleeps until the next cycle is due, runs it and re-arms:
// one timer, no polling, so the daemon uses no CPU between cycles.
type heartbeatLoop struct {
	d        *daemon
	sched    heartbeat.Schedule
	runner   *heartbeat.Runner
	stateDir string
	first    time.Time // when the first cycle runs
}

func newHeartbeatLoop(d *daemon, root *assistant.Root) (*heartbeatLoop, error) {
	r, sched, err := NewHeartbeat(root)
	if err != nil {
		return nil, err
	}
	h := &heartbeatLoop{d: d, sched: sched, runner: r, stateDir: root.Paths().State}
	// The first cycle is one interval after start. It is published before
	// the daemon reports ready, so a status right after start shows it.
	h.first = sched.Next(time.Now())
	h.arm(h.first)
	return h, nil
}

// run loops until gen is done (a reload or shutdown). Cycles run under
// root, the daemon's turns context, so a reload waits for a cycle in
// flight, and a shutdown too for its grace period (drain) before it
// cancels it.
func (h *heartbeatLoop) run(root, gen context.Context) {
	log := h.d.o.Log
	next := h.first
	timer := time.NewTimer(time.Until(next))
	defer timer.Stop()
	for {
		select {
		case <-gen.Done():
			return
		case <-timer.C:
		}
		now := time.Now()
		if !h.sched.Active(now) { // the clock jumped (suspend, manual change)
			next = h.sched.NextAfter(now, 0)
			h.arm(next)
			timer.Reset(time.Until(next))
			continue
		}
		delay := h.sched.Interval
		h.d.cycling.Store(1)
		res, err := h.runner.Cycle(root)
		h.d.cycling.Store(0)
		switch {
		case root.Err() != nil:
			return
		case errors.Is(err, heartbeat.ErrBusy):
			log.Info("heartbeat: a cycle is already running elsewhere; skipping this one")
		case err != nil:
			st, _ := heartbeat.LoadState(h.stateDir)
			delay = heartbeat.Backoff(h.sched.Interval, st.Failures)
			log.Warn("heartbeat: backing off after a failed cycle", "failures", st.Failures, "retry_in", delay.String())
		default:
			log.Debug("heartbeat: cycle finished", "outcome", res.Outcome, "skipped", res.Skipped, "duration", res.Duration)
		}
		next = h.sched.NextAfter(time.Now(), delay)
		h.arm(next)
		timer.Reset(time.Until(next))
	}
}

func (h *heartbeatLoop) arm(next time.Time) {
	h.d.publish(func(i *Info) { i.NextHeartbeat = next })
	h.d.o.Log.Debug("heartbeat: next cycle", "at", next.Format(time.RFC3339))
}

// NewHeartbeat translates the [heartbeat] section into the heartbeat's
// runner and schedule. Its cycles build their agent with root (on
// heartbeat.model, memory included) and write their summary through
// root's memory store, so a cycle opens no store of its own.
func NewHeartbeat(root *assistant.Root) (*heartbeat.Runner, heartbeat.Schedule, error) {
	hc := root.Config().Heartbeat
	sched, err := heartbeatSchedule(root.Config())
	if err != nil {
		return nil, sched, err
	}
	r, err := heartbeat.New(heartbeat.Options{
		Paths: root.Paths(), Location: sched.Loc, MaxTokensPerDay: hc.MaxTokensPerDay,
		Timeout: hc.Timeout.Duration, AllowTools: hc.AllowTools,
		NewAgent: func(ctx context.Context, approver tools.Approver) (heartbeat.Agent, error) {
			as, err := root.Open(ctx, assistant.Options{Model: hc.Model, Approver: approver, Unattended: true})
			if err != nil {
				return heartbeat.Agent{}, err
			}
			return heartbeat.Agent{Agent: as.Agent, Label: as.Label()}, nil
		},
		Memory: dailyLog{root}, Log: root.Log(), Secrets: root.Secrets(), Locks: root.Locks(),
	})
	return r, sched, err
}

// heartbeatSchedule builds the schedule of the [heartbeat] section.
func heartbeatSchedule(c *config.Config) (heartbeat.Schedule, error) {
	loc, err := c.Location()
	if err != nil {
		return heartbeat.Schedule{}, fmt.Errorf("heartbeat: time zone %q: %w", c.Heartbeat.Timezone, err)
	}
	s := heartbeat.Schedule{Interval: c.Heartbeat.Interval.Duration, Loc: loc}
	if ah := c.Heartbeat.ActiveHours; ah != nil {
		start, err := config.ParseClock(ah.Start)
		if err != nil {
			return heartbeat.Schedule{}, fmt.Errorf("heartbeat.active_hours.start: %w", err)
		}
		end, err := config.ParseClock(ah.End)
		if err != nil {
			return heartbeat.Schedule{}, fmt.Errorf("heartbeat.active_hours.end: %w", err)
		}
		s.Window = &heartbeat.Window{Start: start, End: end}
	}
	return s, nil
}

// dailyLog writes a cycle's summary through the root's memory store,
// opened on first use: a cycle that skips opens nothing.
type dailyLog struct{ root *assistant.Root }

func (l dailyLog) AppendDaily(ctx context.Context, text string, now time.Time) (string, error) {
	st, err := l.root.Memory(ctx)
	if err != nil {
		return "", err
	}
	return st.AppendDaily(ctx, text, now)
}
