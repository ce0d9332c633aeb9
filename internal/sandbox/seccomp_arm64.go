//go:build linux

package sandbox

import "golang.org/x/sys/unix"

// System call numbers the seccomp filter knows on arm64.
const (
	nativeArch       = unix.AUDIT_ARCH_AARCH64
	compatArch       = unix.AUDIT_ARCH_ARM
	sysSocket        = 198
	sysSocketX32     = 198 // no such numbering here
	sysIOUringSetup  = 425
	compatSocketCall = 102
	compatSocket     = 281
)
