package fsutil

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWriteAtomicThroughSymlink: a write through a link updates the file
// the link points at and leaves the link a link.
func TestWriteAtomicThroughSymlink(t *testing.T) {
	tests := []struct {
		name string
		// setup builds the tree in dir and returns the link to write
		// through and the file that must end up holding the data.
		setup   func(t *testing.T, dir string) (link, target string)
		wantErr string
	}{
		{"absolute link to a file", func(t *testing.T, dir string) (string, string) {
			target := filepath.Join(dir, "dotfiles", "config.toml")
			mustWrite(t, target, "old", 0o600)
			return mustLink(t, target, filepath.Join(dir, "home", "config.toml")), target
		}, ""},
		{"relative link", func(t *testing.T, dir string) (string, string) {
			target := filepath.Join(dir, "dotfiles", "config.toml")
			mustWrite(t, target, "old", 0o600)
			return mustLink(t, "../dotfiles/config.toml", filepath.Join(dir, "home", "config.toml")), target
		}, ""},
		{"chain of links", func(t *testing.T, dir string) (string, string) {
			target := filepath.Join(dir, "real", "f.txt")
			mustWrite(t, target, "old", 0o600)
			mid := mustLink(t, target, filepath.Join(dir, "mid", "f.txt"))
			return mustLink(t, mid, filepath.Join(dir, "home", "f.txt")), target
		}, ""},
		{"dangling link whose folder exists", func(t *testing.T, dir string) (string, string) {
			target := filepath.Join(dir, "dotfiles", "new.toml")
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				t.Fatal(err)
			}
			return mustLink(t, target, filepath.Join(dir, "home", "new.toml")), target
		}, ""},
		{"dangling link whose folder is missing", func(t *testing.T, dir string) (string, string) {
			target := filepath.Join(dir, "nowhere", "new.toml")
			return mustLink(t, target, filepath.Join(dir, "home", "new.toml")), target
		}, "does not exist"},
		{"loop of links", func(t *testing.T, dir string) (string, string) {
			a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
			mustLink(t, b, a)
			mustLink(t, a, b)
			return a, ""
		}, "symbolic link"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			link, target := tt.setup(t, dir)
			err := WriteAtomic(link, []byte("new"), 0o644)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one saying %q", err, tt.wantErr)
				}
				if target != "" {
					if _, err := os.Stat(filepath.Dir(target)); err == nil {
						t.Fatalf("the missing folder %s was created", filepath.Dir(target))
					}
				}
			} else if err != nil {
				t.Fatal(err)
			}
			fi, err := os.Lstat(link)
			if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
				t.Fatalf("%s is no longer a symbolic link (mode %v, err %v)", link, fi.Mode(), err)
			}
			if tt.wantErr != "" {
				return
			}
			if got := readString(t, target); got != "new" {
				t.Fatalf("target holds %q, want %q", got, "new")
			}
			if got := readString(t, link); got != "new" {
				t.Fatalf("reading through the link gives %q", got)
			}
			tfi, _ := os.Stat(target)
			if tt.name != "dangling link whose folder exists" && tfi.Mode().Perm() != 0o600 {
				t.Fatalf("target permissions %v, want the old 0600 kept", tfi.Mode().Perm())
			}
			entries, _ := os.ReadDir(filepath.Dir(target))
			if len(entries) != 1 {
				t.Fatalf("temporary files left beside the target: %v", entries)
			}
		})
	}
}

func mustWrite(t *testing.T, path, data string, perm os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), perm); err != nil {
		t.Fatal(err)
	}
}

func mustLink(t *testing.T, dest, link string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(dest, link); err != nil {
		t.Fatal(err)
	}
	return link
}

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
