package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/internal/testbin"
)

// binary is the localgpt built once for the end-to-end tests in this package.
var binary string

func TestMain(m *testing.M) {
	if os.Getenv(shellServerEnv) != "" { // the test binary as an MCP server (mcpshell_test.go)
		serveShell()
		os.Exit(0)
	}
	testbin.Main(m, &binary)
}

// runBinary runs the built localgpt with LOCALGPT_HOME=home.
func runBinary(t *testing.T, home string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return testbin.Run(t, binary, home, args...)
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

// TestREADMEInstall runs the README's install lines in a fresh home (no
// ~/.local/bin, no ~/.bashrc) with bash: afterwards localgpt is found in
// that shell and in a new one, and running them again changes nothing.
func TestREADMEInstall(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	start := strings.Index(string(readme), "mkdir -p ~/.local/bin")
	end := strings.Index(string(readme), "```\n\nThe stripped binary")
	if start < 0 || end < start {
		t.Fatal("the README's install lines were not found")
	}
	lines := string(readme[start:end])
	home, dir := t.TempDir(), t.TempDir()
	data, err := os.ReadFile(binary)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "localgpt"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	env := []string{"HOME=" + home, "PATH=/usr/bin:/bin", "LOCALGPT_HOME=" + filepath.Join(home, ".localgpt")}
	bash := func(script string) string {
		t.Helper()
		cmd := exec.Command("bash", "-c", script)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("bash -c %q: %v\n%s", script, err, out)
		}
		return string(out)
	}
	for range 2 {
		if out := bash("set -e\n" + lines + "command -v localgpt\nlocalgpt --version\n"); !strings.Contains(out, filepath.Join(home, ".local/bin/localgpt")) || !strings.Contains(out, "localgpt ") {
			t.Fatalf("after the install lines:\n%s", out)
		}
	}
	if out := bash("source ~/.bashrc; command -v localgpt"); !strings.Contains(out, ".local/bin/localgpt") {
		t.Fatalf("a new shell does not find localgpt:\n%s", out)
	}
	if rc, _ := os.ReadFile(filepath.Join(home, ".bashrc")); strings.Count(string(rc), ".local/bin") != 1 {
		t.Fatalf("~/.bashrc after installing twice:\n%s", rc)
	}
}
