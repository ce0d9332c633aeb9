// Package testbin serves tests that need real localgpt processes: it
// builds the binary once per test run and runs it in a private LocalGPT
// home, so every such test starts the same way.
package testbin

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Build compiles cmd/localgpt with CGO_ENABLED=0 into a new temporary
// folder. It returns the binary's path and a function that removes it.
func Build() (string, func(), error) {
	dir, err := os.MkdirTemp("", "localgpt-bin-")
	if err != nil {
		return "", nil, err
	}
	bin := filepath.Join(dir, "localgpt")
	build := exec.Command("go", "build", "-o", bin, "github.com/localgpt-go/localgpt/cmd/localgpt")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("building localgpt: %w\n%s", err, out)
	}
	return bin, func() { os.RemoveAll(dir) }, nil
}

// Main is a TestMain body: it builds the binary into *bin, runs the tests
// and removes the binary.
func Main(m *testing.M, bin *string) {
	path, cleanup, err := Build()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	*bin = path
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// Env is the whole environment of a test process: LOCALGPT_HOME=home, a
// HOME inside it (so no real home is touched), PATH and NO_COLOR.
func Env(home string) []string {
	return []string{"LOCALGPT_HOME=" + home, "HOME=" + filepath.Join(home, "user"),
		"PATH=" + os.Getenv("PATH"), "NO_COLOR=1"}
}

// Command prepares bin with args in home, with Env(home).
func Command(bin, home string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	cmd.Env = Env(home)
	return cmd
}

// Run runs bin with args in home and returns what it printed and its exit
// code; failing to start it at all fails t.
func Run(t testing.TB, bin, home string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := Command(bin, home, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("run localgpt %v: %v", args, err)
	}
	return out.String(), errOut.String(), code
}
