package cli

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
	"github.com/localgpt-go/localgpt/internal/session"
	"github.com/localgpt-go/localgpt/internal/testbin"
)

// listSessions runs `session list --json`.
func listSessions(t *testing.T, home string) []session.Info {
	t.Helper()
	r := runIn(t, home, "", "session", "list", "--json")
	var infos []session.Info
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &infos) != nil {
		t.Fatalf("session list: %+v", r)
	}
	return infos
}

func TestSessionCommands(t *testing.T) {
	home, srv := fakeHome(t)
	if r := runIn(t, home, "", "session", "list"); r.code != 0 || !strings.Contains(r.stdout, "No sessions yet") {
		t.Fatalf("empty list: %+v", r)
	}
	srv.Enqueue(llmtest.Text("Plant tomatoes in May."), llmtest.Text("SUMMARY: tomatoes in May."))
	out := filepath.Join(home, "chat-export.md")
	in := "When do I plant tomatoes?\n/context\n/export " + out + "\n/sessions\n/compact\n/status\n"
	r := runIn(t, home, in, "chat", "--no-tools")
	if r.code != 0 {
		t.Fatalf("chat: %+v", r)
	}
	for _, want := range []string{"system ", "memory ", "history ", "tools           0", "usable", "When do I plant tomatoes?", "session   "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("chat stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if !strings.Contains(r.stderr, "conversation compacted: 2 earlier messages") || !strings.Contains(r.stderr, "Exported session") {
		t.Errorf("chat stderr: %s", r.stderr)
	}
	if data, err := os.ReadFile(out); err != nil || !strings.Contains(string(data), "## You") || !strings.Contains(string(data), "Plant tomatoes in May.") {
		t.Fatalf("/export: %v %s", err, data)
	}
	infos := listSessions(t, home)
	if len(infos) != 1 || infos[0].Messages != 2 || infos[0].Title != "When do I plant tomatoes?" || infos[0].Model != "openai/gpt-4o-mini" || infos[0].Compactions != 1 {
		t.Fatalf("list: %+v", infos)
	}
	id := infos[0].ID
	tests := []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"list", []string{"session", "list"}, 0, id},
		{"show by prefix", []string{"session", "show", id[:18]}, 0, "Plant tomatoes in May."},
		{"show summary", []string{"session", "show", id}, 0, "SUMMARY: tomatoes in May."},
		{"export json", []string{"session", "export", id, "--format", "json"}, 0, `"type": "compaction"`},
		{"export bad format", []string{"session", "export", id, "--format", "pdf"}, 1, ""},
		{"search", []string{"session", "search", "TOMATOES"}, 0, id + " #0 user      When do I plant tomatoes?"},
		{"search nothing", []string{"session", "search", "zucchini"}, 0, "No session mentions"},
		{"rename", []string{"session", "rename", id[:18], "Vegetable", "garden"}, 0, `is now titled "Vegetable garden"`},
		{"listed by title", []string{"session", "list"}, 0, "Vegetable garden"},
		{"search title", []string{"session", "search", "vegetable"}, 0, id + " title     Vegetable garden"},
		{"rename back", []string{"session", "rename", id, ""}, 0, `is now titled "When do I plant tomatoes?"`},
		{"rename unknown", []string{"session", "rename", "nope", "x"}, 1, ""},
		{"show unknown", []string{"session", "show", "nope"}, 1, ""},
		{"delete unknown", []string{"session", "delete", "19990101"}, 1, ""},
		{"resume unknown", []string{"chat", "--session", "nope"}, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runIn(t, home, "", tt.args...)
			if r.code != tt.code || !strings.Contains(r.stdout, tt.out) {
				t.Fatalf("%v: %+v", tt.args, r)
			}
			if tt.code == 1 && !strings.Contains(r.stderr, "session") {
				t.Fatalf("error does not say what failed: %s", r.stderr)
			}
		})
	}
	file := filepath.Join(home, "export.json")
	if r := runIn(t, home, "", "session", "export", id, "--format", "json", "-o", file); r.code != 0 {
		t.Fatalf("export -o: %+v", r)
	}
	var ex session.Export
	if data, _ := os.ReadFile(file); json.Unmarshal(data, &ex) != nil || ex.ID != id || len(ex.Entries) != 7 { // 2 messages, commit, flush, compaction, 2 titles
		t.Fatalf("export file: %+v", ex)
	}
	// Without --format, the file's extension picks it, as /export's does.
	for _, tc := range []struct {
		file, format, want string
	}{
		{"chat.json", "", `"entries": [`},
		{"chat.JSON", "", `"entries": [`},
		{"chat.md", "", "## You"},
		{"forced.json", "md", "## You"},
	} {
		args := []string{"session", "export", id, "-o", filepath.Join(home, tc.file)}
		if tc.format != "" {
			args = append(args, "--format", tc.format)
		}
		if r := runIn(t, home, "", args...); r.code != 0 {
			t.Fatalf("%v: %+v", args, r)
		}
		if data, _ := os.ReadFile(filepath.Join(home, tc.file)); !strings.Contains(string(data), tc.want) {
			t.Errorf("%v wrote %.80q, want it to hold %q", args, data, tc.want)
		}
	}
	// -o names a file in a folder that exists: a mistyped folder is not
	// created, a folder is not written over, and nothing is left behind.
	notDir := filepath.Join(home, "export.json")
	badTargets := []struct {
		name, file string
		want       []string
	}{
		{"missing folder", filepath.Join(home, "Documnets", "chat.md"), []string{"folder " + filepath.Join(home, "Documnets") + " does not exist", "mkdir -p"}},
		{"a folder", home, []string{home + " is a folder", "such as " + filepath.Join(home, id+".md")}},
		{"folder is a file", filepath.Join(notDir, "chat.md"), []string{notDir + " is not a folder"}},
	}
	for _, tt := range badTargets {
		t.Run("export to "+tt.name, func(t *testing.T) {
			before, _ := os.ReadDir(filepath.Dir(home))
			r := runIn(t, home, "", "session", "export", id, "-o", tt.file)
			if r.code != 1 || !strings.HasPrefix(r.stderr, "localgpt: export session "+id+": ") {
				t.Fatalf("%+v", r)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q: %s", w, r.stderr)
				}
			}
			if _, err := os.Stat(filepath.Join(home, "Documnets")); err == nil {
				t.Error("the missing folder was created")
			}
			if after, _ := os.ReadDir(filepath.Dir(home)); len(after) != len(before) {
				t.Errorf("files appeared beside the home: %v", after)
			}
		})
	}
	// A torn last line is reported and skipped.
	f, _ := os.OpenFile(filepath.Join(home, "sessions", id+".jsonl"), os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(`{"type":"mess`)
	f.Close()
	if r := runIn(t, home, "", "session", "show", id); r.code != 0 || !strings.Contains(r.stderr, "incomplete last line") || !strings.Contains(r.stdout, "Plant tomatoes") {
		t.Fatalf("torn line: %+v", r)
	}
	if r := runIn(t, home, "", "session", "delete", id[:18]); r.code != 0 || !strings.Contains(r.stdout, "Deleted session "+id+" (2 messages") {
		t.Fatalf("delete: %+v", r)
	}
	if infos := listSessions(t, home); len(infos) != 0 {
		t.Fatalf("after delete: %+v", infos)
	}
}

