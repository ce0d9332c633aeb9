package memory

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// helper starts this test binary as another LocalGPT process with a role
// of runHelper on the store's workspace and index.
func helper(t *testing.T, s *Store, role string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+role, "HELPER_WS="+s.Workspace(), "HELPER_DB="+s.opts.IndexPath)
	cmd.Stderr = os.Stderr
	return cmd
}

// indexFiles lists the index folder: the link, the database files.
func indexFiles(t *testing.T, s *Store) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Dir(s.opts.IndexPath))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func manyNotes(n int, word string) map[string]string {
	files := map[string]string{}
	for i := range n {
		files[fmt.Sprintf("notes/%03d.md", i)] = fmt.Sprintf("# Note %d\n\nThe %s of note %d.\n", i, word, i)
	}
	return files
}

// TestRebuildSwapsAFile: a forced reindex writes a new database and
// swaps it in; the index path becomes a link to it, and the database it
// replaced (the first index's, or a plain file from before) is removed.
func TestRebuildSwapsAFile(t *testing.T) {
	s := newTestStore(t, manyNotes(20, "walrus"), nil)
	path := s.opts.IndexPath
	// An index from before rebuilds existed: a plain file with its WAL.
	if info, err := os.Lstat(path); err != nil || !info.Mode().IsRegular() {
		t.Fatalf("a new index is not a plain file: %v %v", info, err)
	}
	mustReindex(t, s, false) // the first index is a rebuild
	first, err := os.Readlink(path)
	if err != nil {
		t.Fatalf("the index is not a link after the first index: %v", err)
	}
	for _, f := range indexFiles(t, s) {
		if strings.HasSuffix(f, ".sqlite-wal") || strings.HasSuffix(f, ".sqlite-shm") {
			t.Errorf("the plain index's %s is left", f)
		}
	}
	st := mustReindex(t, s, true)
	if st.Indexed != 20 || st.Chunks == 0 {
		t.Errorf("forced reindex: %+v", st)
	}
	second, _ := os.Readlink(path)
	if second == first || !strings.HasPrefix(second, filepath.Base(path)+".") {
		t.Errorf("link %q after %q", second, first)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(path), first)); !os.IsNotExist(err) {
		t.Errorf("the replaced database %s is left: %v", first, err)
	}
	if rs := mustSearch(t, s, "walrus", 50); len(rs) != 20 {
		t.Errorf("search after rebuild: %d results", len(rs))
	}
	if st, err := s.Stats(context.Background()); err != nil || st.Files != 20 || st.IndexBytes == 0 {
		t.Errorf("stats after rebuild: %+v %v", st, err)
	}
	// Incremental writes go to the new database.
	writeFiles(t, s.Workspace(), map[string]string{"later.md": "# Later\n\nnarwhal\n"})
	if st := mustReindex(t, s, false); st.Indexed != 1 {
		t.Errorf("incremental after rebuild: %+v", st)
	}
	if rs := mustSearch(t, s, "narwhal", 5); len(rs) != 1 {
		t.Errorf("narwhal: %v", files(rs))
	}
}

// TestOtherProcessSeesRebuild: a store open in this process (a daemon,
// say) finds what another process's forced reindex wrote: it notices the
// new database and reopens it.
func TestOtherProcessSeesRebuild(t *testing.T) {
	s := newTestStore(t, manyNotes(30, "walrus"), nil)
	mustReindex(t, s, false)
	if rs := mustSearch(t, s, "walrus", 50); len(rs) != 30 {
		t.Fatalf("walrus: %d", len(rs))
	}
	// The notes change behind the store's back (no watcher here), and
	// another process rebuilds the index.
	writeFiles(t, s.Workspace(), manyNotes(30, "narwhal"))
	if err := helper(t, s, "rebuild").Run(); err != nil {
		t.Fatalf("rebuild in another process: %v", err)
	}
	if rs := mustSearch(t, s, "narwhal", 50); len(rs) != 30 {
		t.Errorf("narwhal after the other process's rebuild: %d results, want 30", len(rs))
	}
	if rs := mustSearch(t, s, "walrus", 50); len(rs) != 0 {
		t.Errorf("walrus after the rebuild: %d results, want 0", len(rs))
	}
	// Writes from this process go to the new database too.
	writeFiles(t, s.Workspace(), map[string]string{"later.md": "# Later\n\nplatypus\n"})
	if _, err := s.Update(context.Background(), []string{"later.md"}); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(context.Background(), s.opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if rs := mustSearch(t, s2, "platypus", 5); len(rs) != 1 {
		t.Errorf("an update after the swap went elsewhere: %v", files(rs))
	}
}

// TestSearchesDuringRebuilds: searches running on several goroutines
// never fail while other processes swap rebuilt indexes in under them.
func TestSearchesDuringRebuilds(t *testing.T) {
	s := newTestStore(t, manyNotes(50, "walrus"), nil)
	mustReindex(t, s, false)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	searches := 0
	for range 4 {
		wg.Go(func() {
			for ctx.Err() == nil {
				rs, err := s.Search(context.Background(), "walrus", 100)
				mu.Lock()
				searches++
				if err == nil && len(rs) != 50 {
					err = fmt.Errorf("%d results, want 50", len(rs))
				}
				if err != nil {
					errs = append(errs, err)
				}
				mu.Unlock()
			}
		})
	}
	for range 3 {
		if err := helper(t, s, "rebuild").Run(); err != nil {
			t.Errorf("rebuild: %v", err)
		}
	}
	cancel()
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d of %d searches failed, the first: %v", len(errs), searches, errs[0])
	}
	if n := len(indexFiles(t, s)); n > 5 { // link, lock, database, its WAL and SHM
		t.Errorf("files left in the index folder: %v", indexFiles(t, s))
	}
}

