package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/localgpt-go/localgpt/internal/assistant"
	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/fsutil"
	"github.com/localgpt-go/localgpt/internal/keylock"
	"github.com/localgpt-go/localgpt/internal/memory"
	"github.com/localgpt-go/localgpt/internal/secret"
)

// Component is a long-running part of the daemon besides the heartbeat
// and the memory watcher, such as the HTTP server. Run calls ready once
// it is up, with the address it serves ("" if it serves none), and runs
// until ctx is done. An error from Run before ready stops the daemon
// from starting; after ready it stops the daemon.
type Component interface {
	Name() string
	Run(ctx context.Context, ready func(addr string)) error
}

// Options configure Run.
type Options struct {
	Config *config.Config
	Paths  config.Paths
	Log    *slog.Logger
	Getenv func(string) string
	// Version is recorded in daemon.json.
	Version string
	// Secrets are masked by the heartbeat (see heartbeat.Options); the
	// caller adds a reloaded configuration's secrets to it.
	Secrets *secret.Masker
	// Components builds the extra components for a configuration; it is
	// called at start and after each reload, with the composition root
	// of that configuration, whose memory store and locks the watcher
	// and the heartbeat share. Nil means none.
	Components func(*assistant.Root) []Component
	// Reload receives a value when the configuration should be reloaded
	// (SIGHUP); Load reads it again. Both nil: no reloading.
	Reload <-chan os.Signal
	Load   func() (*config.Config, config.Paths, error)
	// Locked is called once the daemon lock is held, before anything
	// starts: what belongs to the one daemon of a home is taken there
	// (the rotation of the log, see logging.File.Own). Nil: nothing.
	Locked func()
	// Ready is called once the daemon is up, with what it published.
	Ready func(Info)
	// LockWait is how long to retry the daemon lock while another process
	// briefly probes it (status); 0 means 500ms.
	LockWait time.Duration
}

// Run runs the daemon in the foreground until ctx is done: it takes the
// lock (refusing with ErrRunning if another daemon holds it), writes the
// pid file, runs the heartbeat, the memory watcher and the components,
// reloads on Reload, and on shutdown lets everything stop (turns in
// flight get a grace period, then are cancelled; see drain) before it
// removes its files.
func Run(ctx context.Context, o Options) error {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	state := o.Paths.State
	lock, err := acquire(ctx, state, o.LockWait)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	if o.Locked != nil {
		o.Locked()
	}
	ctx, release, err := stopRequests(ctx)
	if err != nil {
		return fmt.Errorf("daemon: %w", err)
	}
	defer release()
	pidPath := filepath.Join(state, PIDFile)
	if old := readPID(state); old != 0 {
		o.Log.Info("daemon: replacing a stale pid file", "pid", old)
	}
	if err := fsutil.WriteAtomic(pidPath, []byte(strconv.Itoa(os.Getpid())+"\n"), fsutil.FileMode); err != nil {
		return fmt.Errorf("daemon: write pid file: %w", err)
	}
	defer os.Remove(pidPath)
	defer os.Remove(filepath.Join(state, InfoFile))

	// Turns (heartbeat cycles) outlive a stop request by the grace period.
	turns, cancelTurns := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelTurns()
	d := &daemon{o: o, turns: turns, info: Info{PID: os.Getpid(), Started: time.Now(), Version: o.Version, Home: o.Paths.Home}}
	cfg, paths := o.Config, o.Paths
	prevCfg, prevPaths := cfg, paths
	first := true
	for {
		g, err := d.start(ctx, cfg, paths)
		if err != nil && !first && ctx.Err() == nil && cfg != prevCfg {
			o.Log.Error("daemon: the reloaded configuration does not start; going back to the previous one", "err", err)
			cfg, paths = prevCfg, prevPaths
			g, err = d.start(ctx, cfg, paths)
		}
		if err != nil && !first && ctx.Err() != nil {
			// Stopped while a reloaded configuration was starting: a
			// clean stop, not a failure.
			o.Log.Info("daemon: stopped")
			return nil
		}
		if err != nil {
			return err
		}
		if first {
			first = false
			o.Log.Info("daemon: running", "pid", d.info.PID, "home", paths.Home,
				"heartbeat", cfg.Heartbeat.Enabled, "interval", cfg.Heartbeat.Interval.String())
			if o.Ready != nil {
				o.Ready(d.snapshot())
			}
		}
	wait:
		select {
		case <-ctx.Done():
			d.drain(g, cancelTurns)
			o.Log.Info("daemon: stopped")
			return nil
		case err := <-g.failed:
			g.stop()
			return err
		case <-o.Reload:
			if o.Load == nil {
				goto wait
			}
			ncfg, npaths, err := o.Load()
			if err != nil {
				o.Log.Error("daemon: configuration not reloaded; keeping the running one", "err", err)
				goto wait
			}
			o.Log.Info("daemon: reloading the configuration (waits for a running heartbeat cycle)")
			g.stop()
			prevCfg, prevPaths = cfg, paths
			cfg, paths = ncfg, npaths
			d.mu.Lock()
			d.info.Reloaded = time.Now()
			d.mu.Unlock()
		}
	}
}

