//go:build windows

package sandbox

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestJobEndsTheTree: a process the command starts in the background,
// which outlives the command, is ended with it by the job object.
func TestJobEndsTheTree(t *testing.T) {
	cmdExe, err := exec.LookPath("cmd")
	if err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(t.TempDir(), "still-running")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// The background cmd writes the marker after about 3 seconds.
	script := `start /b cmd /c "ping -n 4 127.0.0.1 >nul & echo x > ` + marker + `"`
	p, err := (&Runner{}).Start(Command{Path: cmdExe, Args: []string{"cmd", "/c", script}, Dir: t.TempDir(), Env: os.Environ(), Output: w})
	w.Close()
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Wait()
	if err != nil || res.Confined || res.Warning != "" {
		t.Fatalf("wait: %+v %v", res, err)
	}
	time.Sleep(5 * time.Second)
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the background process outlived the command")
	}
	if s := Probe(); s.Confine || s.Detail == "" {
		t.Fatalf("Probe on Windows: %+v", s)
	}
}
