//go:build linux

package sandbox

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"

	ll "github.com/landlock-lsm/go-landlock/landlock/syscall"
	"golang.org/x/sys/unix"
)

// The launcher is LocalGPT's own binary started by Start with argv[0] set
// to launcherArg0 and the spec in specEnv. It is recognised in this
// package's init, so every binary that can call Start (localgpt and the
// test binaries alike) is also a launcher, and nothing else of the program
// runs in it.
const (
	launcherArg0 = "localgpt-sandbox"
	specEnv      = "LOCALGPT_SANDBOX_SPEC"
	// ctlFD is read by the launcher: end of file (the parent closed it,
	// or died) means "kill the command and everything it started".
	ctlFD = 3
	// statusFD carries JSON lines from the launcher: one once the command
	// started (or could not), one with how it ended.
	statusFD = 4
	// exitLauncherFailed is the launcher's exit code when it could not
	// start the command; the status line says why.
	exitLauncherFailed = 125
)

// spec is what the parent tells the launcher.
type spec struct {
	Path string   `json:"path"`
	Args []string `json:"args"`
	Dir  string   `json:"dir"`
	// RulesetFD is the inherited descriptor of the prepared Landlock
	// ruleset to enforce on the command, or -1.
	RulesetFD int `json:"ruleset_fd"`
	// Warning says why a confinement that was asked for cannot apply.
	Warning string `json:"warning,omitempty"`
	// Confine drops every capability of the command (Policy.Confine),
	// with Landlock or without it.
	Confine bool `json:"confine,omitempty"`
	// NoUnixSockets refuses the command Unix sockets (a seccomp filter).
	NoUnixSockets bool `json:"no_unix_sockets,omitempty"`
}

// status is one line of the launcher's report.
type status struct {
	Started  bool   `json:"started,omitempty"`
	Confined bool   `json:"confined,omitempty"`
	ABI      int    `json:"abi,omitempty"`
	Warning  string `json:"warning,omitempty"`
	Error    string `json:"error,omitempty"`
	Ended    bool   `json:"ended,omitempty"`
	Exit     int    `json:"exit,omitempty"`
	Signal   int    `json:"signal,omitempty"`
}

func init() {
	if len(os.Args) == 0 || os.Args[0] != launcherArg0 {
		return
	}
	raw, ok := os.LookupEnv(specEnv)
	if !ok {
		return
	}
	os.Exit(launch(raw))
}

// launch is the launcher's whole life: confine, start the command, reap
// every descendant, report. It returns the exit code.
func launch(raw string) int {
	syscall.CloseOnExec(ctlFD)
	syscall.CloseOnExec(statusFD)
	report := os.NewFile(statusFD, "status")
	enc := json.NewEncoder(report)
	fail := func(format string, args ...any) int {
		_ = enc.Encode(status{Error: fmt.Sprintf(format, args...)})
		return exitLauncherFailed
	}
	var sp spec
	if err := json.Unmarshal([]byte(raw), &sp); err != nil {
		return fail("the sandbox launcher got an unreadable spec: %v", err)
	}
	if err := os.Unsetenv(specEnv); err != nil {
		return fail("clear the sandbox spec: %v", err)
	}
	// Orphans of the command (double forks, setsid) are reparented to us
	// rather than to init, so none escapes the kill at the end.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return fail("become a child subreaper: %v", err)
	}
	stdin, err := os.Open(os.DevNull)
	if err != nil {
		return fail("open %s: %v", os.DevNull, err)
	}
	st := status{Started: true, Warning: sp.Warning, Confined: sp.RulesetFD >= 0}
	if sp.RulesetFD >= 0 {
		syscall.CloseOnExec(sp.RulesetFD)
	}
	pid, warning, err := startChild(sp, sp.RulesetFD, stdin)
	if warning != "" {
		st.Warning = strings.TrimPrefix(st.Warning+"; "+warning, "; ")
	}
	if sp.RulesetFD >= 0 {
		syscall.Close(sp.RulesetFD)
	}
	stdin.Close()
	if err != nil {
		return fail("start %s: %v", sp.Path, err)
	}
	_ = enc.Encode(st)

	var killing atomic.Bool
	// Non-blocking, so that the runtime's poller waits on it rather than a
	// thread of its own.
	_ = syscall.SetNonblock(ctlFD, true)
	ctl := os.NewFile(ctlFD, "control")
	go func() { // the parent closes the control pipe to stop us, or dies
		buf := make([]byte, 1)
		for {
			if _, err := ctl.Read(buf); err != nil {
				break
			}
		}
		killing.Store(true)
		killChildren()
	}()
	var end syscall.WaitStatus
	for {
		// Once the command has ended (or is being killed), look without
		// waiting: most commands leave nothing behind, and then no
		// process list needs to be read at all.
		opts := 0
		if killing.Load() {
			opts = syscall.WNOHANG
		}
		var ws syscall.WaitStatus
		wpid, err := syscall.Wait4(-1, &ws, opts, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil { // ECHILD: every descendant is gone
			break
		}
		if wpid == 0 {
			// Something is left: kill whatever is our child now
			// (processes are reparented to us as their parents die), then
			// wait for one to end and look again.
			killChildren()
			if wpid, err = syscall.Wait4(-1, &ws, 0, nil); err != nil && err != syscall.EINTR {
				break
			}
		}
		if wpid == pid {
			end = ws
			killing.Store(true)
		}
	}
	done := status{Ended: true}
	code := end.ExitStatus()
	if end.Signaled() {
		done.Signal = int(end.Signal())
		code = 128 + int(end.Signal())
	}
	done.Exit = code
	_ = enc.Encode(done)
	return code
}

