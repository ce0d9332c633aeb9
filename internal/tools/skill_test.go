package tools

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/internal/skills"
)

func skillRegistry(t *testing.T, root string) *Registry {
	t.Helper()
	reg, err := NewRegistry(nil, 0, &SkillTool{Catalog: skills.NewCatalog(skills.Root{Dir: root, Optional: true})})
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func TestSkillTool(t *testing.T) {
	root := filepath.Join(t.TempDir(), "skills")
	reg := skillRegistry(t, root)
	if specs := reg.Specs(context.Background()); len(specs) != 0 {
		t.Fatalf("the skill tool is offered without skills: %v", specs)
	}
	writeFile(t, filepath.Join(root, "pdf", "SKILL.md"), "---\nname: pdf\ndescription: Work with PDF files.\n---\n# PDF\nRead references/forms.md first.\n")
	writeFile(t, filepath.Join(root, "pdf", "references", "forms.md"), "# Forms\nFill field by field.\n")
	writeFile(t, filepath.Join(root, "pdf", "scripts", "fill.py"), "print('x')\n")
	writeFile(t, filepath.Join(root, "pdf", "blob.bin"), "a\x00b")
	writeFile(t, filepath.Join(root, "pdf", ".hidden", "x"), "secret")
	writeFile(t, filepath.Join(root, "notes", "SKILL.md"), "---\nname: notes\ndescription: Keep\n  tidy notes.\n---\nBody.\n")
	outside := filepath.Join(t.TempDir(), "outside.md")
	writeFile(t, outside, "outside the skill")
	if err := os.Symlink(outside, filepath.Join(root, "pdf", "link.md")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(skills.Coalesce) // past the first scan's coalescing window
	specs := reg.Specs(context.Background())
	if len(specs) != 1 || specs[0].Name != "skill" {
		t.Fatalf("specs %v", specs)
	}
	ctx := context.Background()
	tests := []struct {
		args    string
		isError bool
		want    []string
		not     string
	}{
		{`{}`, false, []string{"- notes: Keep tidy notes.", "- pdf: Work with PDF files."}, ""},
		{`{"name":"pdf"}`, false, []string{"# Skill pdf\nFolder: " + filepath.Join(root, "pdf"), "references/forms.md", "scripts/fill.py", "# PDF\nRead references/forms.md first."}, ".hidden"},
		{`{"name":"pdf","file":"references/forms.md"}`, false, []string{"Fill field by field."}, ""},
		{`{"name":"pdf","file":"../notes/SKILL.md"}`, true, []string{"outside the folder of skill pdf"}, "Body."},
		{`{"name":"pdf","file":"link.md"}`, true, []string{"outside the folder of skill pdf"}, "outside the skill"},
		{`{"name":"pdf","file":"` + outside + `"}`, true, []string{"must be relative"}, ""},
		{`{"name":"pdf","file":"blob.bin"}`, true, []string{"binary"}, ""},
		{`{"name":"pdf","file":"nope.md"}`, true, []string{"skill pdf has no file nope.md"}, ""},
		{`{"name":"docx"}`, true, []string{`no skill named "docx"`, "notes, pdf"}, ""},
		{`{"file":"x.md"}`, true, []string{"file needs name"}, ""},
		{`{"nam":"pdf"}`, true, []string{"bad arguments for skill"}, ""},
	}
	for _, tt := range tests {
		r := reg.Call(ctx, "skill", rawArgs(t, tt.args))
		check(t, r, tt.isError, tt.want...)
		if tt.not != "" && strings.Contains(r.Content, tt.not) {
			t.Errorf("%s: %q shows %q", tt.args, r.Content, tt.not)
		}
	}
}
