package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
)

func TestDaemonHeartbeatCommand(t *testing.T) {
	home, srv := fakeHome(t)
	if r := runIn(t, home, "", "daemon", "status"); r.code != ExitNotRunning || !strings.Contains(r.stdout, "Last run:   never\n") {
		t.Fatalf("status before any cycle: %+v", r)
	}
	if r := runIn(t, home, "", "daemon", "heartbeat"); r.code != 0 || !strings.Contains(r.stdout, "HEARTBEAT_OK: nothing is due") {
		t.Fatalf("skip: %+v", r)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("skip made %d requests", n)
	}
	hb := filepath.Join(home, "workspace", "HEARTBEAT.md")
	steps := []struct {
		name   string
		file   string
		reply  llmtest.Reply
		args   []string
		code   int
		stdout string
	}{
		{"due task done", "## Pending\n- [ ] feed the cat\n", llmtest.Text("Fed the cat."), nil, 0, "Fed the cat.\n"},
		{"HEARTBEAT_OK is not shown", "## Pending\n- [ ] feed the dog\n", llmtest.Text("HEARTBEAT_OK"), nil, 0, "HEARTBEAT_OK\n"},
		{"provider failure exits 3", "## Pending\n- [ ] feed the fish\n", llmtest.HTTPError(401, "invalid api key"), nil, 3, "FAILED\n"},
		{"json", "## Pending\n- [ ] feed the bird\n", llmtest.Text("Fed the bird."), []string{"--json"}, 0, `"outcome": "DONE"`},
	}
	for _, s := range steps {
		os.WriteFile(hb, []byte(s.file), 0o644)
		srv.Enqueue(s.reply)
		r := runIn(t, home, "", append([]string{"daemon", "heartbeat"}, s.args...)...)
		if r.code != s.code || !strings.Contains(r.stdout, s.stdout) {
			t.Fatalf("%s: %+v", s.name, r)
		}
	}
	r := runIn(t, home, "", "daemon", "status", "--json")
	var st struct {
		Running   bool
		Heartbeat struct {
			Outcome     string
			TokensToday int `json:"tokens_today"`
			ModelCycles int `json:"model_cycles"`
		}
	}
	if r.code != ExitNotRunning || json.Unmarshal([]byte(r.stdout), &st) != nil || st.Running || st.Heartbeat.Outcome != "DONE" ||
		st.Heartbeat.ModelCycles != 4 || st.Heartbeat.TokensToday == 0 {
		t.Fatalf("status: %+v %+v", r, st)
	}
	if r := runIn(t, home, "", "daemon", "status"); r.code != ExitNotRunning || r.stderr != "" || !strings.Contains(r.stdout, "not running") ||
		!strings.Contains(r.stdout, "Last run:   ") || !strings.Contains(r.stdout, " ago), DONE\n") { // not "(in 0s)" a moment after
		t.Fatalf("status: %+v", r)
	}
	if r := runIn(t, home, "", "daemon", "stop"); r.code != 0 || !strings.Contains(r.stdout, "No LocalGPT daemon is running") {
		t.Fatalf("stop: %+v", r)
	}
}

// TestDaemonLoginWithoutADaemon: the link is printed alone on stdout (for
// scripts), and stderr says that nothing answers at it until a daemon runs.
func TestDaemonLoginWithoutADaemon(t *testing.T) {
	home := t.TempDir()
	r := run(t, home, "daemon", "login")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "http://127.0.0.1:31327/login?code=") || strings.Count(r.stdout, "\n") != 1 ||
		!strings.Contains(r.stderr, "no daemon is running") || !strings.Contains(r.stderr, "localgpt daemon start") {
		t.Fatalf("%+v", r)
	}
	run(t, home, "config", "set", "server.enabled", "false")
	if r := run(t, home, "daemon", "login"); r.code == 0 || r.stdout != "" || !strings.Contains(r.stderr, "server.enabled true") {
		t.Fatalf("server off: %+v", r)
	}
}

// TestDaemonStatusWithDamagedHeartbeatState: a heartbeat record that does
// not parse is reported in the status, which still says whether the
// daemon runs (exit 3 here: it does not), as text and as JSON.
func TestDaemonStatusWithDamagedHeartbeatState(t *testing.T) {
	home, _ := fakeHome(t)
	runIn(t, home, "", "paths") // the first run's notes out of the way
	os.MkdirAll(filepath.Join(home, "state"), 0o700)
	os.WriteFile(filepath.Join(home, "state", "heartbeat.json"), []byte("{bad"), 0o600)
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"daemon", "status"}, []string{"Daemon:     not running", "Last run:   unknown: heartbeat: state " + filepath.Join(home, "state", "heartbeat.json") + " is damaged", "delete it to start afresh"}},
		{[]string{"daemon", "status", "--json"}, []string{`"running": false`, `"state_error": "heartbeat: state `}},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := runIn(t, home, "", tc.args...)
			if r.code != ExitNotRunning || r.stderr != "" {
				t.Fatalf("exit %d, want %d and nothing on stderr: %+v", r.code, ExitNotRunning, r)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, r.stdout)
				}
			}
			if len(tc.args) == 3 && !json.Valid([]byte(r.stdout)) {
				t.Errorf("not JSON: %s", r.stdout)
			}
		})
	}
}
