package skills

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, in  string
		want      Meta
		body      string
		errSubstr string
	}{
		{name: "minimal", in: "---\nname: pdf\ndescription: Work with PDFs.\n---\n# PDF\nSteps.\n",
			want: Meta{Name: "pdf", Description: "Work with PDFs."}, body: "# PDF\nSteps.\n"},
		{name: "crlf, bom and trailing blanks", in: "\ufeff--- \r\nname: a\r\ndescription: b\r\n---\r\nbody\r\n",
			want: Meta{Name: "a", Description: "b"}, body: "body\r\n"},
		{name: "closed by dots, no body", in: "---\nname: a\ndescription: b\n...",
			want: Meta{Name: "a", Description: "b"}},
		{name: "folded description and optional keys",
			in: "---\nname: a\ndescription: >\n  Two\n  lines.\nlicense: MIT\nmetadata:\n  version: 1.0\n  author: me\nallowed-tools: Bash(git:*) Read\nx-other-agent: yes\n---\n",
			want: Meta{Name: "a", Description: "Two lines.", License: "MIT",
				Metadata: map[string]string{"version": "1.0", "author": "me"}, AllowedTools: ToolList{"Bash(git:*)", "Read"}}},
		{name: "allowed-tools list", in: "---\nname: a\ndescription: b\nallowed-tools:\n  - Read\n  - Write\n---\n",
			want: Meta{Name: "a", Description: "b", AllowedTools: ToolList{"Read", "Write"}}},
		{name: "no front matter", in: "# Just markdown\n", errSubstr: "has no front matter"},
		{name: "empty file", in: "", errSubstr: "has no front matter"},
		{name: "not closed", in: "---\nname: a\ndescription: b\n", errSubstr: "not closed"},
		{name: "bad yaml names the file line", in: "---\nname: a\ndescription: b: c\n---\n", errSubstr: "line 3: mapping values"},
		{name: "wrong kind names the file line", in: "---\nname: a\ndescription:\n  x: y\n---\n", errSubstr: "line 4"},
		{name: "a list, not a mapping", in: "---\n- a\n- b\n---\n", errSubstr: "key: value"},
		{name: "empty front matter", in: "---\n---\nbody\n", errSubstr: "is empty"},
		{name: "bad allowed-tools", in: "---\nname: a\ndescription: b\nallowed-tools: {x: 1}\n---\n", errSubstr: "allowed-tools must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, body, err := Parse([]byte(tt.in))
			if tt.errSubstr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errSubstr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.errSubstr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(m) != fmt.Sprint(tt.want) || body != tt.body {
				t.Fatalf("got %+v %q\nwant %+v %q", m, body, tt.want, tt.body)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		meta             Meta
		dir              string
		errSubstr, warns string
	}{
		{Meta{Name: "pdf", Description: "d"}, "pdf", "", ""},
		{Meta{Description: "d"}, "My Skill", "add 'name: my-skill'", ""},
		{Meta{Name: "PDF Tools", Description: "d"}, "x", `such as "pdf-tools"`, ""},
		{Meta{Name: "a--b", Description: "d"}, "x", "not valid", ""},
		{Meta{Name: "-a", Description: "d"}, "x", "not valid", ""},
		{Meta{Name: strings.Repeat("a", 65), Description: "d"}, "x", "not valid", ""},
		{Meta{Name: "a"}, "a", "no description", ""},
		{Meta{Name: "a", Description: "d"}, "b", "", `differs from its folder "b"`},
		{Meta{Name: "a", Description: strings.Repeat("d", 1025)}, "a", "", "1025 characters"},
	}
	for _, tt := range tests {
		warns, err := tt.meta.check(tt.dir)
		if (tt.errSubstr == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tt.errSubstr) {
			t.Errorf("%+v: err = %v, want %q", tt.meta.Name, err, tt.errSubstr)
		}
		if got := strings.Join(warns, "\n"); tt.warns == "" && got != "" || !strings.Contains(got, tt.warns) {
			t.Errorf("%+v: warnings %q, want %q", tt.meta.Name, got, tt.warns)
		}
	}
}

func writeSkill(t *testing.T, root, dir, text string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(root, dir), 0o700); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(root, dir, FileName)
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

func skill(name, desc string) string {
	return "---\nname: " + name + "\ndescription: " + desc + "\n---\n# " + name + "\nDo the " + name + " thing.\n"
}

func TestCatalogLoadsGoodSkillsAndWarnsAboutBadOnes(t *testing.T) {
	ws := filepath.Join(t.TempDir(), "skills")
	other := t.TempDir()
	writeSkill(t, ws, "zeta", skill("zeta", "Last by name."))
	writeSkill(t, ws, "alpha", skill("alpha", "First by name."))
	noFront := writeSkill(t, ws, "plain", "# No front matter\n")
	broken := writeSkill(t, ws, "broken", "---\nname: broken\ndescription: [oops\n---\n")
	huge := writeSkill(t, ws, "huge", skill("huge", "Too big.")+strings.Repeat("x", MaxFileBytes))
	os.MkdirAll(filepath.Join(ws, "empty-folder"), 0o700)
	os.MkdirAll(filepath.Join(ws, ".git"), 0o700)
	os.WriteFile(filepath.Join(ws, "README.md"), []byte("not a skill"), 0o600)
	dup := writeSkill(t, other, "alpha", skill("alpha", "A second alpha."))
	writeSkill(t, other, "beta", skill("beta", "From another agent's folder."))
	single := filepath.Join(t.TempDir(), "gamma")
	writeSkill(t, filepath.Dir(single), "gamma", skill("gamma", "A root that is one skill."))
	missing := filepath.Join(t.TempDir(), "nope")

	c := NewCatalog(Root{Dir: ws, Optional: true}, Root{Dir: other}, Root{Dir: single}, Root{Dir: missing})
	set, warns := c.Load()
	if got := strings.Join(set.Names(), " "); got != "alpha beta gamma zeta" {
		t.Fatalf("skills %q", got)
	}
	if a, _ := set.Lookup("alpha"); a.Description != "First by name." || a.Dir != filepath.Join(ws, "alpha") {
		t.Fatalf("the workspace's alpha must win: %+v", a)
	}
	want := map[string]string{
		noFront:                           "has no front matter",
		broken:                            "not valid YAML",
		huge:                              "at most 256 KiB",
		filepath.Join(ws, "empty-folder"): "has no SKILL.md",
		dup:                               `another skill is also named "alpha"`,
		missing:                           "does not exist",
	}
	if len(warns) != len(want) {
		t.Errorf("%d warnings, want %d: %v", len(warns), len(want), warns)
	}
	for _, w := range warns {
		if sub, ok := want[w.Path]; !ok || !strings.Contains(w.Msg, sub) {
			t.Errorf("unexpected warning %s", w)
		}
	}
	if _, ok := set.Lookup("plain"); ok {
		t.Fatal("a skill without front matter loaded")
	}
	body, err := func() (string, error) { s, _ := set.Lookup("beta"); return s.Body() }()
	if err != nil || body != "# beta\nDo the beta thing." {
		t.Fatalf("body %q %v", body, err)
	}
}

func TestCatalogSeesEditsAndNewSkills(t *testing.T) {
	root := t.TempDir()
	file := writeSkill(t, root, "notes", skill("notes", "Old description."))
	c := NewCatalog(Root{Dir: root})
	set, _ := c.Load()
	if s, _ := set.Lookup("notes"); s.Description != "Old description." {
		t.Fatal(s.Description)
	}
	if again, _ := c.Load(); again != set {
		t.Fatal("a load right after a scan scanned again")
	}
	time.Sleep(Coalesce)
	os.WriteFile(file, []byte(skill("notes", "New, longer description.")), 0o600)
	later := time.Now().Add(2 * time.Second)
	os.Chtimes(file, later, later)
	writeSkill(t, root, "todo", skill("todo", "Added later."))
	set, warns := c.Load()
	if s, _ := set.Lookup("notes"); s.Description != "New, longer description." || len(set.List()) != 2 || len(warns) != 0 {
		t.Fatalf("%+v %v", set.Names(), warns)
	}
	os.RemoveAll(filepath.Join(root, "todo"))
	time.Sleep(Coalesce)
	if set, _ := c.Load(); len(set.List()) != 1 || len(c.cache) != 1 {
		t.Fatalf("removed skill still listed: %v", set.Names())
	}
}

func TestIndexIsStableAndBounded(t *testing.T) {
	root := t.TempDir()
	for i := range 60 {
		name := fmt.Sprintf("skill-%02d", 59-i)
		writeSkill(t, root, name, skill(name, strings.Repeat("Does something useful. ", 8)))
	}
	set, _ := NewCatalog(Root{Dir: root}).Load()
	idx := set.Index(0)
	if len(idx) > IndexBudget+200 {
		t.Fatalf("index is %d characters", len(idx))
	}
	if !strings.HasPrefix(idx, "## Skills\n") || !strings.Contains(idx, "- skill-00: Does something") ||
		strings.Index(idx, "skill-00") > strings.Index(idx, "skill-01") {
		t.Fatalf("index not in name order:\n%s", idx)
	}
	if !strings.Contains(idx, "more skills are not listed here") || strings.Contains(idx, "skill-59") {
		t.Fatalf("index over budget lacks the count:\n%s", idx)
	}
	if again, _ := NewCatalog(Root{Dir: root}).Load(); again.Index(0) != idx {
		t.Fatal("index differs between loads")
	}
	if (&Set{}).Index(0) != "" || (*Set)(nil).Index(0) != "" {
		t.Fatal("no skills must add nothing to the prompt")
	}
}

func TestCreateWritesAValidTemplate(t *testing.T) {
	root := filepath.Join(t.TempDir(), "skills")
	file, err := Create(root, "weekly-review")
	if err != nil {
		t.Fatal(err)
	}
	set, warns := NewCatalog(Root{Dir: root}).Load()
	s, ok := set.Lookup("weekly-review")
	if !ok || len(warns) != 0 || s.File != file {
		t.Fatalf("template does not load cleanly: %v %v", set.Names(), warns)
	}
	if body, _ := s.Body(); !strings.Contains(body, "## Steps") {
		t.Fatalf("body %q", body)
	}
	if _, err := Create(root, "weekly-review"); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("second create: %v", err)
	}
	if _, err := Create(root, "Weekly Review"); err == nil || !strings.Contains(err.Error(), `"weekly-review"`) {
		t.Fatalf("bad name: %v", err)
	}
}