func TestChatResumeContinuesSession(t *testing.T) {
	home, srv := fakeHome(t)
	if r := runIn(t, home, "hi\n", "chat", "--resume"); r.code != 1 || !strings.Contains(r.stderr, "no such session to resume") {
		t.Fatalf("resume with no sessions: %+v", r)
	}
	srv.Enqueue(llmtest.Text("Hello Ada."), llmtest.Text("You are Ada."), llmtest.Text("Other chat."))
	if r := runIn(t, home, "my name is Ada\n", "chat"); r.code != 0 {
		t.Fatalf("%+v", r)
	}
	first := listSessions(t, home)[0].ID
	r := runIn(t, home, "who am I?\n", "chat", "--resume")
	if r.code != 0 || r.stdout != "You are Ada.\n" || !strings.Contains(r.stderr, "Resumed session "+first+": 2 messages") {
		t.Fatalf("%+v", r)
	}
	if body := lastBody(t, srv); !strings.Contains(body, "my name is Ada") || !strings.Contains(body, "Hello Ada.") {
		t.Fatalf("resumed request lacks the history: %s", body)
	}
	if infos := listSessions(t, home); len(infos) != 1 || infos[0].Messages != 4 {
		t.Fatalf("%+v", infos)
	}
	// /new starts a second session; /resume switches back by prefix.
	srv.Enqueue(llmtest.Text("Still Ada."))
	r = runIn(t, home, "/new\nsomething else\n/resume "+first[:18]+"\nam I Ada?\n", "chat")
	if r.code != 0 || !strings.Contains(r.stdout, "Still Ada.") {
		t.Fatalf("%+v", r)
	}
	if body := lastBody(t, srv); !strings.Contains(body, "who am I?") || strings.Contains(body, "something else") {
		t.Fatalf("/resume did not switch: %s", body)
	}
	if infos := listSessions(t, home); len(infos) != 2 || infos[0].ID != first || infos[0].Messages != 6 {
		t.Fatalf("%+v", infos)
	}
}

