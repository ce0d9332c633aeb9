package filelock

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestLockExcludesAndReleases(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "x.lock")
	if held, err := Held(path); err != nil || held {
		t.Fatalf("missing file: held=%v err=%v", held, err)
	}
	l, err := TryLock(path)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name string
		run  func() error
		want error
	}{
		{"second lock refused", func() error { _, err := TryLock(path); return err }, ErrLocked},
		{"held", func() error {
			if held, err := Held(path); err != nil || !held {
				return errors.New("not reported held")
			}
			return nil
		}, nil},
	}
	for _, s := range steps {
		if err := s.run(); !errors.Is(err, s.want) && !(s.want == nil && err == nil) {
			t.Fatalf("%s: err = %v, want %v", s.name, err, s.want)
		}
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	if held, _ := Held(path); held {
		t.Fatal("held after unlock")
	}
	l2, err := TryLock(path)
	if err != nil {
		t.Fatalf("relock: %v", err)
	}
	l2.Unlock()
	if err := (*Lock)(nil).Unlock(); err != nil {
		t.Fatal(err)
	}
}

// TestLockAcrossProcesses holds the lock in a real child process (flock
// from util-linux when present, else this test binary re-executed).
func TestLockAcrossProcesses(t *testing.T) {
	if os.Getenv("FILELOCK_CHILD") != "" {
		l, err := TryLock(os.Getenv("FILELOCK_CHILD"))
		if err != nil {
			os.Exit(3)
		}
		os.Stdout.WriteString("locked\n")
		buf := make([]byte, 1)
		os.Stdin.Read(buf) // hold until the parent closes stdin
		l.Unlock()
		os.Exit(0)
	}
	path := filepath.Join(t.TempDir(), "x.lock")
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockAcrossProcesses$")
	cmd.Env = append(os.Environ(), "FILELOCK_CHILD="+path)
	stdin, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 7)
	if _, err := out.Read(buf); err != nil || !strings.HasPrefix(string(buf), "locked") {
		t.Fatalf("child: %q %v", buf, err)
	}
	if _, err := TryLock(path); !errors.Is(err, ErrLocked) {
		t.Fatalf("lock held by child: err = %v", err)
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	l, err := TryLock(path) // the child exited: its lock is gone
	if err != nil {
		t.Fatal(err)
	}
	l.Unlock()
}
