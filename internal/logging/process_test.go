//go:build unix

package logging

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestOneProcessRotates replays issue 13.9 with real processes: a
// daemon (the owner) and a command (an appender) write one log. Every
// record the command writes after the daemon rotated lands in the live
// file, not in the rotated one; the command never rotates, however much
// it writes; the daemon rotates by the file's real size, the command's
// records included; no record is lost or torn.
func TestOneProcessRotates(t *testing.T) {
	if role := os.Getenv("LOGGING_CHILD"); role != "" {
		child(role, os.Getenv("LOGGING_FILE"))
		return
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "agent.log")
	owner, appender := start(t, "owner", path), start(t, "appender", path)
	backups := func() []string {
		t.Helper()
		names, err := filepath.Glob(filepath.Join(dir, "agent-*.log"))
		if err != nil {
			t.Fatal(err)
		}
		sort.Strings(names) // the names sort by time
		return names
	}
	in := func(file, tag string) int {
		t.Helper()
		n := 0
		for _, r := range records(t, file) {
			if r["msg"] == tag {
				n++
			}
		}
		return n
	}
	steps := []struct {
		name  string
		who   *proc
		tag   string
		count int
		check func()
	}{
		{"the command appends", appender, "A1", 1, func() {
			if in(path, "A1") != 1 || len(backups()) != 0 {
				t.Fatalf("A1 not in %s, or a rotation: %v", path, backups())
			}
		}},
		{"the daemon writes past the limit and rotates", owner, "O1", 100, func() {
			if len(backups()) == 0 {
				t.Fatal("the owner did not rotate")
			}
		}},
		{"the command's next record goes to the live file", appender, "A2", 1, func() {
			if in(path, "A2") != 1 {
				t.Fatalf("A2 is not in the live file; backups: %v", backups())
			}
		}},
		{"the command writes past the limit and does not rotate", appender, "A3", 100, func() {
			info, err := os.Stat(path)
			if err != nil || info.Size() <= testMaxBytes || in(path, "A3") != 100 {
				t.Fatalf("the appender rotated (or lost records): size %v, %d A3 records in the live file", info.Size(), in(path, "A3"))
			}
		}},
		{"the daemon's next record rotates the file the command filled", owner, "O2", 1, func() {
			b := backups()
			if in(path, "O2") != 1 || in(b[len(b)-1], "A3") != 100 {
				t.Fatalf("O2 not alone in a fresh file, or A3 not in the rotated one: %v", b)
			}
		}},
	}
	nBackups := 0
	for _, s := range steps {
		s.who.send(t, fmt.Sprintf("%s %d", s.tag, s.count))
		s.check()
		if n := len(backups()); s.who == appender && n != nBackups {
			t.Fatalf("%s: the command rotated the log (%d backups, was %d)", s.name, n, nBackups)
		} else {
			nBackups = n
		}
	}
	owner.send(t, "exit")
	appender.send(t, "exit")
	// Every record once, each a whole JSON line.
	seen := map[string]int{}
	for _, f := range append(backups(), path) {
		for _, r := range records(t, f) {
			seen[fmt.Sprintf("%v/%v", r["msg"], r["seq"])]++
		}
	}
	for _, s := range steps {
		for i := range s.count {
			if k := fmt.Sprintf("%s/%d", s.tag, i); seen[k] != 1 {
				t.Errorf("record %s written %d times", k, seen[k])
			}
		}
	}
}

// testMaxBytes is the children's rotation size: about 25 records.
const testMaxBytes = 4 << 10

// child runs one process of the test: it reads "TAG N" lines, writes N
// records tagged TAG, and answers "ok"; "exit" ends it.
func child(role, path string) {
	log, file := New(Options{File: path, MaxBytes: testMaxBytes, MaxBackups: 1000})
	if role == "owner" {
		file.Own()
	}
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		var tag string
		var n int
		if sc.Text() == "exit" {
			break
		}
		if _, err := fmt.Sscanf(sc.Text(), "%s %d", &tag, &n); err != nil {
			fmt.Println("bad command:", err)
			os.Exit(2)
		}
		for i := range n {
			log.Info(tag, "proc", role, "seq", i, "pad", strings.Repeat("x", 100))
		}
		fmt.Println("ok")
	}
	file.Close()
	fmt.Println("ok")
	os.Exit(0)
}

type proc struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

// start runs this test binary as one of the processes.
func start(t *testing.T, role, path string) *proc {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestOneProcessRotates$")
	cmd.Env = append(os.Environ(), "LOGGING_CHILD="+role, "LOGGING_FILE="+path)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, in: in, out: bufio.NewReader(out)}
	t.Cleanup(func() { in.Close(); cmd.Wait() })
	return p
}

// send gives the process one command and waits for it to be done.
func (p *proc) send(t *testing.T, line string) {
	t.Helper()
	if _, err := fmt.Fprintln(p.in, line); err != nil {
		t.Fatal(err)
	}
	reply, err := p.out.ReadString('\n')
	if err != nil || strings.TrimSpace(reply) != "ok" {
		t.Fatalf("%q: the process answered %q (%v)", line, reply, err)
	}
}

// records parses every line of a log file, failing on one that is not a
// whole JSON record.
func records(t *testing.T, file string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for line := range strings.SplitSeq(strings.TrimSuffix(string(data), "\n"), "\n") {
		if line == "" {
			continue
		}
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("%s: a line that is not a JSON record: %q", file, line)
		}
		out = append(out, r)
	}
	return out
}
