package fsutil

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a", "b", "f.txt")
	if err := WriteAtomic(path, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, 0o640)
	if err := WriteAtomic(path, []byte("two"), 0o600); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	fi, _ := os.Stat(path)
	if string(data) != "two" || fi.Mode().Perm() != 0o640 {
		t.Fatalf("got %q %v; want the new content and the old permissions", data, fi.Mode())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
}

func TestWriteAtomicFailureKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.txt")
	os.WriteFile(path, []byte("old"), 0o644)
	os.Chmod(dir, 0o500)
	defer os.Chmod(dir, 0o755)
	if os.Geteuid() == 0 {
		// root ignores directory permissions; use a path whose parent is a file
		path = filepath.Join(path, "child")
	}
	if err := WriteAtomic(path, []byte("new"), 0o644); err == nil {
		t.Fatal("write into an unwritable place succeeded")
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "f.txt")); string(data) != "old" {
		t.Fatalf("old file damaged: %q", data)
	}
}

func TestAppendSyncAndCreateExclusive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log", "day.md")
	for _, s := range []string{"a\n", "b\n"} {
		if err := AppendSync(path, []byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	if data, _ := os.ReadFile(path); string(data) != "a\nb\n" {
		t.Fatalf("got %q", data)
	}
	if ok, err := CreateExclusive(path, []byte("x"), 0o644); ok || err != nil {
		t.Fatalf("CreateExclusive over an existing file: %v %v", ok, err)
	}
	fresh := filepath.Join(filepath.Dir(path), "new.md")
	if ok, err := CreateExclusive(fresh, []byte("x"), 0o644); !ok || err != nil {
		t.Fatalf("CreateExclusive: %v %v", ok, err)
	}
}