func TestMessageCarriesBodyAndRequest(t *testing.T) {
	k := &Skill{Name: "pdf", Dir: "/s/pdf", File: "/s/pdf/SKILL.md"}
	m := k.Message("Step one.", "  merge a.pdf and b.pdf ")
	for _, want := range []string{`"pdf"`, "<skill name=\"pdf\">\nStep one.\n</skill>", "Request: merge a.pdf and b.pdf", "relative to /s/pdf"} {
		if !strings.Contains(m, want) {
			t.Errorf("message lacks %q:\n%s", want, m)
		}
	}
	if !strings.Contains(k.Message("x", ""), "follow the skill's instructions") {
		t.Error("empty request")
	}
}

// BenchmarkScan is what a turn pays for skills when its scan is not
// coalesced with another: the folders of the workspace (missing here) and
// of skills.paths are read, and each unchanged SKILL.md is stat'ed.
func BenchmarkScan(b *testing.B) {
	for _, n := range []int{0, 20} {
		b.Run(fmt.Sprintf("%d_skills", n), func(b *testing.B) {
			root := b.TempDir()
			for i := range n {
				name := fmt.Sprintf("skill-%02d", i)
				os.MkdirAll(filepath.Join(root, name), 0o700)
				os.WriteFile(filepath.Join(root, name, FileName), []byte(skill(name, "Does a thing.")), 0o600)
			}
			c := NewCatalog(Root{Dir: filepath.Join(b.TempDir(), "missing"), Optional: true}, Root{Dir: root})
			b.ReportAllocs()
			for b.Loop() {
				set, _ := c.scan()
				if len(set.List()) != n {
					b.Fatal(len(set.List()))
				}
			}
		})
	}
}
