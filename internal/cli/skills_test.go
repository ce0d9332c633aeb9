package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
)

func writeSkillFile(t *testing.T, home, dir, text string) {
	t.Helper()
	p := filepath.Join(home, "workspace", "skills", dir, "SKILL.md")
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestSkillsCommands(t *testing.T) {
	home := t.TempDir()
	if r := run(t, home, "skills", "list"); r.code != 0 || !strings.Contains(r.stdout, "No skills yet") {
		t.Fatalf("%+v", r)
	}
	r := run(t, home, "skills", "new", "weekly-review")
	file := filepath.Join(home, "workspace", "skills", "weekly-review", "SKILL.md")
	if r.code != 0 || !strings.Contains(r.stdout, "Created "+file) {
		t.Fatalf("%+v", r)
	}
	if r := run(t, home, "skills", "new", "weekly-review"); r.code != 1 || !strings.Contains(r.stderr, "already exists") {
		t.Fatalf("second new: %+v", r)
	}
	if r := run(t, home, "skills", "new", "Bad Name"); r.code != 1 || !strings.Contains(r.stderr, `such as "bad-name"`) {
		t.Fatalf("bad name: %+v", r)
	}
	writeSkillFile(t, home, "broken", "---\nname: broken\n")
	writeSkillFile(t, home, "evil", "---\nname: evil\ndescription: \"Clears \\e[2J the screen\"\n---\nbody \x1b]52;c;aGk=\x07\n")
	r = run(t, home, "skills", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "weekly-review") || !strings.Contains(r.stderr, "broken/SKILL.md: its front matter is not closed") {
		t.Fatalf("list: %+v", r)
	}
	r = run(t, home, "skills", "list", "--json")
	var list []struct{ Name, Description, Dir, File string }
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || len(list) != 2 || list[1].File != file {
		t.Fatalf("%v %+v", err, r)
	}
	r = run(t, home, "skills", "show", "evil")
	if r.code != 0 || strings.Contains(r.stdout, "\x1b") || strings.Contains(r.stdout, "\x07") || !strings.Contains(r.stdout, "body") {
		t.Fatalf("show must not pass terminal escapes: %q", r.stdout)
	}
	if r := run(t, home, "skills", "show", "nope"); r.code != 1 || !strings.Contains(r.stderr, "the skills are: evil, weekly-review") {
		t.Fatalf("%+v", r)
	}
	if r := run(t, home, "skills", "show", "weekly-reveiw"); r.code != 1 || !strings.Contains(r.stderr, `did you mean "weekly-review"?`) {
		t.Fatalf("typo: %+v", r)
	}

	// show lists the files beside SKILL.md (not hidden ones), as the
	// model's skill tool does, and --json carries them with the content.
	dir := filepath.Dir(file)
	for _, f := range []string{"references/style.md", "scripts/collect.sh", ".git/HEAD", ".hidden"} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o700)
		os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o600)
	}
	r = run(t, home, "skills", "show", "weekly-review")
	if want := "# " + file + "\n# files beside it: references/style.md, scripts/collect.sh\n---\n"; r.code != 0 || !strings.HasPrefix(r.stdout, want) {
		t.Fatalf("show: want prefix %q: %+v", want, r)
	}
	r = run(t, home, "skills", "show", "weekly-review", "--json")
	var shown struct {
		Name, File, Content string
		Files               []string
	}
	data, _ := os.ReadFile(file)
	if err := json.Unmarshal([]byte(r.stdout), &shown); err != nil || shown.Name != "weekly-review" || shown.File != file ||
		shown.Content != string(data) || strings.Join(shown.Files, ",") != "references/style.md,scripts/collect.sh" {
		t.Fatalf("show --json: %v %+v", err, r)
	}

	// The shell completes skill names, with their descriptions.
	r = run(t, home, "__complete", "skills", "show", "we")
	if !strings.HasPrefix(r.stdout, "weekly-review\tDescribe what") || strings.Contains(r.stdout, "evil") {
		t.Fatalf("completion: %q", r.stdout)
	}
}

