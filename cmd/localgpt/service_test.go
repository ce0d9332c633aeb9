//go:build linux

package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/internal/testbin"
)

// TestDaemonInstallSystemd installs, inspects and uninstalls the systemd
// user unit with the built binary. systemctl is a script on PATH that
// records its arguments (this machine runs no systemd user manager); the
// unit it is given is checked by systemd-analyze.
func TestDaemonInstallSystemd(t *testing.T) {
	home := t.TempDir()
	fakebin := t.TempDir()
	calls := filepath.Join(t.TempDir(), "systemctl.log")
	script := "#!/bin/sh\necho \"$*\" >> '" + calls + "'\n" +
		"if [ -n \"$SYSTEMCTL_FAIL\" ]; then echo 'Failed to connect to bus: No medium found' >&2; exit 1; fi\n"
	if err := os.WriteFile(filepath.Join(fakebin, "systemctl"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	unit := filepath.Join(home, "user", ".config", "systemd", "user", "localgpt.service")
	run := func(env []string, args ...string) (string, string, int) {
		t.Helper()
		cmd := testbin.Command(binary, home, args...)
		cmd.Env = append(cmd.Env, "PATH="+fakebin+string(os.PathListSeparator)+os.Getenv("PATH"))
		cmd.Env = append(cmd.Env, env...)
		var out, errOut strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out.String(), errOut.String(), code
	}
	log := func() string {
		data, _ := os.ReadFile(calls)
		os.Remove(calls)
		return string(data)
	}

	out, errOut, code := run(nil, "daemon", "install", "--dry-run")
	if code != 0 || !strings.Contains(out, "Would write the systemd user unit "+unit) ||
		!strings.Contains(out, `ExecStart="`+binary+`" "daemon" "run"`) || !strings.Contains(out, `Environment="LOCALGPT_HOME=`+home+`"`) ||
		!strings.Contains(out, "  systemctl --user enable localgpt.service\n") {
		t.Fatalf("dry run: code %d\n%s\n%s", code, out, errOut)
	}
	if _, err := os.Stat(unit); err == nil || log() != "" {
		t.Fatal("--dry-run wrote the unit or ran systemctl")
	}

	out, errOut, code = run([]string{"OPENAI_API_KEY=sk-test"}, "daemon", "install")
	if code != 0 || !strings.Contains(out, "Wrote the systemd user unit "+unit) || !strings.Contains(out, "OPENAI_API_KEY is set in this shell") {
		t.Fatalf("install: code %d\n%s\n%s", code, out, errOut)
	}
	if got, want := log(), "--user daemon-reload\n--user enable localgpt.service\n--user start localgpt.service\n"; got != want {
		t.Fatalf("install ran systemctl %q, want %q", got, want)
	}
	verify := exec.Command("systemd-analyze", "verify", "--user", "--man=no", unit)
	verify.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+t.TempDir())
	if vout, err := verify.CombinedOutput(); err != nil || len(strings.TrimSpace(string(vout))) > 0 {
		t.Fatalf("systemd-analyze verify %s: %v\n%s", unit, err, vout)
	}

	out, _, code = run(nil, "daemon", "status")
	if code != 3 || !strings.Contains(out, "At login:   installed (systemd user unit "+unit+")") { // 3: installed, not running
		t.Fatalf("status after install: %d\n%s", code, out)
	}
	out, _, code = run(nil, "--model", "other", "daemon", "status", "--json")
	var st struct {
		Running   bool `json:"running"`
		Autostart struct {
			Installed, Current bool
			Path               string
		} `json:"autostart"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil || code != 3 || !st.Autostart.Installed || st.Autostart.Current || st.Autostart.Path != unit {
		t.Fatalf("status --json for another model should be installed but not current: %v %s", err, out)
	}

	out, errOut, code = run([]string{"SYSTEMCTL_FAIL=1"}, "daemon", "install")
	if code != 1 || !strings.Contains(errOut, "wrote "+unit) || !strings.Contains(errOut, "Failed to connect to bus") {
		t.Fatalf("install with a failing systemctl: code %d\n%s\n%s", code, out, errOut)
	}
	log()

	out, errOut, code = run(nil, "daemon", "uninstall", "--dry-run")
	if code != 0 || !strings.Contains(out, "Would remove the systemd user unit "+unit+"\nWould run:\n  systemctl --user disable --now localgpt.service\n") || log() != "" {
		t.Fatalf("uninstall --dry-run: code %d\n%s\n%s", code, out, errOut)
	}
	if _, err := os.Stat(unit); err != nil {
		t.Fatal("uninstall --dry-run removed the unit")
	}
	out, errOut, code = run(nil, "daemon", "uninstall")
	if code != 0 || !strings.Contains(out, "Removed the systemd user unit "+unit) {
		t.Fatalf("uninstall: code %d\n%s\n%s", code, out, errOut)
	}
	if got, want := log(), "--user disable --now localgpt.service\n--user daemon-reload\n"; got != want {
		t.Fatalf("uninstall ran systemctl %q, want %q", got, want)
	}
	if _, err := os.Stat(unit); err == nil {
		t.Fatal("uninstall left the unit")
	}
	out, _, _ = run(nil, "daemon", "status")
	if !strings.Contains(out, "At login:   not installed") {
		t.Fatalf("status after uninstall:\n%s", out)
	}
	out, _, code = run(nil, "daemon", "uninstall")
	if code != 0 || !strings.Contains(out, "not installed to start at login") || log() != "" {
		t.Fatalf("second uninstall: %d %s", code, out)
	}
	// With nothing installed, --dry-run says so too rather than what it would remove.
	out, _, code = run(nil, "daemon", "uninstall", "--dry-run")
	if code != 0 || !strings.Contains(out, "not installed to start at login") || strings.Contains(out, "Would") || log() != "" {
		t.Fatalf("uninstall --dry-run with nothing installed: %d %s", code, out)
	}
}
