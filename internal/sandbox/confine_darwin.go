//go:build darwin

package sandbox

import (
	"fmt"
	"os/exec"
)

// sandboxExec runs a command under a Seatbelt profile; it ships with
// every macOS (deprecated in its man page, still what Apple's own tools
// and other sandboxes use).
const sandboxExec = "/usr/bin/sandbox-exec"

// Probe says whether sandbox-exec works here, by running a trivial
// profile once.
func Probe() Support {
	if out, err := exec.Command(sandboxExec, "-p", "(version 1)(allow default)", "/usr/bin/true").CombinedOutput(); err != nil {
		return Support{Detail: fmt.Sprintf("%s does not work here (%v %s): bash runs with your full permissions", sandboxExec, err, out)}
	}
	return Support{Confine: true, Network: true, Detail: "Seatbelt (sandbox-exec)"}
}

// confine runs c under sandbox-exec with the profile of its policy.
// sandbox-exec applies the profile and then executes the command, so the
// command keeps its pid and its process group.
func confine(c Command, tmp string) (run Command, confined bool, warning string) {
	if !c.Policy.Confine {
		return c, false, ""
	}
	if _, err := exec.LookPath(sandboxExec); err != nil {
		return c, false, sandboxExec + " is missing: the command ran with your full permissions"
	}
	run = c
	run.Path = sandboxExec
	run.Args = append([]string{"sandbox-exec", "-p", seatbeltProfile(c.Policy, tmp), c.Path}, c.Args[1:]...)
	return run, true, ""
}
