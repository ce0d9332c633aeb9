//go:build !linux && !darwin

package sandbox

import "runtime"

// Probe says what this platform can enforce: nothing. On Windows the
// command's processes are still all ended with it (a job object).
func Probe() Support {
	if runtime.GOOS == "windows" {
		return Support{Detail: "Windows has no sandbox for bash commands: they run unsandboxed, with your full permissions (only their processes are contained, and ended with the command)"}
	}
	return Support{Detail: "no sandbox on " + runtime.GOOS + ": bash commands run unsandboxed, with your full permissions"}
}

// confine cannot confine here; asked to, it says so.
func confine(c Command, _ string) (Command, bool, string) {
	if c.Policy.Confine {
		return c, false, Probe().Detail
	}
	return c, false, ""
}
