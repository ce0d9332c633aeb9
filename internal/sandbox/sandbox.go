// Package sandbox runs the commands of the bash tool so that they cannot
// outlive their call nor reach what LocalGPT protects.
//
// On Linux a command is started through a small launcher: LocalGPT's own
// binary re-executed (see launcher_linux.go). The launcher makes itself a
// child subreaper, so every process the command starts, even one that
// double-forks or calls setsid, stays its descendant and is killed when the
// command ends, times out or is cancelled. When the kernel has Landlock,
// the launcher confines the command (only the command, never LocalGPT):
// files may be written only in Policy.Writable and a private temporary
// folder, Policy.Hidden can be neither read nor written, and with
// Policy.NoNetwork no TCP connection can be made or accepted. Where
// Landlock is missing the command still runs, unconfined, and the Result
// says so: the sandbox never fails silently.
//
// Other platforms share one Start (sandbox_other.go) over two small
// platform pieces: a process tree (tree_*.go: a process group on Unix, a
// job object on Windows) and a confinement (confine_*.go: a Seatbelt
// profile run by sandbox-exec on macOS; none on Windows, which `localgpt
// doctor` and every Result say plainly).
package sandbox

import (
	"os"
	"strings"
	"syscall"
)

// Policy says what a confined command may touch. Paths are absolute and
// should be resolved (symbolic links followed): confinement applies to
// the real files.
type Policy struct {
	// Confine asks for filesystem (and network) confinement; false runs
	// the command unconfined (tools.bash_sandbox = false), still with the
	// whole process tree killed at the end.
	Confine bool
	// Writable are the folders the command may write (the workspace and
	// tools.allowed_paths). A private temporary folder is added by Start.
	Writable []string
	// Hidden are files and folders the command may neither read nor
	// write (LocalGPT's configuration, sessions, index and logs), even
	// when they lie inside a Writable folder.
	Hidden []string
	// ReadOnly are files and folders inside a Writable folder that the
	// command may read but not write, create, remove or rename (the
	// workspace's control files and dot-folders when nobody approved the
	// command). A ReadOnly path directly in a Writable folder makes that
	// folder's own entries fixed: new files go into its subfolders.
	ReadOnly []string
	// NoNetwork forbids TCP connections and listening
	// (tools.bash_network = false).
	NoNetwork bool
	// UnixSockets lets a confined command open Unix sockets
	// (tools.bash_unix_sockets); by default it cannot, since a socket of
	// the user's tmux, systemd or Docker runs commands outside the
	// sandbox.
	UnixSockets bool
}

// Command is what to run.
type Command struct {
	// Path and Args are the program and its arguments (Args[0] included).
	Path string
	Args []string
	// Dir is the working folder; Env the environment, without TMPDIR,
	// which Start points at the private temporary folder.
	Dir string
	Env []string
	// Output receives the command's standard output and standard error
	// (one pipe keeps them in order). Standard input is empty.
	Output *os.File
	Policy Policy
	// Launcher is the binary started as the launcher; empty means this
	// very program (/proc/self/exe), which is what LocalGPT uses.
	// Benchmarks set it to measure the real localgpt binary.
	Launcher string
}

// Result is how a command ended.
type Result struct {
	// ExitCode is the command's exit status, or -1 when a signal ended it.
	ExitCode int
	// Signal is the signal that ended the command, or 0.
	Signal syscall.Signal
	// Confined says the command ran under the filesystem confinement the
	// Policy asked for.
	Confined bool
	// Warning says why a confinement that was asked for did not apply
	// (shown to the model and logged), or "".
	Warning string
}

// Support says what this machine can enforce, for `localgpt doctor`.
type Support struct {
	// Confine is true when filesystem confinement is available.
	Confine bool
	// Network is true when TCP connections can be forbidden.
	Network bool
	// Detail is what was found ("Landlock ABI 7") or why it is missing.
	Detail string
}

// tmpPrefix names the private temporary folders of commands.
const tmpPrefix = "localgpt-bash-"

// withTmp returns env with TMPDIR and its spellings (TMP and TEMP, which
// Windows programs read) pointing at dir.
func withTmp(env []string, dir string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "TMPDIR", "TMP", "TEMP":
			continue
		}
		out = append(out, kv)
	}
	return append(out, "TMPDIR="+dir, "TMP="+dir, "TEMP="+dir)
}
