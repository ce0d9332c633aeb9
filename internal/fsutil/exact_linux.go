package fsutil

import "golang.org/x/sys/unix"

// dirFlags open a folder only to walk it: O_PATH needs no read permission,
// just as a path lookup does not.
const dirFlags = unix.O_PATH
