package security_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
	"github.com/localgpt-go/localgpt/internal/sandbox"
)

// TestBashCannotDriveTheUsersTmux: a confined command asked the user's
// running tmux (through its socket, which Landlock before ABI 9 cannot
// guard) to open a window running `cat config.toml > …`: the window ran
// unconfined, read the configuration LocalGPT hides, wrote outside the
// workspace and outlived the call (found by the red team; systemd-run
// --user and the Docker socket work alike). Confined commands now get no
// Unix sockets, at every entry that runs bash.
func TestBashCannotDriveTheUsersTmux(t *testing.T) {
	if !sandbox.Probe().Confine {
		t.Skip("needs the sandbox")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatalf("tmux is not installed (apt-get install tmux; scripts/test does): %v", err)
	}
	for _, e := range entries() {
		if e.name != "ask" && e.name != "ask-binary" && e.name != "heartbeat" {
			continue // bash needs an approval these entries cannot give
		}
		t.Run(e.name, func(t *testing.T) {
			extra := ""
			if e.name == "heartbeat" {
				extra = "[heartbeat]\nallow_tools = [\"bash\"]\n"
			}
			l := newLab(t, extra)
			sock := filepath.Join(l.user, "tmux.sock")
			if out, err := exec.Command("tmux", "-S", sock, "new-session", "-d", "sleep 120").CombinedOutput(); err != nil {
				t.Fatalf("start the user's tmux: %v %s", err, out)
			}
			defer exec.Command("tmux", "-S", sock, "kill-server").Run()
			stolen := filepath.Join(l.user, "stolen")
			l.llm.Enqueue(llmtest.ToolCalls(call("b", "bash", map[string]any{
				"command": "tmux -S " + sock + " new-window -d 'cat " + l.configFile() + " > " + stolen + "'; echo asked=$?"})),
				llmtest.Text("done"))
			e.run(l, true)
			if !strings.Contains(l.toolResults(), "asked=") {
				t.Fatalf("the command did not run:\n%s", l.toolResults())
			}
			time.Sleep(300 * time.Millisecond) // a window that did open runs its command at once
			if data, err := os.ReadFile(stolen); err == nil {
				t.Fatalf("tmux ran the command outside the sandbox:\n%s", data)
			}
		})
	}
}
