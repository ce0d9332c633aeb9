package keylock

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLockExcludesAndReleases(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "x.lock")
	if held, err := Held(path); err != nil || held {
		t.Fatalf("missing file: held=%v err=%v", held, err)
	}
	l, err := TryLockFile(path)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name string
		run  func() error
		want error
	}{
		{"second lock refused", func() error { _, err := TryLockFile(path); return err }, ErrLocked},
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
	l2, err := TryLockFile(path)
	if err != nil {
		t.Fatalf("relock: %v", err)
	}
	l2.Unlock()
	if err := (*File)(nil).Unlock(); err != nil {
		t.Fatal(err)
	}
}

// TestLockAcrossProcesses holds the lock in a real child process (this
// test binary re-executed).
func TestLockAcrossProcesses(t *testing.T) {
	if os.Getenv("KEYLOCK_CHILD") != "" {
		l, err := TryLockFile(os.Getenv("KEYLOCK_CHILD"))
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
	cmd.Env = append(os.Environ(), "KEYLOCK_CHILD="+path)
	stdin, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 7)
	if _, err := out.Read(buf); err != nil || !strings.HasPrefix(string(buf), "locked") {
		t.Fatalf("child: %q %v", buf, err)
	}
	if _, err := TryLockFile(path); !errors.Is(err, ErrLocked) {
		t.Fatalf("lock held by child: err = %v", err)
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	l, err := TryLockFile(path) // the child exited: its lock is gone
	if err != nil {
		t.Fatal(err)
	}
	l.Unlock()
}

// TestLockOpen: two opens of one file exclude each other (the appenders
// of one log, two writers of one session), TryLockOpen refuses at once,
// LockOpen waits until the holder closes its file, and Held sees it.
func TestLockOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.md")
	open := func() *os.File {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	holder := open()
	if err := TryLockOpen(holder); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		lock func(*os.File) error
		want error
	}{
		{"try refuses while held", TryLockOpen, ErrLocked},
		{"try refuses again", TryLockOpen, ErrLocked},
	}
	for _, tc := range tests {
		if err := tc.lock(open()); !errors.Is(err, tc.want) {
			t.Fatalf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
	if held, err := Held(path); err != nil || !held {
		t.Fatalf("Held = %v, %v; want true", held, err)
	}
	waiter := open()
	got := make(chan error, 1)
	go func() { got <- LockOpen(waiter) }()
	select {
	case err := <-got:
		t.Fatalf("LockOpen returned (%v) while the lock was held", err)
	case <-time.After(50 * time.Millisecond): // still waiting, as it should
	}
	holder.Close()
	if err := <-got; err != nil {
		t.Fatalf("LockOpen after the holder closed: %v", err)
	}
	if err := TryLockOpen(open()); !errors.Is(err, ErrLocked) {
		t.Fatalf("the waiter's lock does not exclude: %v", err)
	}
}
