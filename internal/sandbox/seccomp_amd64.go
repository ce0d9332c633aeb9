//go:build linux

package sandbox

import "golang.org/x/sys/unix"

// System call numbers the seccomp filter knows on amd64.
const (
	nativeArch       = unix.AUDIT_ARCH_X86_64
	compatArch       = unix.AUDIT_ARCH_I386
	sysSocket        = 41
	sysSocketX32     = 0x40000000 | 41
	sysIOUringSetup  = 425
	compatSocketCall = 102
	compatSocket     = 359
)
