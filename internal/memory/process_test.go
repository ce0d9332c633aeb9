package memory

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// helperEnv makes the test binary act as a second LocalGPT process.
const helperEnv = "LOCALGPT_MEMORY_TEST_HELPER"

func TestMain(m *testing.M) {
	if role := os.Getenv(helperEnv); role != "" {
		if err := runHelper(role); err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runHelper writes or reads the index named by the environment, many
// times, failing on the first error (such as "database is locked").
func runHelper(role string) error {
	ctx := context.Background()
	if role == "embed" {
		return runEmbedHelper(ctx)
	}
	n, _ := strconv.Atoi(os.Getenv("HELPER_N"))
	s, err := Open(ctx, Options{Workspace: os.Getenv("HELPER_WS"), IndexPath: os.Getenv("HELPER_DB")})
	if err != nil {
		return err
	}
	defer s.Close()
	s.noLinks = os.Getenv("HELPER_NOLINKS") != ""
	switch role {
	case "rebuild": // reindex --force
		_, err := s.Reindex(ctx, true, nil)
		return err
	case "rebuild-killed": // a rebuild that stops half-way until killed
		_, err := s.Reindex(ctx, true, func(done, total int) {
			if done == total/2 {
				fmt.Println("half-way")
				select {}
			}
		})
		return err
	}
	day := time.Date(2026, 3, 10, 9, 0, 0, 0, time.Local)
	for i := range n {
		switch role {
		case "writer":
			text := fmt.Sprintf("%s wrote entry w%sx%d", os.Getenv("HELPER_NAME"), os.Getenv("HELPER_NAME"), i)
			if _, err := s.AppendDaily(ctx, text, day.Add(time.Duration(i)*time.Minute)); err != nil {
				return err
			}
			if _, err := s.Reindex(ctx, false, nil); err != nil {
				return err
			}
		case "reader":
			if _, err := s.Search(ctx, "entry", 5); err != nil {
				return err
			}
			if _, err := s.Stats(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

func TestTwoProcesses(t *testing.T) {
	s := newTestStore(t, map[string]string{"MEMORY.md": "# Memory\n\nentry zero\n"}, nil)
	mustReindex(t, s, false)
	const n = 15
	var cmds []*exec.Cmd
	for _, h := range []struct{ role, name string }{{"writer", "p"}, {"writer", "q"}, {"reader", "r"}} {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), helperEnv+"="+h.role, "HELPER_NAME="+h.name, "HELPER_N="+strconv.Itoa(n),
			"HELPER_WS="+s.Workspace(), "HELPER_DB="+s.opts.IndexPath)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	// This process reads and reindexes at the same time.
	for range n {
		if _, err := s.Search(context.Background(), "entry", 5); err != nil {
			t.Errorf("search while others write: %v", err)
		}
		if _, err := s.Reindex(context.Background(), false, nil); err != nil {
			t.Errorf("reindex while others write: %v", err)
		}
	}
	for _, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Errorf("helper %v: %v", c.Env[len(c.Env)-4:], err)
		}
	}
	mustReindex(t, s, false)
	for _, w := range []string{"wpx0", "wpx14", "wqx0", "wqx14"} {
		if rs := mustSearch(t, s, w, 5); len(rs) == 0 {
			t.Errorf("entry %s lost", w)
		}
	}
	log, _ := os.ReadFile(filepath.Join(s.Workspace(), "memory", "2026-03-10.md"))
	if c := countLines(string(log), "## "); c != 2*n {
		t.Errorf("daily log has %d entries, want %d", c, 2*n)
	}
}

func countLines(s, prefix string) int {
	n := 0
	for _, l := range splitLines(s) {
		if len(s[l.start:l.end]) >= len(prefix) && s[l.start:l.start+len(prefix)] == prefix {
			n++
		}
	}
	return n
}
