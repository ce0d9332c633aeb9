package security_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
	"github.com/localgpt-go/localgpt/internal/sandbox"
)

// TestBashCannotReadLocalGPTsEnvironment: bash never gets the key
// variables, but LocalGPT itself has them, and a confined command of a
// LocalGPT running as root (a container) read them from
// /proc/<localgpt>/environ with root's CAP_SYS_PTRACE, reversed past the
// masking (found by the red team). The command now runs without
// capabilities, and Landlock refuses it as for any other user.
func TestBashCannotReadLocalGPTsEnvironment(t *testing.T) {
	if !sandbox.Probe().Confine {
		t.Skip("needs the sandbox")
	}
	const key = "sk-proj-environSecret0123456789abcdef"
	l := newLab(t, "")
	reversed := func(s string) string {
		r := []rune(s)
		for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
		return string(r)
	}
	l.llm.Enqueue(llmtest.ToolCalls(call("b", "bash", map[string]any{"command": `LG=$(ps -o ppid= -p $PPID | tr -d ' ')
tr '\0' '\n' < /proc/$LG/environ | grep OPENAI | rev; echo read-done`})), llmtest.Text("done"))
	cmd := exec.Command(binary, "ask", "--yes", "list the environment")
	cmd.Env = []string{"LOCALGPT_HOME=" + l.home, "HOME=" + l.user, "PATH=" + os.Getenv("PATH"), "NO_COLOR=1", "OPENAI_API_KEY=" + key}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("localgpt ask: %v\n%s", err, out)
	}
	results := l.toolResults()
	if !strings.Contains(results, "read-done") {
		t.Fatalf("the command did not run:\n%s", results)
	}
	if strings.Contains(results, reversed(key)) || strings.Contains(results, reversed(key[len(key)-12:])) {
		t.Fatalf("the command read LocalGPT's API key:\n%s", results)
	}
}
