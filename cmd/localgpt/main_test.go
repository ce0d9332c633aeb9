package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/internal/testbin"
)

// binary is the localgpt built once for the end-to-end tests in this package.
var binary string

func TestMain(m *testing.M) { testbin.Main(m, &binary) }

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
