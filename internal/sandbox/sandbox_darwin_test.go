//go:build darwin

package sandbox

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runDarwin runs script with bash through Start and returns its output.
func runDarwin(t *testing.T, pol Policy, dir, script string) (string, Result) {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	p, err := (&Runner{}).Start(Command{Path: bash, Args: []string{"bash", "-c", script}, Dir: dir, Env: os.Environ(), Output: w, Policy: pol})
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

// TestSeatbeltConfinement runs the profile under sandbox-exec for real.
func TestSeatbeltConfinement(t *testing.T) {
	if s := Probe(); !s.Confine {
		t.Fatalf("sandbox-exec does not work: %s", s.Detail)
	}
	root, _ := filepath.EvalSymlinks(t.TempDir())
	ws, home, outside := filepath.Join(root, "workspace"), filepath.Join(root, "home"), filepath.Join(root, "outside")
	for _, d := range []string{ws, home, outside} {
		os.MkdirAll(d, 0o755)
	}
	os.WriteFile(filepath.Join(home, "config.toml"), []byte("api_key = 'sk-secret'\n"), 0o600)
	os.WriteFile(filepath.Join(ws, "HEARTBEAT.md"), []byte("## Pending\n"), 0o644)
	pol := Policy{Confine: true, Writable: []string{ws}, Hidden: []string{filepath.Join(home, "config.toml")},
		ReadOnly: []string{filepath.Join(ws, "HEARTBEAT.md")}, NoNetwork: true}
	for _, tc := range []struct {
		name, script string
		ok           bool
	}{
		{"write the workspace", "echo x > note.md && cat note.md", true},
		{"write the private temp folder", `echo x > "$TMPDIR/t" && cat "$TMPDIR/t"`, true},
		{"write /dev/null", "echo x > /dev/null", true},
		{"read a control file", "cat HEARTBEAT.md", true},
		{"write a control file", "echo x >> HEARTBEAT.md", false},
		{"write outside", "echo x > " + outside + "/f", false},
		{"read the config", "cat " + home + "/config.toml", false},
		{"connect", "exec 3<>/dev/tcp/127.0.0.1/9", false},
	} {
		out, res := runDarwin(t, pol, ws, tc.script)
		if (res.ExitCode == 0) != tc.ok || !res.Confined {
			t.Errorf("%s: ok=%v, want %v: %q %+v", tc.name, res.ExitCode == 0, tc.ok, out, res)
		}
		if strings.Contains(out, "sk-secret") {
			t.Errorf("%s: the hidden config was read", tc.name)
		}
	}
}
