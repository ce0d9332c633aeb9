//go:build linux && !amd64 && !arm64

package sandbox

// The seccomp filter knows no system call numbers of this architecture:
// nativeArch 0 makes denyUnixSockets report it.
const (
	nativeArch       = 0
	compatArch       = 0
	sysSocket        = 0
	sysSocketX32     = 0
	sysIOUringSetup  = 0
	compatSocketCall = 0
	compatSocket     = 0
)