// acquire takes the daemon lock, retrying briefly while a status probe
// holds it.
func acquire(ctx context.Context, state string, wait time.Duration) (*keylock.File, error) {
	if wait <= 0 {
		wait = 500 * time.Millisecond
	}
	deadline := time.Now().Add(wait)
	for {
		lock, err := keylock.TryLockFile(filepath.Join(state, LockFile))
		if err == nil {
			return lock, nil
		}
		if !errors.Is(err, keylock.ErrLocked) {
			return nil, fmt.Errorf("daemon: %w", err)
		}
		if time.Now().After(deadline) {
			msg := "for this home"
			if pid := readPID(state); pid != 0 {
				msg = "(pid " + strconv.Itoa(pid) + ")"
			}
			return nil, fmt.Errorf("%w %s; stop it with `localgpt daemon stop`, or see it with `localgpt daemon status`", ErrRunning, msg)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// daemon is a running daemon's shared state.
type daemon struct {
	o Options
	// locks is the process's lock table of files, shared by the roots of
	// every configuration (a tool of the old one may still run while the
	// new one starts).
	locks keylock.Table
	// turns is the context heartbeat cycles run under: a stop cancels it
	// only after the grace period (drain).
	turns context.Context
	// cycling is 1 while a heartbeat cycle runs.
	cycling atomic.Int32
	mu      sync.Mutex
	info    Info
	// publishMu orders publications: each update is written to
	// daemon.json before the next one is made, so a stale snapshot can
	// never overwrite a newer one.
	publishMu sync.Mutex
}

func (d *daemon) snapshot() Info {
	d.mu.Lock()
	defer d.mu.Unlock()
	info := d.info
	if d.info.Servers != nil {
		info.Servers = make(map[string]string, len(d.info.Servers))
		for k, v := range d.info.Servers {
			info.Servers[k] = v
		}
	}
	return info
}

// publish updates Info under the lock and writes daemon.json.
func (d *daemon) publish(update func(*Info)) {
	d.publishMu.Lock()
	defer d.publishMu.Unlock()
	d.mu.Lock()
	update(&d.info)
	d.mu.Unlock()
	if err := writeInfo(d.o.Paths.State, d.snapshot()); err != nil {
		d.o.Log.Warn("daemon: status not published", "err", err)
	}
}

// generation is everything started for one configuration.
type generation struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	failed chan error
	root   *assistant.Root
	comps  []Component
	grace  time.Duration // for turns in flight (Grace)
}

// stop stops every part, then closes the memory store they shared.
func (g *generation) stop() {
	g.cancel()
	g.wg.Wait()
	g.root.Close()
}

// start runs the heartbeat, the watcher and the components for cfg. It
// returns once every component is ready (or one failed to start).
func (d *daemon) start(ctx context.Context, cfg *config.Config, paths config.Paths) (*generation, error) {
	gctx, cancel := context.WithCancel(ctx)
	log := d.o.Log
	root := assistant.NewRoot(assistant.RootOptions{Config: cfg, Paths: paths, Log: log, Getenv: d.o.Getenv,
		Secrets: d.o.Secrets, Locks: &d.locks})
	g := &generation{cancel: cancel, failed: make(chan error, 1), root: root, grace: Grace(cfg)}
	d.publish(func(i *Info) {
		i.Servers = nil
		i.HeartbeatEnabled = cfg.Heartbeat.Enabled
		i.NextHeartbeat = time.Time{}
	})

	store, err := root.Memory(gctx)
	if err != nil {
		log.Error("daemon: memory watcher not started", "err", err)
	} else {
		g.wg.Go(func() {
			if err := memory.Watch(gctx, store, log); err != nil {
				log.Error("daemon: memory watcher stopped", "err", err)
			}
		})
		if store.Embeddings() { // keeps the vectors of semantic search current
			g.wg.Go(func() { memory.RunEmbedder(gctx, store, log) })
		}
	}
	if cfg.Heartbeat.Enabled {
		hb, err := newHeartbeatLoop(d, root)
		if err != nil {
			g.stop()
			return nil, err
		}
		g.wg.Go(func() { hb.run(d.turns, gctx) })
	}
	if d.o.Components != nil {
		g.comps = d.o.Components(root)
		for _, c := range g.comps {
			ready := make(chan string, 1)
			errc := make(chan error, 1)
			g.wg.Go(func() {
				errc <- c.Run(gctx, func(addr string) { ready <- addr })
			})
			select {
			case addr := <-ready:
				if addr != "" {
					d.publish(func(i *Info) {
						if i.Servers == nil {
							i.Servers = map[string]string{}
						}
						i.Servers[c.Name()] = addr
					})
				}
				log.Info("daemon: component ready", "component", c.Name(), "addr", addr)
				g.wg.Go(func() {
					if err := <-errc; err != nil && gctx.Err() == nil {
						select {
						case g.failed <- fmt.Errorf("daemon: %s stopped: %w", c.Name(), err):
						default:
						}
					}
				})
			case err := <-errc:
				g.stop()
				if err == nil {
					err = errors.New("it stopped before it was ready")
				}
				return nil, fmt.Errorf("daemon: start %s: %w", c.Name(), err)
			case <-ctx.Done():
				g.stop()
				return nil, ctx.Err()
			}
		}
	}
	return g, nil
}
