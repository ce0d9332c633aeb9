package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/localgpt-go/localgpt/internal/clip"
	"github.com/localgpt-go/localgpt/internal/skills"
)

// SkillCatalog is what the skill tool needs of the skills (*skills.Catalog).
type SkillCatalog interface {
	Load() (*skills.Set, []skills.Warning)
}

// Limits of the skill tool.
const (
	// maxSkillFileBytes bounds a file read beside a SKILL.md.
	maxSkillFileBytes = 1 << 20
	// maxSkillFilesListed bounds the files listed with a skill's body.
	maxSkillFilesListed = 50
)

// SkillTool is the skill tool: it lists the skills, reads one's
// instructions, or reads a file beside them by its relative path. It is
// offered only while there is at least one skill.
type SkillTool struct {
	Catalog SkillCatalog
	// Paths finds credentials among a skill's files, which it does not read.
	Paths PathPolicy
}

type skillArgs struct {
	Name string `json:"name"`
	File string `json:"file"`
}

// Name implements Tool.
func (*SkillTool) Name() string { return "skill" }

// Description implements Tool.
func (*SkillTool) Description() string {
	return "Use a skill from the Skills list: with name, returns its instructions (SKILL.md) and the files beside them; " +
		"with name and file, returns one of those files (a path relative to the skill's folder, such as references/guide.md); " +
		"without arguments, lists every skill."
}

// Parameters implements Tool.
func (*SkillTool) Parameters() json.RawMessage {
	return json.RawMessage(`{"type":"object","properties":{` +
		`"name":{"type":"string","description":"The skill's name, as listed."},` +
		`"file":{"type":"string","description":"A file of the skill, relative to its folder; omit it for the instructions."}` +
		`},"additionalProperties":false}`)
}

// Available implements availability: the tool is offered while there are skills.
func (t *SkillTool) Available() bool {
	set, _ := t.Catalog.Load()
	return len(set.List()) > 0
}

// Run implements Tool.
func (t *SkillTool) Run(_ context.Context, raw json.RawMessage) (Result, error) {
	a, err := decodeArgs[skillArgs]("skill", raw, "name", "file")
	if err != nil {
		return Result{}, err
	}
	set, _ := t.Catalog.Load()
	if a.Name == "" {
		if a.File != "" {
			return Result{}, &ArgError{"skill", "file needs name: the skill the file belongs to"}
		}
		return Result{Content: listSkills(set)}, nil
	}
	k, ok := set.Lookup(a.Name)
	if !ok {
		return Result{}, fmt.Errorf("there is no skill named %q; the skills are: %s", a.Name, strings.Join(set.Names(), ", "))
	}
	if a.File != "" {
		return readSkillFile(t.Paths, k, a.File)
	}
	body, err := k.Body()
	if err != nil {
		return Result{}, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Skill %s\nFolder: %s\n", k.Name, k.Dir)
	if files := k.Files(maxSkillFilesListed); len(files) > 0 {
		fmt.Fprintf(&b, "Files beside SKILL.md (read them with the skill tool's file parameter): %s\n", strings.Join(files, ", "))
	}
	b.WriteString("\n" + body)
	return Result{Content: b.String()}, nil
}

// listSkills is every skill, one a line.
func listSkills(set *skills.Set) string {
	if len(set.List()) == 0 {
		return "There are no skills: the user can add one with `localgpt skills new NAME`."
	}
	var b strings.Builder
	for _, k := range set.List() {
		fmt.Fprintf(&b, "- %s: %s\n", k.Name, strings.Join(strings.Fields(k.Description), " "))
	}
	return strings.TrimRight(b.String(), "\n")
}

// readSkillFile reads a text file inside a skill's folder. The file's
// real location (symbolic links resolved) must be inside the folder.
func readSkillFile(p PathPolicy, k *skills.Skill, rel string) (Result, error) {
	if filepath.IsAbs(rel) {
		return Result{}, &ArgError{"skill", "file must be relative to the skill's folder, such as references/guide.md"}
	}
	dir, err := filepath.EvalSymlinks(k.Dir)
	if err != nil {
		return Result{}, fmt.Errorf("cannot read the folder of skill %s: %w", k.Name, err)
	}
	path, err := filepath.EvalSymlinks(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		return Result{}, fmt.Errorf("skill %s has no file %s (the skill tool without file lists its files)", k.Name, rel)
	}
	r, err := filepath.Rel(dir, path)
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return Result{}, fmt.Errorf("%s is outside the folder of skill %s", rel, k.Name)
	}
	// Only the files the tool lists: a skill's hidden files (.env beside
	// its scripts, .git) and credentials are what read_file asks about,
	// and this tool asks nobody.
	if hiddenPath(rel) || hiddenPath(r) || p.credentialOf(newSpot(path)) != "" {
		return Result{}, fmt.Errorf("%s of skill %s is a hidden file or holds credentials, which the skill tool does not read; "+
			"read_file can, with the user's approval where it is needed", rel, k.Name)
	}
	f, err := os.Open(path)
	if err != nil {
		return Result{}, fmt.Errorf("cannot read %s: %w", rel, err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return Result{}, fmt.Errorf("%s of skill %s is not a regular file", rel, k.Name)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxSkillFileBytes+1))
	if err != nil {
		return Result{}, fmt.Errorf("cannot read %s: %w", rel, err)
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return Result{}, fmt.Errorf("%s is a binary file; only text files of a skill can be read", rel)
	}
	text := strings.ToValidUTF8(string(data), "\uFFFD")
	if len(data) > maxSkillFileBytes {
		text = clip.Bytes(text, maxSkillFileBytes, "\n[… the rest of the file is not shown …]")
	}
	return Result{Content: text}, nil
}

// hiddenPath reports whether a relative path has a component starting
// with a dot (the skill's listing skips those).
func hiddenPath(rel string) bool {
	for _, c := range strings.Split(filepath.ToSlash(rel), "/") {
		if len(c) > 1 && c[0] == '.' && c != ".." {
			return true
		}
	}
	return false
}
