package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// binary is the localgpt built once for the end-to-end tests in this package.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "localgpt-e2e-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "localgpt")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		panic("building localgpt: " + err.Error() + "\n" + string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// runBinary runs the built localgpt with LOCALGPT_HOME=home.
func runBinary(t *testing.T, home string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = []string{"LOCALGPT_HOME=" + home, "HOME=" + filepath.Join(home, "user"), "PATH=" + os.Getenv("PATH"), "NO_COLOR=1"}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errOut.String(), code
}

// TestREADMEQuickStart follows the README's quick start with the real binary.
func TestREADMEQuickStart(t *testing.T) {
	home := t.TempDir()
	steps := []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"--version"}, 0, "localgpt "},
		{[]string{"config", "init"}, 0, "Wrote " + filepath.Join(home, "config.toml")},
		{[]string{"config", "show"}, 0, "default_model = 'llama3.2'"},
		{[]string{"paths"}, 0, filepath.Join(home, "workspace")},
		{[]string{"completion", "bash"}, 0, "localgpt"},
		{[]string{"config", "set", "heartbeat.interval", "1h"}, 0, "Set heartbeat.interval = 1h"},
	}
	for _, s := range steps {
		out, errOut, code := runBinary(t, home, s.args...)
		if code != s.code || !strings.Contains(out, s.out) {
			t.Fatalf("localgpt %s: code %d\nstdout: %s\nstderr: %s", strings.Join(s.args, " "), code, out, errOut)
		}
	}
}

func TestBrokenConfigExitCode(t *testing.T) {
	home := t.TempDir()
	os.WriteFile(filepath.Join(home, "config.toml"), []byte("[heartbeat]\ninterval = \"often\"\n"), 0o600)
	_, errOut, code := runBinary(t, home, "config", "show")
	if code != 2 || !strings.Contains(errOut, "config.toml:2:12: heartbeat.interval:") {
		t.Fatalf("code %d, stderr %s", code, errOut)
	}
}
