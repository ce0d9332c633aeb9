//go:build unix

// Command compare measures two builds of localgpt side by side, interleaved
// (A, B, A, B, …) in one run so that both see the same machine, and prints
// the median of each figure for both and their ratio B/A:
//
//	go run ./bench/compare [flags] OLD_BINARY NEW_BINARY
//
// Figures: binary size; `--help`; one `ask` turn against an instant fake
// LLM; `session list` of 1,001 sessions, and `session show` of a
// 10,000-message one and its resume (`chat --session ID` with no input),
// each with its time and peak RSS; full and no-op reindex of the
// corpus and a whole `memory search` without a daemon (which checks
// freshness first); the daemon's ready time, idle RSS and CPU, search
// throughput over HTTP (conns keep-alive connections rotating the ten
// queries of bench/memory.sh: req/s, p50, p99, CPU per request, peak RSS
// and RSS after the load) and the time from SIGTERM to its exit.
// bench/compare.sh builds nothing: it generates the corpus and runs this.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type config struct {
	rounds, conns, helpRuns, askRuns int
	client                           string
	load, idle, settle               time.Duration
	corpus, work                     string
	only                             string
	groupNice                        int
}

func main() {
	var c config
	flag.IntVar(&c.rounds, "rounds", 5, "interleaved rounds (each build measured once per round)")
	flag.IntVar(&c.conns, "conns", 32, "connections of the search load")
	flag.StringVar(&c.client, "client", "raw", `client of the search load: "raw" (a lean HTTP/1.1 client, like wrk) or "net/http" (Go's)`)
	flag.IntVar(&c.helpRuns, "runs", 10, "runs per round of the quick commands (--help, ask, no-op reindex, search)")
	flag.DurationVar(&c.load, "load", 10*time.Second, "length of each search load (after a second of warm-up)")
	flag.DurationVar(&c.idle, "idle", 10*time.Second, "window in which idle CPU is measured")
	flag.DurationVar(&c.settle, "settle", 5*time.Second, "wait after the load before RSS is read again")
	flag.StringVar(&c.corpus, "corpus", "", "workspace to index and search (required; bench/compare.sh makes one)")
	flag.StringVar(&c.work, "work", "", "scratch folder (default: a new temporary one, removed at the end)")
	flag.StringVar(&c.only, "only", "", "comma-separated groups to run: static,cli,sessions,index,daemon (default all)")
	flag.IntVar(&c.groupNice, "group-nice", 0, "on a shared Linux machine: the nice value (-20..19, below 0 needs root) of this run's scheduling group, given to the daemons' too")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: compare [flags] OLD_BINARY NEW_BINARY\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if c.client != "raw" && c.client != "net/http" {
		fmt.Fprintf(os.Stderr, "compare: -client must be raw or net/http, not %q\n", c.client)
		os.Exit(2)
	}
	if flag.NArg() != 2 || c.corpus == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := compare(context.Background(), c, flag.Arg(0), flag.Arg(1)); err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

// build is one binary under test.
type build struct {
	label, bin string
	h          homes
}

func compare(ctx context.Context, c config, old, new string) error {
	builds := []*build{{label: "A", bin: old}, {label: "B", bin: new}}
	for _, b := range builds {
		abs, err := filepath.Abs(b.bin)
		if err != nil {
			return err
		}
		if _, err := exec.LookPath(abs); err != nil {
			return fmt.Errorf("%s is not an executable: %w", b.bin, err)
		}
		b.bin = abs
	}
	work := c.work
	if work == "" {
		dir, err := os.MkdirTemp("", "localgpt-compare-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		work = dir
	}
	llm, err := startFakeLLM()
	if err != nil {
		return err
	}
	defer llm.Close()
	sessions := filepath.Join(work, "sessions")
	bigID, err := writeSessions(sessions)
	if err != nil {
		return fmt.Errorf("write the sessions: %w", err)
	}
	for _, b := range builds {
		if b.h, err = makeHomes(filepath.Join(work, b.label), c.corpus, llm, sessions); err != nil {
			return err
		}
	}
	want := func(group string) bool { return c.only == "" || strings.Contains(","+c.only+",", ","+group+",") }
	if c.groupNice != 0 {
		if err := setGroupNice(0, c.groupNice); err != nil {
			return fmt.Errorf("-group-nice: %w", err)
		}
	}
	r := newResults(len(builds))
	printMachine(os.Stdout, "start")
	for i, b := range builds {
		fmt.Printf("%s = %s\n", b.label, b.bin)
		if want("static") {
			info, err := os.Stat(b.bin)
			if err != nil {
				return err
			}
			r.add("binary size", "MiB", i, float64(info.Size())/(1<<20))
		}
		// Warm-up: the index of each build exists before any timing (the
		// first run also writes the workspace's HEARTBEAT.md and SOUL.md).
		if want("index") || want("daemon") {
			if _, err := runCmd(b.bin, b.h.mem, false, "memory", "reindex"); err != nil {
				return err
			}
		}
		if want("sessions") { // a build may keep a listing cache: build it
			if _, err := runCmd(b.bin, b.h.sess, false, "session", "list"); err != nil {
				return err
			}
		}
	}
	for round := range c.rounds {
		for i, b := range builds {
			fmt.Fprintf(os.Stderr, "round %d/%d, build %s\n", round+1, c.rounds, b.label)
			steps := []struct {
				group string
				fn    func(*results, int, *build) error
			}{
				{"cli", c.measureCLI},
				{"sessions", func(r *results, i int, b *build) error { return measureSessions(r, i, b, bigID) }},
				{"index", c.measureIndex},
				{"daemon", func(r *results, i int, b *build) error { return c.measureDaemon(ctx, r, i, b) }},
			}
			for _, s := range steps {
				if want(s.group) {
					if err := s.fn(r, i, b); err != nil {
						return fmt.Errorf("build %s: %w", b.label, err)
					}
				}
			}
		}
	}
	printMachine(os.Stdout, "end")
	fmt.Printf("rounds: %d, interleaved A, B; medians of all samples; search load client: %s\n\n", c.rounds, c.client)
	r.print(os.Stdout, builds[0].label, builds[1].label)
	return nil
}

func (c config) measureCLI(r *results, i int, b *build) error {
	for range c.helpRuns {
		run, err := runCmd(b.bin, b.h.ask, false, "--help")
		if err != nil {
			return err
		}
		r.add("--help", "ms", i, ms(run.wall))
	}
	for range c.helpRuns {
		run, err := runCmd(b.bin, b.h.ask, true, "ask", "hello")
		if err != nil {
			return err
		}
		if !strings.Contains(string(run.out), "help?") {
			return fmt.Errorf("ask printed %q, not the fake's answer", run.out)
		}
		r.add("ask: one agent turn, fake LLM", "ms", i, ms(run.wall))
		r.add("ask: peak RSS", "MB", i, mb(run.maxRSS))
	}
	return nil
}

func measureSessions(r *results, i int, b *build, bigID string) error {
	for range 3 {
		run, err := runCmd(b.bin, b.h.sess, true, "session", "list")
		if err != nil {
			return err
		}
		if n := strings.Count(string(run.out), "\n"); n < smallSessions {
			return fmt.Errorf("session list printed %d lines for %d sessions", n, smallSessions+1)
		}
		r.add("session list, 1,001 sessions", "ms", i, ms(run.wall))
		r.add("session list: peak RSS", "MB", i, mb(run.maxRSS))
		run, err = runCmd(b.bin, b.h.sess, false, "session", "show", bigID)
		if err != nil {
			return err
		}
		r.add("session show, 10,000 messages", "ms", i, ms(run.wall))
		r.add("session show: peak RSS", "MB", i, mb(run.maxRSS))
		// Resume: open the session for the next turn, then leave (no input).
		run, err = runCmd(b.bin, b.h.sess, false, "chat", "--session", bigID, "--no-tools")
		if err != nil {
			return err
		}
		r.add("chat --session (resume), 10,000 messages", "ms", i, ms(run.wall))
		r.add("resume: peak RSS", "MB", i, mb(run.maxRSS))
	}
	return nil
}

func (c config) measureIndex(r *results, i int, b *build) error {
	run, err := runCmd(b.bin, b.h.mem, true, "memory", "reindex", "--force")
	if err != nil {
		return err
	}
	if !strings.Contains(string(run.out), "indexed 30") {
		return fmt.Errorf("reindex --force printed %q", run.out)
	}
	r.add("full reindex, 3,000 notes (29.5 MB)", "ms", i, ms(run.wall))
	r.add("full reindex: peak RSS", "MB", i, mb(run.maxRSS))
	for range c.helpRuns {
		run, err := runCmd(b.bin, b.h.mem, false, "memory", "reindex")
		if err != nil {
			return err
		}
		r.add("no-op reindex", "ms", i, ms(run.wall))
	}
	for k := range c.helpRuns {
		q := searchQueries[k%len(searchQueries)]
		run, err := runCmd(b.bin, b.h.mem, false, "memory", "search", q)
		if err != nil {
			return err
		}
		r.add("memory search, no daemon (freshness check)", "ms", i, ms(run.wall))
	}
	return nil
}

func (c config) measureDaemon(ctx context.Context, r *results, i int, b *build) error {
	run, err := runCmd(b.bin, b.h.mem, false, "daemon", "start")
	if err != nil {
		return err
	}
	r.add("daemon start until ready", "ms", i, ms(run.wall))
	data, err := os.ReadFile(filepath.Join(b.h.mem, "state", "daemon.pid"))
	if err != nil {
		return err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		return fmt.Errorf("daemon.pid: %w", err)
	}
	if n, ok := groupNice(); ok && n != 0 {
		if err := setGroupNice(pid, n); err != nil {
			return fmt.Errorf("give the daemon this run's scheduling weight: %w", err)
		}
	}
	stopped := false
	defer func() {
		if !stopped {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}()
	time.Sleep(time.Second)
	_, cpu0, _ := procStat(pid)
	time.Sleep(c.idle)
	_, cpu1, _ := procStat(pid)
	idle := procStatus(pid, "VmRSS")
	r.add("daemon idle: RSS", "MB", i, mb(idle))
	r.add("daemon idle: CPU", "% of a core", i, 100*(cpu1-cpu0).Seconds()/c.idle.Seconds())

	token := apiToken(b)
	base := "http://127.0.0.1:" + strconv.Itoa(b.h.port)
	warm, err := loadSearch(ctx, c.client, base, token, pid, 1, time.Second)
	if err != nil {
		return err
	}
	time.Sleep(time.Second)
	before := procStatus(pid, "VmRSS")
	r.add("search, 1 connection", "req/s", i, warm.rps())
	lr, err := loadSearch(ctx, c.client, base, token, pid, c.conns, c.load)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("search, %d connections", c.conns)
	r.add(name, "req/s", i, lr.rps())
	r.add(name+": p50", "ms", i, ms(lr.pct(0.50)))
	r.add(name+": p99", "ms", i, ms(lr.pct(0.99)))
	r.add(name+": daemon CPU per request", "ms", i, ms(lr.cpu)/float64(lr.requests))
	r.add(name+": peak RSS", "MB", i, mb(lr.peakRSS))
	r.add("RSS before the load (after 10 searches)", "MB", i, mb(before))
	time.Sleep(c.settle)
	after := procStatus(pid, "VmRSS")
	r.add(fmt.Sprintf("RSS %s after the load", c.settle), "MB", i, mb(after))
	r.add(fmt.Sprintf("RSS %s after the load, minus idle RSS", c.settle), "MB", i, mb(after-idle))

	t0 := time.Now()
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return err
	}
	took, err := waitExit(pid, t0, 10*time.Second)
	if err != nil {
		return err
	}
	stopped = true
	r.add("daemon exit after SIGTERM, idle", "ms", i, ms(took))
	// The lock goes with the process; wait until a new daemon may start.
	for k := 0; k < 1000 && fileExists(filepath.Join(b.h.mem, "state", "daemon.pid")); k++ {
		time.Sleep(time.Millisecond)
	}
	return nil
}

// apiToken returns the API token `localgpt daemon token` prints, or ""
// for a build without one (it prints help or fails instead).
func apiToken(b *build) string {
	run, err := runCmd(b.bin, b.h.mem, true, "daemon", "token")
	tok := strings.TrimSpace(string(run.out))
	if err != nil || tok == "" || strings.ContainsAny(tok, " \t\n") {
		return ""
	}
	return tok
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
func mb(b int64) float64         { return float64(b) / 1e6 }

func printMachine(w *os.File, when string) {
	load, _ := os.ReadFile("/proc/loadavg")
	fields := strings.Fields(string(load))
	if len(fields) > 3 {
		fields = fields[:3]
	}
	nice := "no scheduling groups"
	if n, ok := groupNice(); ok {
		nice = fmt.Sprintf("scheduling group nice %d", n)
	}
	fmt.Fprintf(w, "machine (%s): %d CPUs, %s, %s/%s, load average %s, %s\n", when, runtime.NumCPU(), kernel(), runtime.GOOS, runtime.GOARCH, strings.Join(fields, " "), nice)
}

func kernel() string {
	data, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return "unknown kernel"
	}
	return "Linux " + strings.TrimSpace(string(data))
}
