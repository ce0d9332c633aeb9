//go:build linux

package sandbox

import (
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"
)

// Secure bits (linux/securebits.h): with noroot, uid 0 gets no
// capabilities from exec; each is locked so the command cannot unset it.
const (
	secbitNoRoot             = 1 << 0
	secbitNoRootLocked       = 1 << 1
	secbitNoSetuidFixup      = 1 << 2
	secbitNoSetuidFixupLock  = 1 << 3
	secbitKeepCapsLocked     = 1 << 5
	secbitNoCapAmbientRaise  = 1 << 6
	secbitNoCapAmbientLocked = 1 << 7
)

// dropCapabilities leaves the calling thread, and so the command it
// forks, no capability at all, now or after exec. It matters when
// LocalGPT runs as root (a container, a server): Landlock confines files,
// but a command keeping root's capabilities could still read LocalGPT's
// environment (its API keys) through /proc (CAP_SYS_PTRACE), load a
// kernel module, or change the network. The command keeps uid 0, and
// with it what root owns by plain permissions; the confinement of files
// is Landlock's. Without capabilities (an ordinary user) it does nothing.
func dropCapabilities() error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return fmt.Errorf("read the capabilities: %w", err)
	}
	// uid 0 regains every capability at exec unless noroot is set.
	if data[0].Permitted|data[1].Permitted|data[0].Inheritable|data[1].Inheritable == 0 && syscall.Getuid() != 0 && syscall.Geteuid() != 0 {
		return nil
	}
	if data[0].Effective&(1<<unix.CAP_SETPCAP) != 0 {
		bits := uintptr(secbitNoRoot | secbitNoRootLocked | secbitNoSetuidFixup | secbitNoSetuidFixupLock |
			secbitKeepCapsLocked | secbitNoCapAmbientRaise | secbitNoCapAmbientLocked)
		if _, _, e := syscall.RawSyscall6(syscall.SYS_PRCTL, unix.PR_SET_SECUREBITS, bits, 0, 0, 0, 0); e != 0 {
			return fmt.Errorf("set the secure bits: %w", e)
		}
		for c := 0; c <= unix.CAP_LAST_CAP; c++ {
			if _, _, e := syscall.RawSyscall6(syscall.SYS_PRCTL, unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0, 0); e != 0 && e != unix.EINVAL {
				return fmt.Errorf("drop capability %d from the bounding set: %w", c, e)
			}
		}
	}
	if _, _, e := syscall.RawSyscall6(syscall.SYS_PRCTL, unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0, 0); e != 0 && e != unix.EINVAL {
		return fmt.Errorf("clear the ambient capabilities: %w", e)
	}
	data = [2]unix.CapUserData{}
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return fmt.Errorf("drop the capabilities: %w", err)
	}
	return nil
}