// TestKilledRebuildKeepsTheIndex: a rebuild killed half-way leaves the
// index as it was, and the next rebuild removes its half-written file.
func TestKilledRebuildKeepsTheIndex(t *testing.T) {
	for _, links := range []bool{true, false} {
		t.Run(fmt.Sprintf("links=%v", links), func(t *testing.T) { testKilledRebuild(t, links) })
	}
}

func testKilledRebuild(t *testing.T, links bool) {
	s := newTestStore(t, manyNotes(200, "walrus"), nil)
	s.noLinks = !links
	mustReindex(t, s, false)
	before, _ := os.Readlink(s.opts.IndexPath)
	writeFiles(t, s.Workspace(), manyNotes(200, "narwhal"))
	cmd := helper(t, s, "rebuild-killed")
	if !links {
		cmd.Env = append(cmd.Env, "HELPER_NOLINKS=1")
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "half-way\n" {
		cmd.Process.Kill()
		t.Fatalf("helper said %q, %v", line, err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if after, _ := os.Readlink(s.opts.IndexPath); after != before {
		t.Fatalf("the index changed to %s during a killed rebuild", after)
	}
	if n := len(indexFiles(t, s)); links && n <= 5 {
		t.Fatalf("no half-written database is left: %v", indexFiles(t, s))
	}
	s2, err := Open(context.Background(), s.opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	s2.noLinks = !links
	if rs := mustSearch(t, s2, "walrus", 500); len(rs) != 200 {
		t.Errorf("the old index after a killed rebuild: %d results, want 200", len(rs))
	}
	mustReindex(t, s2, true)
	if rs := mustSearch(t, s2, "narwhal", 500); len(rs) != 200 {
		t.Errorf("the next rebuild: %d results, want 200", len(rs))
	}
	if n := len(indexFiles(t, s2)); n > 5 {
		t.Errorf("the killed rebuild's files are left: %v", indexFiles(t, s2))
	}
	info, err := os.Lstat(s.opts.IndexPath)
	if isLink := err == nil && info.Mode()&os.ModeSymlink != 0; isLink != links {
		t.Errorf("the index is a link: %v, want %v (%v)", isLink, links, err)
	}
}

// TestRebuildUnderLinkedFolder: with the index in a folder reached
// through a link (as /var → /private/var on macOS), rebuilds remove the
// databases they replace and never the current one.
func TestRebuildUnderLinkedFolder(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "real"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real", filepath.Join(dir, "linked")); err != nil {
		t.Fatal(err)
	}
	s := newTestStore(t, manyNotes(5, "walrus"), func(o *Options) {
		o.IndexPath = filepath.Join(dir, "linked", "index", "memory.sqlite")
	})
	for range 3 {
		mustReindex(t, s, true)
		if rs := mustSearch(t, s, "walrus", 10); len(rs) != 5 {
			t.Fatalf("walrus: %d results", len(rs))
		}
	}
	if n := len(indexFiles(t, s)); n > 5 {
		t.Errorf("replaced databases are left: %v", indexFiles(t, s))
	}
	s2, err := Open(context.Background(), s.opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if rs := mustSearch(t, s2, "walrus", 10); len(rs) != 5 || s2.Recovered() != "" {
		t.Errorf("reopened: %d results, %q", len(rs), s2.Recovered())
	}
}

// TestIndexesAreClosed: every index a store opened (one per rebuild it
// swapped in) is closed by the time the store is, and no operation keeps
// a reference.
func TestIndexesAreClosed(t *testing.T) {
	s := newTestStore(t, manyNotes(5, "walrus"), nil)
	var seen []*index
	for range 3 {
		mustReindex(t, s, true)
		mustSearch(t, s, "walrus", 5)
		if _, err := s.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
		seen = append(seen, s.ix.Load())
	}
	s.Close()
	for i, ix := range seen {
		if n := ix.refs.Load(); n != 0 {
			t.Errorf("index %d still has %d references", i, n)
		}
	}
}
