//go:build !race

// The race detector keeps shadow memory of its own, so resident memory
// says nothing there: scripts/test runs this file without -race.

package server

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
)

// TestManyModelNamesStayBounded replays issue 13.6 through the real HTTP
// API: clients naming 10,000 different models used to leave one
// assistant and one SQLite store each (19,999 open files, 1.3 GB, then
// "too many open files" for every chat). Every name resolves, so every
// request builds an assistant and runs a turn; open files and resident
// memory must stay where they were after the first few hundred.
func TestManyModelNamesStayBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 chat turns")
	}
	f := newFixture(t, "")
	f.llm.Respond(func(llmtest.Recorded) llmtest.Reply { return llmtest.Text("ok") })
	chat := func(i int) {
		body := fmt.Sprintf(`{"model":"openai/model-%d","messages":[{"role":"user","content":"hi"}]}`, i)
		if code, out := f.do("POST", "/v1/chat/completions", body); code != 200 {
			t.Fatalf("model %d: %d %s", i, code, out)
		}
	}
	run := func(from, to int) {
		var wg sync.WaitGroup
		next := make(chan int)
		for range 4 {
			wg.Go(func() {
				for i := range next {
					chat(i)
				}
			})
		}
		for i := from; i < to; i++ {
			next <- i
		}
		close(next)
		wg.Wait()
		f.llm.Forget() // the fake's recordings are not the server's memory
	}
	const warm, total = 200, 10_000
	run(0, warm)
	fds0, rss0 := openFiles(t), residentKiB(t)
	for i := warm; i < total; i += 1000 {
		run(i, min(i+1000, total))
	}
	fds, rss := openFiles(t), residentKiB(t)
	t.Logf("after %d models: %d open files, %d KiB resident; after %d: %d open files, %d KiB resident (%d assistants cached)",
		warm, fds0, rss0, total, fds, rss, f.srv.models.len())
	if fds > fds0+16 {
		t.Errorf("open files grew from %d to %d over %d more model names", fds0, fds, total-warm)
	}
	if rss > rss0+16<<10 { // 2.3 MiB measured; 10,000 cached assistants add 65 MiB
		t.Errorf("resident memory grew from %d KiB to %d KiB over %d more model names", rss0, rss, total-warm)
	}
	if n := f.srv.models.len(); n > assistantCacheSize {
		t.Errorf("%d assistants cached", n)
	}
}

// openFiles counts this process's open file descriptors.
func openFiles(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	return len(entries)
}

// residentKiB is this process's resident memory after a full collection.
func residentKiB(t *testing.T) int {
	t.Helper()
	runtime.GC()
	debug.FreeOSMemory()
	file, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no VmRSS in /proc/self/status")
	return 0
}
