//go:build linux

package sandbox

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/internal/testbin"
)

// BenchmarkEcho measures `bash -c 'echo hi'` run directly (as the bash
// tool did before the sandbox), through the launcher unconfined, and
// confined with LocalGPT's own files hidden in a home beside the workspace.
func BenchmarkEcho(b *testing.B) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		b.Skip("no bash")
	}
	home := b.TempDir()
	ws := filepath.Join(home, "workspace")
	os.MkdirAll(ws, 0o755)
	os.MkdirAll(filepath.Join(home, "sessions"), 0o755)
	os.WriteFile(filepath.Join(home, "config.toml"), nil, 0o600)
	hidden := []string{filepath.Join(home, "config.toml"), filepath.Join(home, "sessions")}
	args := []string{"bash", "-c", "echo hi"}
	b.Run("direct", func(b *testing.B) {
		defer cpu(b)()
		for b.Loop() {
			cmd := exec.Command(bash, "-c", "echo hi")
			cmd.Dir = ws
			if out, err := cmd.Output(); err != nil || string(out) != "hi\n" {
				b.Fatal(err, string(out))
			}
		}
	})
	localgpt, cleanup, err := testbin.Build()
	if err != nil {
		b.Fatal(err)
	}
	defer cleanup()
	for _, tc := range []struct {
		name     string
		policy   Policy
		launcher string
	}{
		{"launcher", Policy{Writable: []string{ws}}, ""},
		{"confined", Policy{Confine: true, Writable: []string{ws}, Hidden: hidden}, ""},
		{"localgpt-launcher", Policy{Writable: []string{ws}}, localgpt},
		{"localgpt-confined", Policy{Confine: true, Writable: []string{ws}, Hidden: hidden}, localgpt},
	} {
		b.Run(tc.name, func(b *testing.B) {
			defer cpu(b)()
			var runner Runner
			for b.Loop() {
				r, w, _ := os.Pipe()
				p, err := runner.Start(Command{Path: bash, Args: args, Dir: ws, Env: os.Environ(), Output: w, Policy: tc.policy, Launcher: tc.launcher})
				w.Close()
				if err != nil {
					b.Fatal(err)
				}
				out, _ := io.ReadAll(r)
				r.Close()
				if res, err := p.Wait(); err != nil || res.ExitCode != 0 || string(out) != "hi\n" {
					b.Fatal(err, res, string(out))
				}
			}
		})
	}
}

// cpu reports the CPU time (user and system, this process and the
// processes it waited for) per operation: a figure that, unlike wall
// time, other jobs on the machine barely change.
func cpu(b *testing.B) func() {
	start := cpuTime()
	return func() {
		b.ReportMetric(float64((cpuTime()-start).Microseconds())/float64(b.N)/1000, "cpu-ms/op")
	}
}

func cpuTime() time.Duration {
	var self, kids syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &kids)
	tv := func(t syscall.Timeval) time.Duration { return time.Duration(t.Nano()) }
	return tv(self.Utime) + tv(self.Stime) + tv(kids.Utime) + tv(kids.Stime)
}
