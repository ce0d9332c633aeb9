//go:build unix

package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// run is one finished command: its wall time, peak RSS and output.
type run struct {
	wall   time.Duration
	maxRSS int64 // bytes
	out    []byte
}

// runCmd runs bin with args under home (LOCALGPT_HOME) and NO_COLOR, and
// fails when it exits non-zero. stdout is kept only when keep is set (a
// long transcript would otherwise be timed into a buffer).
func runCmd(bin, home string, keep bool, args ...string) (run, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "LOCALGPT_HOME="+home, "NO_COLOR=1")
	var out, errb bytes.Buffer
	cmd.Stdout = io.Discard
	if keep {
		cmd.Stdout = &out
	}
	cmd.Stderr = &errb
	t0 := time.Now()
	err := cmd.Run()
	r := run{wall: time.Since(t0), out: out.Bytes()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.maxRSS = ru.Maxrss * 1024
	}
	if err != nil {
		return r, fmt.Errorf("%s %s: %v: %s", bin, strings.Join(args, " "), err, lastLine(errb.String()))
	}
	return r, nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// procStatus returns a field of /proc/PID/status in bytes (VmRSS, VmHWM,
// RssAnon…).
func procStatus(pid int, field string) int64 {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}

// procStat returns the state letter and the CPU time (user + system) of
// a process from /proc/PID/stat.
func procStat(pid int) (state byte, cpu time.Duration, err error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, err
	}
	// The command name is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, 0, errors.New("bad /proc stat")
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 13 {
		return 0, 0, errors.New("short /proc stat")
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	// USER_HZ is 100 on every Linux this runs on.
	return f[0][0], time.Duration(ut+st) * 10 * time.Millisecond, nil
}

// waitExit waits until pid has exited (gone, or a zombie), polling
// /proc every 100 µs, and returns how long that took.
func waitExit(pid int, t0 time.Time, limit time.Duration) (time.Duration, error) {
	for {
		state, _, err := procStat(pid)
		if err != nil || state == 'Z' || state == 'X' {
			return time.Since(t0), nil
		}
		if time.Since(t0) > limit {
			return 0, fmt.Errorf("pid %d still runs %s after SIGTERM", pid, limit)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// Linux schedules each session as a group (autogroup) with its own
// weight, whatever the nice values inside: a daemon, which starts a
// session of its own, and the load generator, in this one, would get
// shares of the CPU that depend on how many other sessions run. The
// group's nice is set with -group-nice and given to the daemon's group
// too, so that both are weighed alike.

// setGroupNice sets the nice value of pid's scheduling group (0 is this
// process).
func setGroupNice(pid, nice int) error {
	p := "/proc/self/autogroup"
	if pid != 0 {
		p = "/proc/" + strconv.Itoa(pid) + "/autogroup"
	}
	return os.WriteFile(p, []byte(strconv.Itoa(nice)), 0)
}

// groupNice returns the nice value of this process's scheduling group,
// false where there are no such groups.
func groupNice() (int, bool) {
	data, err := os.ReadFile("/proc/self/autogroup")
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(data)) // "/autogroup-10 nice 0"
	if len(f) != 3 {
		return 0, false
	}
	n, err := strconv.Atoi(f[2])
	return n, err == nil
}
