package daemon

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/internal/assistant"
	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/heartbeat"
	"github.com/localgpt-go/localgpt/internal/memory"
)

func testHome(t *testing.T, interval time.Duration) (*config.Config, config.Paths) {
	t.Helper()
	home := t.TempDir()
	cfg := config.Default()
	cfg.Heartbeat.Interval = config.Duration{Duration: interval}
	paths := config.ResolvePaths(home, filepath.Join(home, "config.toml"), cfg, func(string) string { return home })
	if _, err := memory.EnsureWorkspace(paths.Workspace); err != nil {
		t.Fatal(err)
	}
	return cfg, paths
}

// httpComponent is a real HTTP server on loopback, as the HTTP issue's
// server will be.
type httpComponent struct{}

func (httpComponent) Name() string { return "http" }

func (httpComponent) Run(ctx context.Context, ready func(string)) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok")) })}
	ready(ln.Addr().String())
	go func() { <-ctx.Done(); srv.Close() }()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

type failingComponent struct{}

func (failingComponent) Name() string { return "broken" }
func (failingComponent) Run(context.Context, func(string)) error {
	return errors.New("port 31327 is in use")
}

// running starts Run in the background and waits until it is ready.
func running(t *testing.T, o Options) (Info, context.CancelFunc, <-chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan Info, 1)
	o.Ready = func(i Info) { ready <- i }
	done := make(chan error, 1)
	go func() { done <- Run(ctx, o) }()
	select {
	case info := <-ready:
		return info, cancel, done
	case err := <-done:
		cancel()
		t.Fatalf("daemon did not start: %v", err)
	case <-time.After(20 * time.Second):
		cancel()
		t.Fatal("daemon not ready after 20s")
	}
	return Info{}, cancel, done
}

func TestRunStatusAndShutdown(t *testing.T) {
	cfg, paths := testHome(t, time.Hour)
	info, cancel, done := running(t, Options{Config: cfg, Paths: paths,
		Components: func(*assistant.Root) []Component { return []Component{httpComponent{}} }})
	st, err := ReadStatus(cfg, paths, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	addr := st.Servers["http"]
	if !st.Running || st.PID != os.Getpid() || info.PID != os.Getpid() || addr == "" || st.Heartbeat.NextRun.IsZero() {
		t.Fatalf("status %+v", st)
	}
	if resp, err := http.Get("http://" + addr); err != nil {
		t.Fatalf("component not serving: %v", err)
	} else {
		resp.Body.Close()
	}
	if d := time.Until(st.Heartbeat.NextRun); d < 50*time.Minute || d > time.Hour {
		t.Fatalf("first cycle %s away, want one interval", d)
	}
	// A second daemon on the same home refuses, naming the first.
	err = Run(context.Background(), Options{Config: cfg, Paths: paths, LockWait: time.Millisecond})
	if !errors.Is(err, ErrRunning) || !strings.Contains(err.Error(), "localgpt daemon stop") {
		t.Fatalf("second daemon: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{PIDFile, InfoFile} {
		if _, err := os.Stat(filepath.Join(paths.State, f)); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("%s left behind: %v", f, err)
		}
	}
	if st, _ := ReadStatus(cfg, paths, time.Now()); st.Running {
		t.Fatal("still running after shutdown")
	}
}

func TestStalePIDFileReplaced(t *testing.T) {
	cfg, paths := testHome(t, time.Hour)
	os.MkdirAll(paths.State, 0o755)
	os.WriteFile(filepath.Join(paths.State, PIDFile), []byte("999999\n"), 0o644)
	st, err := ReadStatus(cfg, paths, time.Now())
	if err != nil || st.Running || st.StalePID != 999999 {
		t.Fatalf("%+v %v", st, err)
	}
	if _, err := Stop(context.Background(), paths, time.Second, nil); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("stop with a stale pid file: %v", err)
	}
	_, cancel, done := running(t, Options{Config: cfg, Paths: paths})
	if readPID(paths.State) != os.Getpid() {
		t.Fatal("stale pid file not replaced")
	}
	cancel()
	<-done
}

