package daemon

import (
	"context"
	"errors"
	"time"

	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/heartbeat"
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

func newHeartbeatLoop(d *daemon, cfg *config.Config, paths config.Paths) (*heartbeatLoop, error) {
	sched, err := heartbeat.ScheduleFromConfig(cfg)
	if err != nil {
		return nil, err
	}
	r, err := heartbeat.New(heartbeat.Options{Config: cfg, Paths: paths, Log: d.o.Log, Getenv: d.o.Getenv, Secrets: d.o.Secrets})
	if err != nil {
		return nil, err
	}
	h := &heartbeatLoop{d: d, sched: sched, runner: r, stateDir: paths.State}
	// The first cycle is one interval after start. It is published before
	// the daemon reports ready, so a status right after start shows it.
	h.first = sched.Next(time.Now())
	h.arm(h.first)
	return h, nil
}

// run loops until gen is done (a reload or shutdown). Cycles run under
// root, the daemon's own context, so a reload waits for a cycle in flight
// while a shutdown cancels it.
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
		res, err := h.runner.Cycle(root)
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
