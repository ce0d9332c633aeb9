//go:build linux

package sandbox

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// run runs script with bash under policy and returns its output and result.
func run(t *testing.T, policy Policy, dir, script string) (string, Result) {
	t.Helper()
	p, out := startBash(t, policy, dir, script, false)
	res, err := p.Wait()
	if err != nil {
		t.Fatalf("wait: %v", err)
	}
	return <-out, res
}

// startBash starts script and returns the process and a channel giving all
// its output once every writer is gone.
func startBash(t *testing.T, policy Policy, dir, script string, noLandlock bool) (*Process, <-chan string) {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	runner := &Runner{noLandlock: noLandlock}
	p, err := runner.Start(Command{Path: bash, Args: []string{"bash", "-c", script}, Dir: dir, Env: os.Environ(), Output: w, Policy: policy})
	w.Close()
	if err != nil {
		r.Close()
		t.Fatalf("start: %v", err)
	}
	out := make(chan string, 1)
	go func() {
		defer r.Close()
		data, _ := io.ReadAll(r)
		out <- string(data)
	}()
	return p, out
}

func needLandlock(t *testing.T) {
	t.Helper()
	if s := Probe(); !s.Confine {
		t.Skipf("no Landlock here: %s", s.Detail)
	}
}

// alive reports whether pid is a live (not zombie) process.
func alive(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(data, ')')
	return i < 0 || !bytes.HasPrefix(bytes.TrimSpace(data[i+1:]), []byte("Z"))
}

// pids parses the numbers a script printed, one per line.
func pids(t *testing.T, out string) []int {
	t.Helper()
	var ps []int
	for _, f := range strings.Fields(out) {
		if n, err := strconv.Atoi(f); err == nil {
			ps = append(ps, n)
		}
	}
	return ps
}

func TestExitCodesAndSignals(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		script string
		code   int
		sig    syscall.Signal
		out    string
	}{
		{"echo hi", 0, 0, "hi\n"},
		{"echo out; echo err >&2; exit 3", 3, 0, "out\nerr\n"},
		{"kill -TERM $$", -1, syscall.SIGTERM, ""},
	} {
		for _, confine := range []bool{false, true} {
			out, res := run(t, Policy{Confine: confine, Writable: []string{dir}}, dir, tc.script)
			if out != tc.out || res.ExitCode != tc.code || res.Signal != tc.sig {
				t.Errorf("%q confine=%v: output %q, result %+v; want %q, code %d, signal %v", tc.script, confine, out, res, tc.out, tc.code, tc.sig)
			}
		}
	}
}

// Background jobs, double forks and new sessions all end with the call.
func TestTreeKilledAtEnd(t *testing.T) {
	dir := t.TempDir()
	script := `(set -m; sleep 300 & echo $!); setsid sleep 300 & echo $!; sleep 300 & echo $!; (sleep 300 & echo $!) ; echo done`
	for _, confine := range []bool{false, true} {
		start := time.Now()
		out, res := run(t, Policy{Confine: confine, Writable: []string{dir}}, dir, script)
		if res.ExitCode != 0 || !strings.Contains(out, "done") {
			t.Fatalf("confine=%v: %q %+v", confine, out, res)
		}
		ps := pids(t, out)
		if len(ps) != 4 {
			t.Fatalf("want 4 pids, got %q", out)
		}
		for _, pid := range ps {
			if alive(pid) {
				syscall.Kill(pid, syscall.SIGKILL)
				t.Errorf("confine=%v: process %d outlived the call", confine, pid)
			}
		}
		if d := time.Since(start); d > 30*time.Second {
			t.Errorf("took %s", d)
		}
	}
}

// Stop (timeout, cancel) kills the tree while the command still runs.
func TestStopKillsTree(t *testing.T) {
	dir := t.TempDir()
	p, out := startBash(t, Policy{Confine: true, Writable: []string{dir}}, dir,
		`(set -m; sleep 300 & echo $! > `+dir+`/a); setsid sleep 300 & echo $! > `+dir+`/b; sleep 300`, false)
	var ps []int
	for deadline := time.Now().Add(20 * time.Second); len(ps) < 2 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		ps = ps[:0]
		for _, f := range []string{"a", "b"} {
			if data, err := os.ReadFile(filepath.Join(dir, f)); err == nil && bytes.HasSuffix(data, []byte("\n")) {
				ps = append(ps, pids(t, string(data))...)
			}
		}
	}
	if len(ps) != 2 {
		t.Fatalf("the background processes did not start: %v", ps)
	}
	p.Stop()
	res, err := p.Wait()
	<-out
	if err != nil || res.Signal != syscall.SIGKILL {
		t.Fatalf("%+v %v", res, err)
	}
	for _, pid := range ps {
		if alive(pid) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Errorf("process %d outlived Stop", pid)
		}
	}
}