func TestComponentFailureStopsStart(t *testing.T) {
	cfg, paths := testHome(t, time.Hour)
	err := Run(context.Background(), Options{Config: cfg, Paths: paths,
		Components: func(*assistant.Root) []Component { return []Component{failingComponent{}} }})
	if err == nil || !strings.Contains(err.Error(), "start broken: port 31327 is in use") {
		t.Fatalf("err = %v", err)
	}
}

// TestReloadAndHeartbeat: cycles run on the schedule (skipping, with no
// model configured at all), and a reload applies a new interval.
func TestReloadAndHeartbeat(t *testing.T) {
	cfg, paths := testHome(t, time.Second)
	cfg.Agent.DefaultModel = "openai/gpt-4o-mini" // no key: a model call would fail
	reload := make(chan os.Signal, 1)
	newCfg := *cfg
	newCfg.Heartbeat.Interval = config.Duration{Duration: time.Hour}
	loads := make(chan struct{}, 4)
	_, cancel, done := running(t, Options{Config: cfg, Paths: paths, Reload: reload,
		Load: func() (*config.Config, config.Paths, error) { loads <- struct{}{}; return &newCfg, paths, nil }})
	defer func() { cancel(); <-done }()
	waitFor(t, func() bool {
		st, _ := heartbeat.LoadState(paths.State)
		return st.Cycles >= 2
	})
	st, _ := heartbeat.LoadState(paths.State)
	if st.ModelCycles != 0 || st.LastOutcome != heartbeat.OK || !st.LastSkipped {
		t.Fatalf("state %+v", st)
	}
	reload <- os.Signal(nil)
	<-loads
	waitFor(t, func() bool {
		info, _ := readInfo(paths.State)
		return !info.Reloaded.IsZero() && time.Until(info.NextHeartbeat) > 50*time.Minute
	})
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 20s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestReloadThatFailsKeepsRunning: a reloaded configuration whose
// components cannot start is dropped and the previous one restarted.
func TestReloadThatFailsKeepsRunning(t *testing.T) {
	cfg, paths := testHome(t, time.Hour)
	bad := *cfg
	bad.Server.Port = 1
	reload := make(chan os.Signal, 1)
	components := func(root *assistant.Root) []Component {
		if root.Config().Server.Port == 1 {
			return []Component{failingComponent{}}
		}
		return []Component{httpComponent{}}
	}
	_, cancel, done := running(t, Options{Config: cfg, Paths: paths, Reload: reload, Components: components,
		Load: func() (*config.Config, config.Paths, error) { return &bad, paths, nil }})
	reload <- os.Signal(nil)
	waitFor(t, func() bool {
		info, _ := readInfo(paths.State)
		return !info.Reloaded.IsZero() && info.Servers["http"] != ""
	})
	select {
	case err := <-done:
		t.Fatalf("daemon exited after a bad reload: %v", err)
	default:
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// slowComponent is ready only once release is closed; started tells
// that Run was called.
type slowComponent struct{ started, release chan struct{} }

func (slowComponent) Name() string { return "slow" }
func (c slowComponent) Run(ctx context.Context, ready func(string)) error {
	c.started <- struct{}{}
	select {
	case <-c.release:
		ready("")
	case <-ctx.Done():
		return ctx.Err()
	}
	<-ctx.Done()
	return nil
}

// TestStopDuringReloadIsClean: a stop (SIGTERM) that arrives while a
// reloaded configuration is still starting ends the daemon cleanly, as
// any other stop does (it made `daemon stop` in the process test flaky).
func TestStopDuringReloadIsClean(t *testing.T) {
	cfg, paths := testHome(t, time.Hour)
	reload := make(chan os.Signal, 1)
	first := slowComponent{started: make(chan struct{}, 1), release: make(chan struct{})}
	close(first.release)
	second := slowComponent{started: make(chan struct{}, 1), release: make(chan struct{})} // never ready
	next := first
	components := func(*assistant.Root) []Component { c := next; next = second; return []Component{c} }
	_, cancel, done := running(t, Options{Config: cfg, Paths: paths, Reload: reload, Components: components,
		Load: func() (*config.Config, config.Paths, error) { return cfg, paths, nil }})
	<-first.started
	reload <- os.Signal(nil)
	<-second.started
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("a stop during a reload ended the daemon with %v, want a clean stop", err)
	}
}
