package fsutil

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/localgpt-go/localgpt/internal/tinyfs"
)

// appendChildEnv makes the test binary a second process appending to the
// files of TestAppendEntryAcrossProcesses.
const appendChildEnv = "FSUTIL_APPEND_CHILD_DIR"

const appendHeader = "# log\n"

// appendAll appends one entry by who to each of n fresh logs in dir.
func appendAll(dir, who string, n int) error {
	for i := range n {
		entry := fmt.Sprintf("\n## %s %d\n\n%s\n", who, i, strings.Repeat(who, 64))
		if err := AppendEntry(filepath.Join(dir, fmt.Sprintf("%03d.md", i)), []byte(appendHeader), []byte(entry)); err != nil {
			return err
		}
	}
	return nil
}

// checkLog asserts that path holds exactly one header, first, and one
// intact entry by each writer.
func checkLog(t *testing.T, path string, writers []string, i int) {
	t.Helper()
	got := readString(t, path)
	if !strings.HasPrefix(got, appendHeader) || strings.Count(got, appendHeader) != 1 {
		t.Fatalf("%s: want exactly one header, at the start:\n%q", path, got)
	}
	for _, w := range writers {
		entry := fmt.Sprintf("\n## %s %d\n\n%s\n", w, i, strings.Repeat(w, 64))
		if strings.Count(got, entry) != 1 {
			t.Fatalf("%s: the entry of %s is missing or damaged:\n%q", path, w, got)
		}
	}
	if want := len(appendHeader) + len(writers)*len(fmt.Sprintf("\n## a %d\n\n%s\n", i, strings.Repeat("a", 64))); len(got) != want {
		t.Fatalf("%s: %d bytes, want %d:\n%q", path, len(got), want, got)
	}
}

// TestAppendEntryConcurrentCreate: goroutines racing to create the same
// fresh logs each get their entry in whole, after exactly one header.
func TestAppendEntryConcurrentCreate(t *testing.T) {
	dir := t.TempDir()
	const logs = 200
	writers := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	var wg sync.WaitGroup
	errs := make(chan error, len(writers))
	for _, w := range writers {
		wg.Go(func() { errs <- appendAll(dir, w, logs) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range logs {
		checkLog(t, filepath.Join(dir, fmt.Sprintf("%03d.md", i)), writers, i)
	}
}

// TestAppendEntryAcrossProcesses: this process and a re-executed copy of
// the test binary race to create the same logs.
func TestAppendEntryAcrossProcesses(t *testing.T) {
	if dir := os.Getenv(appendChildEnv); dir != "" {
		n, _ := strconv.Atoi(os.Getenv("FSUTIL_APPEND_CHILD_N"))
		if err := appendAll(dir, "q", n); err != nil {
			t.Fatal(err)
		}
		return
	}
	dir := t.TempDir()
	const logs = 300
	cmd := exec.Command(os.Args[0], "-test.run=^TestAppendEntryAcrossProcesses$")
	cmd.Env = append(os.Environ(), appendChildEnv+"="+dir, "FSUTIL_APPEND_CHILD_N="+strconv.Itoa(logs))
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	perr := appendAll(dir, "p", logs)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child process: %v\n%s", err, out.String())
	}
	if perr != nil {
		t.Fatal(perr)
	}
	for i := range logs {
		checkLog(t, filepath.Join(dir, fmt.Sprintf("%03d.md", i)), []string{"p", "q"}, i)
	}
}

// TestAppendEntryFollowsReplacement: an append after the file was
// atomically replaced goes to the new file, not the unlinked old one.
func TestAppendEntryFollowsReplacement(t *testing.T) {
	path := filepath.Join(t.TempDir(), "MEMORY.md")
	steps := []struct {
		do   func() error
		want string
	}{
		{func() error { return AppendEntry(path, []byte("# M\n"), []byte("one\n")) }, "# M\none\n"},
		{func() error { return WriteAtomic(path, []byte("edited\n"), 0o644) }, "edited\n"},
		{func() error { return AppendSync(path, []byte("two\n")) }, "edited\ntwo\n"},
	}
	for i, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got := readString(t, path); got != s.want {
			t.Fatalf("step %d: %q, want %q", i, got, s.want)
		}
	}
}

// TestAppendEntryDiskFull: on a real full disk (a tiny tmpfs), an append
// that only partly fits fails with a clear error and leaves the file as it
// was, so the next entry does not follow half of this one.
func TestAppendEntryDiskFull(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "fs")
	tinyfs.Mount(t, dir, 256*1024)
	path := filepath.Join(dir, "log.md")
	if err := AppendEntry(path, []byte(appendHeader), []byte("\n## first\n\nkept\n")); err != nil {
		t.Fatal(err)
	}
	before := readString(t, path)
	release := tinyfs.Fill(t, dir, tinyfs.Page)
	big := "\n## torn\n\n" + strings.Repeat("this entry does not fit. ", 600) + "\n" // ~15 KB
	err := AppendEntry(path, []byte(appendHeader), []byte(big))
	if err == nil || !strings.Contains(err.Error(), "no space left") || !strings.Contains(err.Error(), "nothing was added") {
		t.Fatalf("append to a full disk: %v", err)
	}
	if got := readString(t, path); got != before {
		t.Fatalf("the failed append left %d bytes behind:\n%q", len(got)-len(before), got[len(before):min(len(got), len(before)+80)])
	}
	release()
	if err := AppendEntry(path, []byte(appendHeader), []byte("\n## next\n\nwhole\n")); err != nil {
		t.Fatal(err)
	}
	if got := readString(t, path); got != before+"\n## next\n\nwhole\n" {
		t.Fatalf("after freeing space: %q", got)
	}
}

// TestAppendEntryAfterTornLine: a log cut mid-line by a crash gets a
// newline before the next entry, which starts on its own line.
func TestAppendEntryAfterTornLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.md")
	if err := os.WriteFile(path, []byte(appendHeader+"\n## cut\n\nhalf a sen"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := AppendEntry(path, []byte(appendHeader), []byte("\n## next\n\nwhole\n")); err != nil {
		t.Fatal(err)
	}
	if got := readString(t, path); got != appendHeader+"\n## cut\n\nhalf a sen\n\n## next\n\nwhole\n" {
		t.Fatalf("%q", got)
	}
}
