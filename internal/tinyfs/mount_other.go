//go:build !linux

package tinyfs

import "testing"

// Mount needs Linux's tmpfs; elsewhere the disk-full tests are skipped
// (CI runs them on Linux; other platforms only compile them).
func Mount(t testing.TB, dir string, size int) {
	t.Helper()
	t.Skip("the disk-full tests mount a tmpfs, which needs Linux")
}