func TestConfinement(t *testing.T) {
	needLandlock(t)
	root := t.TempDir()
	ws := filepath.Join(root, "workspace")
	home := filepath.Join(root, "home")
	outside := filepath.Join(root, "outside")
	for _, d := range []string{ws, outside, filepath.Join(home, "sessions")} {
		os.MkdirAll(d, 0o755)
	}
	os.WriteFile(filepath.Join(home, "config.toml"), []byte("api_key = 'sk-secret'\n"), 0o600)
	os.WriteFile(filepath.Join(home, "sessions", "s.jsonl"), []byte("{}\n"), 0o600)
	os.WriteFile(filepath.Join(outside, "readme"), []byte("readable\n"), 0o644)
	pol := Policy{Confine: true, Writable: []string{ws}, Hidden: []string{filepath.Join(home, "config.toml"), filepath.Join(home, "sessions")}}
	for _, tc := range []struct {
		name, script string
		ok           bool
	}{
		{"write the workspace", "echo x > note.md && cat note.md", true},
		{"make folders in the workspace", "mkdir -p a/b && touch a/b/c && mv a/b/c a/d && rm -r a", true},
		{"write the private temp folder", `echo x > "$TMPDIR/t" && cat <<EOF
here-doc
EOF`, true},
		{"write /dev/null", "echo x > /dev/null && head -c 4 /dev/urandom >/dev/null", true},
		{"read outside", "cat " + outside + "/readme", true},
		{"run programs", "ls / >/dev/null && env >/dev/null", true},
		{"write outside", "echo x > " + outside + "/f", false},
		{"write /tmp", "echo x > /tmp/localgpt-sandbox-test-$$", false},
		{"read the config", "cat " + home + "/config.toml", false},
		{"read a session", "cat " + home + "/sessions/s.jsonl", false},
		{"write a session", "echo x > " + home + "/sessions/new.jsonl", false},
		{"kill the launcher", "kill -9 $PPID", false},
	} {
		out, res := run(t, pol, ws, tc.script)
		if (res.ExitCode == 0) != tc.ok || !res.Confined {
			t.Errorf("%s: ok=%v, want %v: %q %+v", tc.name, res.ExitCode == 0, tc.ok, out, res)
		}
		if strings.Contains(out, "sk-secret") {
			t.Errorf("%s: the hidden config was read: %q", tc.name, out)
		}
	}
	if _, err := os.Stat(filepath.Join(outside, "f")); err == nil {
		t.Error("a file was written outside")
	}
}

// With the workspace holding LocalGPT's home (memory.workspace = "~"),
// the home's own files stay hidden.
func TestHiddenInsideWritable(t *testing.T) {
	needLandlock(t)
	ws := t.TempDir()
	home := filepath.Join(ws, ".localgpt")
	os.MkdirAll(filepath.Join(home, "workspace"), 0o755)
	os.MkdirAll(filepath.Join(ws, "notes"), 0o755)
	os.WriteFile(filepath.Join(home, "config.toml"), []byte("require_approval = ['bash']\n"), 0o600)
	pol := Policy{Confine: true, Writable: []string{ws}, Hidden: []string{filepath.Join(home, "config.toml")}}
	if out, res := run(t, pol, ws, "echo x > notes/n.md && echo y > .localgpt/workspace/w.md && cat notes/n.md"); res.ExitCode != 0 {
		t.Fatalf("ordinary writes failed: %q %+v", out, res)
	}
	for _, script := range []string{
		"echo 'require_approval = []' > .localgpt/config.toml",
		"cat .localgpt/config.toml",
		"rm .localgpt/config.toml",
		"mv .localgpt/config.toml notes/c",
	} {
		if out, res := run(t, pol, ws, script); res.ExitCode == 0 {
			t.Errorf("%q succeeded: %q", script, out)
		}
	}
	data, _ := os.ReadFile(filepath.Join(home, "config.toml"))
	if string(data) != "require_approval = ['bash']\n" {
		t.Fatalf("config changed: %q", data)
	}
}

