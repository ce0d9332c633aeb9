//go:build unix && !linux

package fsutil

import "golang.org/x/sys/unix"

// dirFlags open a folder to walk it (there is no O_PATH here).
const dirFlags = unix.O_RDONLY
