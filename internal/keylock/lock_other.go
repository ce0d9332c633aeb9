//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly || windows)

package keylock

import (
	"fmt"
	"os"
	"runtime"
)

// lockFile fails: this platform has no file lock we use, and running
// without one would let two processes corrupt each other's files.
func lockFile(*os.File, bool, bool) error {
	return fmt.Errorf("file locks are not supported on %s", runtime.GOOS)
}