// ReadOnly paths of the workspace can be read but not changed, removed
// or replaced, while the rest of the workspace stays writable.
func TestReadOnlyInsideWritable(t *testing.T) {
	needLandlock(t)
	ws := t.TempDir()
	os.MkdirAll(filepath.Join(ws, "notes"), 0o755)
	os.MkdirAll(filepath.Join(ws, ".git", "hooks"), 0o755)
	os.WriteFile(filepath.Join(ws, "HEARTBEAT.md"), []byte("## Pending\n"), 0o644)
	os.WriteFile(filepath.Join(ws, "notes", "n.md"), []byte("n\n"), 0o644)
	pol := Policy{Confine: true, Writable: []string{ws},
		ReadOnly: []string{filepath.Join(ws, "HEARTBEAT.md"), filepath.Join(ws, ".git")}}
	if out, res := run(t, pol, ws, "cat HEARTBEAT.md && echo x >> notes/n.md && mkdir -p notes/a && echo y > notes/a/b && ls .git"); res.ExitCode != 0 {
		t.Fatalf("ordinary work failed: %q %+v", out, res)
	}
	for _, script := range []string{
		"echo '### planted' >> HEARTBEAT.md",
		"rm HEARTBEAT.md",
		"mv notes/n.md HEARTBEAT.md",
		"echo x > new-at-root.md",
		"echo 'fsmonitor = evil' > .git/config",
		"echo evil > .git/hooks/pre-commit",
		"mkdir .vscode",
	} {
		if out, res := run(t, pol, ws, script); res.ExitCode == 0 {
			t.Errorf("%q succeeded: %q", script, out)
		}
	}
	if data, _ := os.ReadFile(filepath.Join(ws, "HEARTBEAT.md")); string(data) != "## Pending\n" {
		t.Fatalf("HEARTBEAT.md changed: %q", data)
	}
}

func TestNoNetwork(t *testing.T) {
	if s := Probe(); !s.Network {
		t.Skipf("Landlock cannot confine the network here: %s", s.Detail)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	dir := t.TempDir()
	script := fmt.Sprintf("exec 3<>/dev/tcp/127.0.0.1/%d && echo connected", port)
	if out, res := run(t, Policy{Confine: true, Writable: []string{dir}}, dir, script); res.ExitCode != 0 {
		t.Fatalf("with the network allowed: %q %+v", out, res)
	}
	if out, res := run(t, Policy{Confine: true, Writable: []string{dir}, NoNetwork: true}, dir, script); res.ExitCode == 0 {
		t.Fatalf("connected with bash_network = false: %q", out)
	}
}

// Without Landlock the command runs, unconfined, and says so.
func TestWithoutLandlockWarns(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	p, out := startBash(t, Policy{Confine: true, Writable: []string{dir}}, dir, "echo x > "+outside+"/f && echo written", true)
	res, err := p.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if got := <-out; got != "written\n" || res.Confined || !strings.Contains(res.Warning, "Landlock") {
		t.Fatalf("%q %+v", got, res)
	}
}

func TestStartErrors(t *testing.T) {
	r, w, _ := os.Pipe()
	defer r.Close()
	defer w.Close()
	p, err := new(Runner).Start(Command{Path: "/nonexistent/bash", Args: []string{"bash"}, Dir: t.TempDir(), Output: w})
	if err == nil {
		_, err = p.Wait()
	}
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/bash") {
		t.Fatalf("%v", err)
	}
	if errors.Is(err, os.ErrNotExist) {
		return
	}
}

// A Runner reuses its prepared ruleset until the policy or a folder it
// granted entry by entry changes: a folder made after the first command
// is writable by the next.
func TestRulesetCache(t *testing.T) {
	needLandlock(t)
	ws := t.TempDir()
	home := filepath.Join(ws, ".localgpt")
	os.MkdirAll(home, 0o700)
	os.WriteFile(filepath.Join(home, "config.toml"), nil, 0o600)
	pol := Policy{Confine: true, Writable: []string{ws}, Hidden: []string{filepath.Join(home, "config.toml")}}
	bash, _ := exec.LookPath("bash")
	var runner Runner
	runIn := func(script string) (string, Result) {
		r, w, _ := os.Pipe()
		p, err := runner.Start(Command{Path: bash, Args: []string{"bash", "-c", script}, Dir: ws, Env: os.Environ(), Output: w, Policy: pol})
		w.Close()
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(r)
		r.Close()
		res, err := p.Wait()
		if err != nil {
			t.Fatal(err)
		}
		return string(out), res
	}
	if out, res := runIn("echo first"); res.ExitCode != 0 {
		t.Fatalf("%q %+v", out, res)
	}
	first := runner.cache
	os.Mkdir(filepath.Join(ws, "later"), 0o700)
	if out, res := runIn("echo x > later/f && cat later/f"); res.ExitCode != 0 || runner.cache == first {
		t.Fatalf("a folder made later is not writable: %q %+v", out, res)
	}
	if out, res := runIn("cat .localgpt/config.toml"); res.ExitCode == 0 {
		t.Fatalf("the hidden file was read: %q", out)
	}
}

