package daemon

import (
	"context"
	"time"

	"github.com/localgpt-go/localgpt/internal/config"
)

// TurnGrace is how long a daemon asked to stop lets the turns in flight —
// the HTTP server's chat requests and a heartbeat cycle — finish before it
// cancels them, unless server.chat_timeout is shorter (Grace). A daemon
// with none stops at once.
const TurnGrace = 30 * time.Second

// Grace is the grace period of turns in flight under cfg: TurnGrace, or
// server.chat_timeout when that is shorter (no chat request runs longer).
func Grace(cfg *config.Config) time.Duration {
	if t := cfg.Server.ChatTimeout.Duration; t > 0 && t < TurnGrace {
		return t
	}
	return TurnGrace
}

// Busy is implemented by components that run turns (the HTTP server), so
// that a stopping daemon can say how many it waits for.
type Busy interface {
	InFlight() int
}

// drain stops generation g, letting its turns in flight finish for the
// grace period and publishing how many remain (`daemon stop` shows it);
// then cancelTurns cancels what is left.
func (d *daemon) drain(g *generation, cancelTurns context.CancelFunc) {
	log := d.o.Log
	grace := g.grace
	stopped := make(chan struct{})
	go func() { // ends when g has stopped; cancelTurns guarantees it does
		g.stop()
		close(stopped)
	}()
	timer := time.NewTimer(grace)
	defer timer.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	published := 0
	for {
		// An idle daemon publishes nothing: it is gone before a reader
		// could look.
		if n := d.inFlight(g); n != published {
			if published == 0 {
				log.Info("daemon: stopping; waiting for the turns in flight", "turns", n, "grace", grace.String())
			}
			d.publish(func(i *Info) { i.Stopping, i.TurnsInFlight = true, n })
			published = n
		}
		select {
		case <-stopped:
			return
		case <-timer.C:
			log.Warn("daemon: turns still running after the grace period are cancelled", "turns", d.inFlight(g))
			cancelTurns()
		case <-tick.C:
		}
	}
}

// inFlight counts the turns running: a heartbeat cycle and the
// components' own.
func (d *daemon) inFlight(g *generation) int {
	n := int(d.cycling.Load())
	for _, c := range g.comps {
		if b, ok := c.(Busy); ok {
			n += b.InFlight()
		}
	}
	return n
}