// TestChatKilledMidTurn kills a real localgpt process with SIGKILL while
// an answer streams: the session keeps every completed turn, loads
// without complaint, and resumes.
func TestChatKilledMidTurn(t *testing.T) {
	bin, cleanup, err := testbin.Build()
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	home, srv := fakeHome(t)
	srv.Enqueue(llmtest.Text("First answer."), llmtest.Reply{Text: "a long answer that never ends", Hang: true})
	cmd := testbin.Command(bin, home, "chat", "--no-tools")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	stdin.Write([]byte("first question\n"))
	if !lines.Scan() || lines.Text() != "First answer." {
		t.Fatalf("first answer: %q", lines.Text())
	}
	stdin.Write([]byte("second question\n"))
	for deadline := time.Now().Add(30 * time.Second); len(srv.Calls("/v1/chat/completions")) < 2; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the second turn never started")
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	infos := listSessions(t, home)
	if len(infos) != 1 || infos[0].Messages != 2 || len(infos[0].Warnings) != 0 {
		t.Fatalf("after SIGKILL: %+v", infos)
	}
	srv.Enqueue(llmtest.Text("Resumed."))
	r := runIn(t, home, "third question\n", "chat", "--resume", "--no-tools")
	if r.code != 0 || r.stdout != "Resumed.\n" {
		t.Fatalf("%+v", r)
	}
	body := lastBody(t, srv)
	if !strings.Contains(body, "first question") || !strings.Contains(body, "First answer.") || strings.Contains(body, "second question") {
		t.Fatalf("resumed request: %s", body)
	}
}

// TestCorruptHeaderListedAndSkipped: a session whose header line is corrupt
// is listed with a warning saying it cannot be read, and `chat --resume`
// resumes the newest session that can be read instead of failing.
func TestCorruptHeaderListedAndSkipped(t *testing.T) {
	home, srv := fakeHome(t)
	srv.Enqueue(llmtest.Text("Hello."), llmtest.Text("Again."))
	if r := runIn(t, home, "first question\n", "chat", "--no-tools"); r.code != 0 {
		t.Fatalf("%+v", r)
	}
	good := listSessions(t, home)[0].ID
	bad := filepath.Join(home, "sessions", "29990101-000000-dead.jsonl")
	if err := os.WriteFile(bad, []byte("{\"type\":\"sess\x00garbage\n"+`{"type":"message","at":"2025-03-14T09:16:00Z","message":{"role":"user","parts":[]}}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runIn(t, home, "", "session", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "29990101-000000-dead") || !strings.Contains(r.stdout, "cannot be read") ||
		!strings.Contains(r.stderr, "warning: session 29990101-000000-dead") || !strings.Contains(r.stderr, "not a session header") {
		t.Fatalf("list: %+v", r)
	}
	r = runIn(t, home, "and again\n", "chat", "--resume", "--no-tools")
	if r.code != 0 || !strings.Contains(r.stderr, "Resumed session "+good) || r.stdout != "Again.\n" {
		t.Fatalf("resume: %+v", r)
	}
	if r := runIn(t, home, "", "session", "show", "29990101"); r.code == 0 || !strings.Contains(r.stderr, "cannot be read") {
		t.Fatalf("show: %+v", r)
	}
}

// TestSessionDeleteAllOrNothing: when any ID of session delete matches no
// session, none is deleted; an ID given twice is deleted once.
func TestSessionDeleteAllOrNothing(t *testing.T) {
	home, srv := fakeHome(t)
	srv.Enqueue(llmtest.Text("One."), llmtest.Text("Two."))
	for _, msg := range []string{"first\n", "second\n"} {
		if r := runIn(t, home, msg, "chat", "--no-tools"); r.code != 0 {
			t.Fatalf("%+v", r)
		}
	}
	infos := listSessions(t, home)
	if len(infos) != 2 {
		t.Fatalf("%d sessions", len(infos))
	}
	a, b := infos[0].ID, infos[1].ID
	cases := []struct {
		name   string
		args   []string
		code   int
		stderr string
		left   int
	}{
		{"a typo after a good ID", []string{a, "19990101"}, 1, `no such session "19990101"`, 2},
		{"a typo before a good ID", []string{"nope", b}, 1, `no such session "nope"`, 2},
		{"the same session twice", []string{a, a[:18]}, 0, "", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runIn(t, home, "", append([]string{"session", "delete"}, tc.args...)...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.stderr) {
				t.Fatalf("exit %d, want %d with %q: %+v", r.code, tc.code, tc.stderr, r)
			}
			if n := len(listSessions(t, home)); n != tc.left {
				t.Fatalf("%d sessions left, want %d", n, tc.left)
			}
		})
	}
}
