package skills

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/localgpt-go/localgpt/internal/clip"
	"github.com/localgpt-go/localgpt/internal/fsutil"
)

// Budgets of the skill index in the system prompt.
const (
	// IndexBudget bounds the whole index, in characters (about 1,500
	// tokens); skills that do not fit are counted, not listed.
	IndexBudget = 6000
	// entryBudget bounds one skill's line.
	entryBudget = 400
)

// indexHead tells the model what the listed skills are and how to use one.
const indexHead = `## Skills
Skills are instructions for particular tasks, each in a folder with a SKILL.md. When a request
matches a skill's description, first call the skill tool with its name, then follow what it says;
read files it mentions with the skill tool's file parameter (paths relative to the skill's folder).
`

// Index is the system prompt's list of skills: each name and description
// on one line, in name order, within budget characters (IndexBudget when
// budget is 0). Skills past the budget are counted and can be listed with
// the skill tool. It is "" when there are no skills.
func (s *Set) Index(budget int) string {
	if len(s.List()) == 0 {
		return ""
	}
	if budget <= 0 {
		budget = IndexBudget
	}
	var b strings.Builder
	b.WriteString(indexHead)
	for i, k := range s.list {
		line := "- " + clip.Runes(k.Name+": "+oneLine(k.Description), entryBudget, "…") + "\n"
		if b.Len()+len(line) > budget {
			fmt.Fprintf(&b, "(%d more skills are not listed here for space; call the skill tool without a name to list them all.)\n", len(s.list)-i)
			break
		}
		b.WriteString(line)
	}
	return strings.TrimRight(b.String(), "\n")
}

// Message is the user message of a turn run with skill k (chat's /NAME,
// the HTTP API's "skill"): the skill's instructions, then the request.
func (k *Skill) Message(body, request string) string {
	request = strings.TrimSpace(request)
	if request == "" {
		request = "(nothing more was said: follow the skill's instructions)"
	}
	return fmt.Sprintf("Use the skill %q for this request. Its instructions follow, from %s; "+
		"files they mention are relative to %s (read them with the skill tool's file parameter).\n\n"+
		"<skill name=%q>\n%s\n</skill>\n\nRequest: %s", k.Name, k.File, k.Dir, k.Name, body, request)
}

// oneLine joins the lines of s with spaces.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Template is the SKILL.md that `localgpt skills new NAME` writes: valid
// front matter and a body whose comments explain the format.
func Template(name string) string {
	return `---
# The name: lowercase letters, digits and hyphens, the same as the folder.
name: ` + name + `
# The description is all the model sees until it uses the skill: say what
# the skill does and when to use it, with the words a request would contain.
description: Describe what this skill does and when to use it, in one or two sentences.
# Optional keys of the Agent Skills format (agentskills.io):
# license: MIT
# compatibility: Requires git and jq
# metadata:
#   author: you
#   version: "1.0"
---

# ` + name + `

<!--
This body is what the model reads when it uses the skill (the skill tool,
or "/` + name + ` REQUEST" in localgpt chat). Write it as instructions for a
capable colleague: the steps, the decisions, examples of good output and the
mistakes to avoid. Keep it under 500 lines; put long references, templates
and scripts in files beside SKILL.md and name them by relative path, such as
references/style.md; the model reads them when it needs them.
-->

## When to use

- …

## Steps

1. …
2. …

## Output

Describe what a good result looks like.
`
}

// Create writes a new skill NAME into root from Template and returns its
// SKILL.md. It refuses an invalid name and never touches an existing skill.
func Create(root, name string) (string, error) {
	if len(name) > MaxNameLen || !validName.MatchString(name) {
		return "", fmt.Errorf("%q is not a valid skill name: use at most %d lowercase letters, digits and single hyphens, such as %q",
			clip.Runes(name, 80, "…"), MaxNameLen, suggestName(name))
	}
	dir := filepath.Join(root, name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create the skill folder: %w", err)
	}
	file := filepath.Join(dir, FileName)
	created, err := fsutil.CreateExclusive(file, []byte(Template(name)), 0o600)
	if err != nil {
		return "", err
	}
	if !created {
		return "", fmt.Errorf("%s already exists; edit it, or choose another name", file)
	}
	return file, nil
}
