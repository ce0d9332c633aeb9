// Package tinyfs gives tests a real disk that fills up: a small tmpfs
// mounted where the code under test writes, and a filler that leaves it
// only a few bytes free. Mounting needs root, as CI runs: as root a test
// that cannot mount fails loudly; as another user it is skipped.
package tinyfs

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Page is the unit tmpfs allocates in.
const Page = 4096

// Fill fills the filesystem of dir until only leave bytes (rounded up to
// whole pages) are free, and returns a function that frees the space.
func Fill(t testing.TB, dir string, leave int) (release func()) {
	t.Helper()
	path := filepath.Join(dir, ".tinyfs-filler")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64*1024)
	for n := len(chunk); n > 0; {
		if _, err := f.Write(chunk[:n]); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill %s: %v", dir, err)
			}
			n /= 2 // the last few pages, in smaller writes
		}
	}
	if leave > 0 {
		fi, err := f.Stat()
		if err != nil {
			t.Fatal(err)
		}
		pages := (fi.Size() + Page - 1) / Page
		keep := max(0, pages-int64((leave+Page-1)/Page))
		if err := f.Truncate(keep * Page); err != nil {
			t.Fatal(err)
		}
	}
	return func() {
		if err := os.Remove(path); err != nil {
			t.Errorf("free %s: %v", dir, err)
		}
	}
}