func TestChatRunsSkills(t *testing.T) {
	home, srv := fakeHome(t)
	writeSkillFile(t, home, "haiku", "---\nname: haiku\ndescription: Answer in a haiku.\n---\nAlways answer in 5-7-5 syllables.\n")
	srv.Enqueue(llmtest.Text("Waves fold into foam"))
	r := runIn(t, home, "/skills\n/haiku about the sea\n/nosuch thing\n", "chat")
	if r.code != 0 || !strings.Contains(r.stdout, "/haiku") || !strings.Contains(r.stdout, "Waves fold into foam") ||
		!strings.Contains(r.stderr, "unknown command /nosuch") {
		t.Fatalf("%+v", r)
	}
	body := lastBody(t, srv)
	for _, want := range []string{"5-7-5 syllables", "Request: about the sea", "## Skills", "- haiku: Answer in a haiku.", `"name":"skill"`} {
		if !strings.Contains(body, want) {
			t.Errorf("request lacks %q: %s", want, body)
		}
	}
}

// TestAskReadsASkillThroughTheTool is progressive disclosure end to end:
// the prompt lists the skill, the model calls the skill tool, then reads a
// file beside it; a broken skill is a warning and the turn goes on.
func TestAskReadsASkillThroughTheTool(t *testing.T) {
	home, srv := fakeHome(t)
	writeSkillFile(t, home, "pdf", "---\nname: pdf\ndescription: Work with PDF files.\n---\nRead references/forms.md before filling forms.\n")
	os.MkdirAll(filepath.Join(home, "workspace", "skills", "pdf", "references"), 0o700)
	os.WriteFile(filepath.Join(home, "workspace", "skills", "pdf", "references", "forms.md"), []byte("Fill fields top to bottom."), 0o600)
	writeSkillFile(t, home, "pdf-copy", "---\nname: pdf\ndescription: A second pdf.\n---\n")
	srv.Enqueue(
		llmtest.ToolCalls(llmtest.Call{ID: "s1", Name: "skill", Args: `{"name":"pdf"}`}),
		llmtest.ToolCalls(llmtest.Call{ID: "s2", Name: "skill", Args: `{"name":"pdf","file":"references/forms.md"}`}),
		llmtest.Text("Done."),
	)
	r := runIn(t, home, "", "ask", "fill the form in a.pdf")
	if r.code != 0 || r.stdout != "Done.\n" || !strings.Contains(r.stderr, `another skill is also named "pdf"`) {
		t.Fatalf("%+v", r)
	}
	calls := srv.Calls("/v1/chat/completions")
	if first := string(calls[0].Body); !strings.Contains(first, "- pdf: Work with PDF files.") || strings.Contains(first, "Read references/forms.md") {
		t.Fatalf("the first request must list the skill, not its body: %s", first)
	}
	if !strings.Contains(string(calls[1].Body), "Read references/forms.md before filling forms.") ||
		!strings.Contains(string(calls[2].Body), "Fill fields top to bottom.") {
		t.Fatalf("the skill tool's results did not reach the model")
	}
}

// TestBrokenSkillsAreNotCalledMissing: a skill whose SKILL.md does not
// load is reported as broken, by list and by show, never as "no skills
// yet" or an unknown name.
func TestBrokenSkillsAreNotCalledMissing(t *testing.T) {
	home := t.TempDir()
	writeSkillFile(t, home, "weekly-review", "---\nname: [bad\n---\nx\n")
	file := filepath.Join(home, "workspace", "skills", "weekly-review", "SKILL.md")
	cases := []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{"skills", "list"}, 0, "No skill could be loaded; fix what the warnings above say.\n", "not valid YAML"},
		{[]string{"skills", "list", "--json"}, 0, "[]\n", "not valid YAML"},
		{[]string{"skills", "show", "weekly-review"}, 1, "", `skill "weekly-review" cannot be loaded: fix ` + file},
		{[]string{"skills", "show", "other"}, 1, "", "none of the skills there are could be loaded"},
		// "notes" has no SKILL.md: its warning names the folder, whose
		// parent "skills" is no skill that failed to load.
		{[]string{"skills", "show", "skills"}, 1, "", `there is no skill "skills"`},
	}
	if err := os.MkdirAll(filepath.Join(home, "workspace", "skills", "notes"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := run(t, home, tc.args...)
			if r.code != tc.code || r.stdout != tc.stdout || !strings.Contains(r.stderr, tc.stderr) {
				t.Fatalf("want exit %d, stdout %q, stderr with %q: %+v", tc.code, tc.stdout, tc.stderr, r)
			}
			if strings.Contains(r.stdout+r.stderr, "No skills yet") || strings.Contains(r.stderr, "no skills at all") {
				t.Errorf("a broken skill is called missing: %+v", r)
			}
		})
	}
}
