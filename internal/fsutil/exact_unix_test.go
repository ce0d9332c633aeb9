//go:build unix

package fsutil

import (
	"path/filepath"
	"syscall"
	"testing"
)

// TestReadFileExactFIFO: a FIFO planted where a note was expected is
// refused at once, not waited on forever.
func TestReadFileExactFIFO(t *testing.T) {
	p := filepath.Join(t.TempDir(), "MEMORY.md")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFileExact(p); err == nil {
		t.Fatal("a FIFO was read as a file")
	}
}