// startChild starts the command. With a ruleset it is enforced on one
// locked OS thread, which forks the command and then ends with its
// goroutine: the command is confined, the launcher itself is not, so with
// Landlock's signal scoping the command cannot kill the launcher to
// escape the final kill.
func startChild(sp spec, rulesetFD int, stdin *os.File) (int, string, error) {
	type started struct {
		pid     int
		warning string
		err     error
	}
	ch := make(chan started, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with this goroutine
		var warning string
		if rulesetFD >= 0 {
			// no_new_privs and the Landlock domain are per thread here.
			if _, _, e := syscall.RawSyscall6(syscall.SYS_PRCTL, unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0); e != 0 {
				ch <- started{err: fmt.Errorf("set no_new_privs: %w", e)}
				return
			}
			if err := ll.LandlockRestrictSelf(rulesetFD, 0); err != nil {
				ch <- started{err: fmt.Errorf("enforce the Landlock rules: %w", err)}
				return
			}
		}
		if sp.Confine {
			if err := dropCapabilities(); err != nil {
				ch <- started{err: err}
				return
			}
		}
		if sp.NoUnixSockets {
			if _, _, e := syscall.RawSyscall6(syscall.SYS_PRCTL, unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0); e != 0 {
				ch <- started{err: fmt.Errorf("set no_new_privs: %w", e)}
				return
			}
			if err := denyUnixSockets(); err != nil { // a kernel without seccomp filters: say so, run anyway
				warning = fmt.Sprintf("Unix sockets are not refused (%v)", err)
			}
		}
		pid, err := syscall.ForkExec(sp.Path, sp.Args, &syscall.ProcAttr{
			Dir: sp.Dir, Env: os.Environ(), Files: []uintptr{stdin.Fd(), 1, 2},
		})
		ch <- started{pid: pid, warning: warning, err: err}
	}()
	s := <-ch
	return s.pid, s.warning, s.err
}

// killChildren sends SIGKILL to every child of this process. Repeated
// after each reaped child, it reaches the whole tree: the grandchildren of
// a killed child become our children.
func killChildren() {
	tasks, err := os.ReadDir("/proc/self/task")
	listed := false
	if err == nil {
		for _, t := range tasks {
			data, err := os.ReadFile("/proc/self/task/" + t.Name() + "/children")
			if err != nil {
				continue
			}
			listed = true
			for _, f := range strings.Fields(string(data)) {
				if pid, err := strconv.Atoi(f); err == nil && pid > 0 {
					_ = syscall.Kill(pid, syscall.SIGKILL)
				}
			}
		}
	}
	if !listed {
		killChildrenByScan()
	}
}

// killChildrenByScan is killChildren for kernels without
// /proc/PID/task/TID/children: it scans every process for our pid as
// its parent.
func killChildrenByScan() {
	self := os.Getpid()
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile("/proc/" + p.Name() + "/stat")
		if err != nil {
			continue
		}
		// The command name may hold spaces and parentheses: the fields
		// after the last ')' are state, ppid, …
		i := strings.LastIndexByte(string(data), ')')
		if i < 0 {
			continue
		}
		fields := strings.Fields(string(data[i+1:]))
		if len(fields) > 1 {
			if ppid, err := strconv.Atoi(fields[1]); err == nil && ppid == self {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
}