// fresh holds while the folders a ruleset looked into keep their entries.
// (Whether a second command reuses it depends on /tmp, which other tests
// change, so this is checked on the folders themselves.)
func TestRulesetFresh(t *testing.T) {
	dir := t.TempDir()
	fi, _ := os.Stat(dir)
	rs := &ruleset{seen: []seenDir{{dir, fi}}}
	if !rs.fresh() {
		t.Fatal("an unchanged folder made the ruleset stale")
	}
	time.Sleep(10 * time.Millisecond) // a later modification time
	os.WriteFile(filepath.Join(dir, "new"), nil, 0o600)
	if rs.fresh() {
		t.Fatal("a new entry did not make the ruleset stale")
	}
	os.Remove(dir + "/new")
	os.Remove(dir)
	if rs.fresh() {
		t.Fatal("a removed folder did not make the ruleset stale")
	}
}

// TestNoCapabilities: a confined command has no capability, even when
// LocalGPT runs as root, and cannot win them back (secure bits locked,
// bounding set empty); an unconfined one is left as it was.
func TestNoCapabilities(t *testing.T) {
	dir := t.TempDir()
	script := `grep -E '^Cap(Eff|Prm|Bnd|Amb)' /proc/self/status; grep -q '0000000000000000' <(grep CapEff /proc/self/status) && echo none`
	out, res := run(t, Policy{Confine: true, Writable: []string{dir}}, dir, script)
	for _, want := range []string{"CapEff:\t0000000000000000", "CapPrm:\t0000000000000000", "CapAmb:\t0000000000000000"} {
		if !strings.Contains(out, want) {
			t.Fatalf("want %q in\n%s (%+v)", want, out, res)
		}
	}
	if os.Geteuid() == 0 && !strings.Contains(out, "CapBnd:\t0000000000000000") {
		t.Fatalf("root's bounding set was left:\n%s", out)
	}
	if os.Geteuid() == 0 {
		if out, _ := run(t, Policy{}, dir, script); strings.Contains(out, "CapEff:\t0000000000000000") {
			t.Fatalf("an unconfined command lost root's capabilities:\n%s", out)
		}
	}
}

// TestNoUnixSockets: a confined command cannot open a Unix socket, so it
// cannot ask the user's tmux (or systemd, or Docker) to run something
// outside the sandbox; tools.bash_unix_sockets lets it.
func TestNoUnixSockets(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatalf("tmux is not installed (apt-get install tmux; scripts/test does): %v", err)
	}
	dir := t.TempDir()
	sock := filepath.Join(dir, "tmux.sock")
	if out, err := exec.Command("tmux", "-S", sock, "new-session", "-d", "sleep 60").CombinedOutput(); err != nil {
		t.Fatalf("start tmux: %v %s", err, out)
	}
	defer exec.Command("tmux", "-S", sock, "kill-server").Run()
	ws := filepath.Join(dir, "ws")
	os.Mkdir(ws, 0o700)
	outside := filepath.Join(dir, "escaped")
	script := "tmux -S " + sock + " new-window -d 'touch " + outside + "'; echo tmux=$?"
	for _, allow := range []bool{false, true} {
		out, _ := run(t, Policy{Confine: true, Writable: []string{ws}, UnixSockets: allow}, ws, script)
		deadline := time.Now().Add(5 * time.Second)
		for allow && time.Now().Before(deadline) {
			if _, err := os.Stat(outside); err == nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if !allow && !strings.Contains(out, "tmux=1") {
			t.Fatalf("the tmux client was not refused:\n%s", out)
		}
		_, err := os.Stat(outside)
		if escaped := err == nil; escaped != allow {
			t.Fatalf("UnixSockets=%v: the command reached tmux: %v\n%s", allow, escaped, out)
		}
	}
}
