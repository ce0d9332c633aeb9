//go:build linux

package sandbox

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
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
		for b.Loop() {
			cmd := exec.Command(bash, "-c", "echo hi")
			cmd.Dir = ws
			if out, err := cmd.Output(); err != nil || string(out) != "hi\n" {
				b.Fatal(err, string(out))
			}
		}
	})
	for _, tc := range []struct {
		name   string
		policy Policy
	}{
		{"launcher", Policy{Writable: []string{ws}}},
		{"confined", Policy{Confine: true, Writable: []string{ws}, Hidden: hidden}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				r, w, _ := os.Pipe()
				p, err := Start(Command{Path: bash, Args: args, Dir: ws, Env: os.Environ(), Output: w, Policy: tc.policy})
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
