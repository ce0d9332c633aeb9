//go:build linux

package sandbox

import (
	"fmt"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// denyUnixSockets installs a seccomp filter on the calling thread (and
// so on the command it forks, and all its descendants) under which
// socket(AF_UNIX, …) and io_uring fail. Landlock before ABI 9 cannot
// forbid connecting to a Unix socket by path, and a socket of the user's
// own programs runs code outside the sandbox: `tmux -S … new-window CMD`
// (or screen, `systemd-run --user`, the Docker socket) starts CMD
// unconfined, able to read LocalGPT's configuration, and it outlives the
// call. socketpair stays allowed (it connects nothing outside), and so
// does every other socket family (TCP is Landlock's, with
// tools.bash_network). io_uring is refused because it can make sockets
// without the socket system call. The caller has set no_new_privs.
func denyUnixSockets() error {
	if nativeArch == 0 {
		return fmt.Errorf("this architecture's system calls are not known to the sandbox")
	}
	const (
		ld  = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS
		jeq = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
		ret = unix.BPF_RET | unix.BPF_K
		// offsets in struct seccomp_data
		offNr   = 0
		offArch = 4
		offArg0 = 16 // the low half on little-endian machines, as both supported ones are
	)
	deny := uint32(unix.SECCOMP_RET_ERRNO | uint32(unix.EACCES))
	allow := uint32(unix.SECCOMP_RET_ALLOW)
	// Jumps are relative: the target is the next instruction plus Jt or Jf.
	prog := []unix.SockFilter{
		{Code: ld, K: offArch},                        // 0
		{Code: jeq, K: nativeArch, Jt: 5},             // 1 native → 7
		{Code: jeq, K: compatArch, Jf: 10},            // 2 another: allow (13)
		{Code: ld, K: offNr},                          // 3 compat (32-bit programs)
		{Code: jeq, K: compatSocketCall, Jt: 9},       // 4 socketcall (arguments unreadable) → deny
		{Code: jeq, K: compatSocket, Jt: 8},           // 5 → deny
		{Code: jeq, K: sysIOUringSetup, Jt: 7, Jf: 6}, // 6 → deny, else allow
		{Code: ld, K: offNr},                          // 7 native
		{Code: jeq, K: sysIOUringSetup, Jt: 5},        // 8 → deny
		{Code: jeq, K: sysSocket, Jt: 1},              // 9 → 11
		{Code: jeq, K: sysSocketX32, Jf: 2},           // 10 → 11, else allow
		{Code: ld, K: offArg0},                        // 11 the family
		{Code: jeq, K: unix.AF_UNIX, Jt: 1},           // 12 → deny
		{Code: ret, K: allow},                         // 13
		{Code: ret, K: deny},                          // 14
	}
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	if _, _, e := syscall.RawSyscall(syscall.SYS_PRCTL, unix.PR_SET_SECCOMP, unix.SECCOMP_MODE_FILTER, uintptr(unsafe.Pointer(&fprog))); e != 0 {
		return fmt.Errorf("install the seccomp filter: %w", e)
	}
	return nil
}
