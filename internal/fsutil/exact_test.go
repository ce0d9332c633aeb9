package fsutil

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestExactNeverFollowsLinks: each Exact function refuses (or, for a link
// at the path itself, replaces) a link wherever it stands, and the file
// the link points at is never touched.
func TestExactNeverFollowsLinks(t *testing.T) {
	ops := []struct {
		name string
		do   func(path string) error
		// replaces: a link at the path itself is replaced by the file.
		replaces bool
	}{
		{"WriteAtomicExact", func(p string) error { return WriteAtomicExact(p, []byte("planted\n"), FileMode) }, true},
		{"AppendEntryExact", func(p string) error { return AppendEntryExact(p, []byte("# head\n"), []byte("planted\n")) }, false},
		{"OpenExact", func(p string) error {
			f, err := OpenExact(p, os.O_WRONLY|os.O_CREATE|os.O_APPEND, FileMode)
			if err == nil {
				_, err = f.WriteString("planted\n")
				f.Close()
			}
			return err
		}, false},
		{"ReadFileExact", func(p string) error { _, err := ReadFileExact(p); return err }, false},
	}
	for _, op := range ops {
		for _, where := range []string{"folder", "file"} {
			t.Run(op.name+"/link-as-"+where, func(t *testing.T) {
				dir := t.TempDir()
				secret := filepath.Join(dir, "home", "config.toml")
				mustWrite(t, secret, "api_key = 1\n", 0o600)
				ws := filepath.Join(dir, "ws")
				var path string
				if where == "folder" {
					mustLink(t, filepath.Join(dir, "home"), filepath.Join(ws, "notes"))
					path = filepath.Join(ws, "notes", "config.toml")
				} else {
					path = mustLink(t, secret, filepath.Join(ws, "config.toml"))
				}
				err := op.do(path)
				if data, _ := os.ReadFile(secret); string(data) != "api_key = 1\n" {
					t.Fatalf("the link's target was written: %q", data)
				}
				if op.replaces && where == "file" {
					if err != nil {
						t.Fatal(err)
					}
					if fi, _ := os.Lstat(path); fi == nil || !fi.Mode().IsRegular() {
						t.Fatal("the link was not replaced by a file")
					}
					return
				}
				if !errors.Is(err, ErrLink) {
					t.Fatalf("want ErrLink, got %v", err)
				}
			})
		}
	}
}

// TestExactPlainPaths: without links the Exact functions behave like
// their plain counterparts: folders created private, modes kept.
func TestExactPlainPaths(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a", "b", "note.md")
	if err := WriteAtomicExact(p, []byte("one\n"), FileMode); err != nil {
		t.Fatal(err)
	}
	if err := AppendEntryExact(p, []byte("# never\n"), []byte("two\n")); err != nil {
		t.Fatal(err)
	}
	data, err := ReadFileExact(p)
	if err != nil || string(data) != "one\ntwo\n" {
		t.Fatalf("read %q, %v", data, err)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "a", "b")); fi.Mode().Perm() != DirMode {
		t.Fatalf("folder mode %v", fi.Mode().Perm())
	}
	os.Chmod(p, 0o640)
	if err := WriteAtomicExact(p, []byte("three\n"), FileMode); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o640 {
		t.Fatalf("the file's mode was not kept: %v", fi.Mode().Perm())
	}
	if err := WriteAtomicExact(filepath.Join(dir, "a"), nil, FileMode); err == nil {
		t.Fatal("a folder was replaced")
	}
	if _, err := ReadFileExact(filepath.Join(dir, "missing")); !os.IsNotExist(err) {
		t.Fatalf("want not-exist, got %v", err)
	}
	if err := WriteAtomicExact("relative/x", nil, FileMode); err == nil {
		t.Fatal("a relative path was taken")
	}
}

// TestExactRace: while another goroutine keeps swapping a folder for a
// link to a protected folder (what a command running beside the write can
// do), no write ever lands in the protected folder.
func TestExactRace(t *testing.T) {
	dir := t.TempDir()
	protected := filepath.Join(dir, "home")
	os.MkdirAll(protected, 0o700)
	notes := filepath.Join(dir, "ws", "notes")
	os.MkdirAll(notes, 0o700)
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tmpLink := filepath.Join(dir, "ws", "link")
		real := filepath.Join(dir, "ws", "real")
		for !stop.Load() {
			os.Rename(notes, real)
			os.Symlink(protected, tmpLink)
			os.Rename(tmpLink, notes)
			time.Sleep(time.Millisecond) // the link stays a while, as a real attack's would
			os.Remove(notes)
			os.Rename(real, notes)
			time.Sleep(time.Millisecond)
		}
	}()
	for i := 0; i < 300; i++ {
		_ = WriteAtomicExact(filepath.Join(notes, "config.toml"), []byte("x"), FileMode)
		_ = AppendEntryExact(filepath.Join(notes, "log.md"), nil, []byte("x\n"))
	}
	stop.Store(true)
	wg.Wait()
	if entries, _ := os.ReadDir(protected); len(entries) > 0 {
		t.Fatalf("a write went through the link into the protected folder: %v", entries)
	}
}

// TestResolveWithin: links inside the root are followed; links out of
// it, or into one of its dot-folders (~/.ssh, ~/.localgpt when the root
// is the home), are not.
func TestResolveWithin(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "home")
	mustWrite(t, filepath.Join(root, "notes", "a.md"), "a", 0o600)
	mustWrite(t, filepath.Join(root, ".ssh", "id_ed25519"), "key", 0o600)
	mustWrite(t, filepath.Join(dir, "config.toml"), "api_key", 0o600)
	mustLink(t, filepath.Join(root, "notes", "a.md"), filepath.Join(root, "MEMORY.md"))
	mustLink(t, "../config.toml", filepath.Join(root, "SOUL.md"))
	mustLink(t, ".ssh/id_ed25519", filepath.Join(root, "USER.md"))
	mustWrite(t, filepath.Join(root, "HEARTBEAT.md"), "tasks", 0o600)
	for _, c := range []struct {
		name string
		want string // content, or "" for ErrOutside
	}{{"MEMORY.md", "a"}, {"SOUL.md", ""}, {"USER.md", ""}, {"HEARTBEAT.md", "tasks"}} {
		data, err := ReadFileWithin(root, c.name)
		if c.want == "" {
			if !errors.Is(err, ErrOutside) {
				t.Errorf("%s: want ErrOutside, got %q, %v", c.name, data, err)
			}
			continue
		}
		if err != nil || string(data) != c.want {
			t.Errorf("%s: got %q, %v", c.name, data, err)
		}
	}
}

// BenchmarkWriteAtomic compares the plain atomic write with the one that
// follows no link (each folder of the path opened on its own).
func BenchmarkWriteAtomic(b *testing.B) {
	p := filepath.Join(b.TempDir(), "a", "b", "c", "note.md")
	data := []byte("a note of a few words\n")
	for _, bc := range []struct {
		name  string
		write func(string, []byte, os.FileMode) error
	}{{"plain", WriteAtomic}, {"exact", WriteAtomicExact}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if err := bc.write(p, data, FileMode); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
