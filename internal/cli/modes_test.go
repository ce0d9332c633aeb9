package cli

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
)

// TestEverythingCreatedIsPrivate: the home LocalGPT makes is 0700, and
// every file and folder it creates there, workspace included (templates,
// daily logs, notes the model writes), the index, the sessions, the state,
// the logs and exports, is 0600 / 0700, whatever the umask lets through
// (issue 12, attack 4: other local users read the memory directly).
func TestEverythingCreatedIsPrivate(t *testing.T) {
	srv := llmtest.NewOpenAI(t)
	home := filepath.Join(t.TempDir(), "new-home")
	env := func() map[string]string { return map[string]string{"LOCALGPT_HOME": home, "NO_COLOR": "1"} }
	steps := [][]string{
		{"paths"},
		{"config", "set", "providers.openai.base_url", srv.URL + "/v1"},
		{"config", "set", "providers.openai.api_key", "sk-test-modes-0000000000"},
		{"config", "set", "agent.default_model", "openai/gpt-4o-mini"},
		{"ask", "note it"},
		{"chat"},
		{"memory", "reindex"},
		{"daemon", "heartbeat"},
		{"daemon", "token"},
		{"-v", "memory", "search", "tomatoes"},
	}
	srv.Enqueue(
		llmtest.ToolCalls(
			llmtest.Call{ID: "1", Name: "write_file", Args: `{"path":"garden/plan.md","content":"# Plan\ntomatoes\n"}`},
			llmtest.Call{ID: "2", Name: "memory_save", Args: `{"content":"planted tomatoes"}`},
		),
		llmtest.Text("Saved."), // ask
		llmtest.Text("Hello."), // chat
		llmtest.Text("Done."),  // heartbeat
	)
	for _, args := range steps {
		stdin := ""
		if args[0] == "chat" {
			stdin = "hello\n"
		}
		if args[0] == "daemon" && args[1] == "heartbeat" {
			os.WriteFile(filepath.Join(home, "workspace", "HEARTBEAT.md"), []byte("## Pending\n- [ ] water\n"), 0o600)
		}
		if r := runEnv(t, env(), stdin, args...); r.code != 0 {
			t.Fatalf("localgpt %s: %+v", strings.Join(args, " "), r)
		}
	}
	sessions, _ := filepath.Glob(filepath.Join(home, "sessions", "*.jsonl")) // beside the index
	if len(sessions) != 1 {
		t.Fatalf("%d sessions", len(sessions))
	}
	id := strings.TrimSuffix(filepath.Base(sessions[0]), ".jsonl")
	if r := runEnv(t, env(), "", "session", "export", id, "-o", filepath.Join(home, "chat.md")); r.code != 0 {
		t.Fatalf("export: %+v", r)
	}
	for _, want := range []string{"config.toml", "workspace/garden/plan.md", "workspace/memory", "index/memory.sqlite",
		"sessions", "state/heartbeat.json", "state/api-token", "logs/agent.log", "chat.md"} {
		if _, err := os.Stat(filepath.Join(home, want)); err != nil {
			t.Errorf("%s was not created: %v", want, err)
		}
	}
	n := 0
	filepath.WalkDir(home, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		info, _ := d.Info()
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s is %04o, want %04o", path, info.Mode().Perm(), want)
		}
		n++
		return nil
	})
	if n < 20 {
		t.Fatalf("only %d paths checked", n)
	}
}
