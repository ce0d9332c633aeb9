package agent

import (
	"strings"

	"github.com/localgpt-go/localgpt/internal/clip"
	"github.com/localgpt-go/localgpt/internal/fsutil"
	"github.com/localgpt-go/localgpt/internal/mdcomment"
	"github.com/localgpt-go/localgpt/internal/tokens"
)

// identity is the fixed head of every system prompt.
const identity = `You are LocalGPT, a personal assistant that runs on the user's own computer.
Your long-term memory is a folder of markdown files that the user owns (the workspace):
MEMORY.md holds curated knowledge, memory/YYYY-MM-DD.md holds daily logs.`

// toolGuidance tells the model how to use the built-in tools well.
const toolGuidance = `## Tools
- Before answering questions about the user, earlier conversations, decisions or notes, search
  memory with memory_search and read the relevant lines with memory_get.
- When you learn something worth keeping (a preference, a fact, a decision), store it with
  memory_save; use long_term only for durable facts that belong in MEMORY.md. Never save secrets.
- Paths are relative to the workspace unless absolute. Read a file before editing it; edit_file
  needs the exact text to replace.
- bash runs a shell command on the user's machine; prefer read-only commands and explain anything
  destructive before doing it. Some tools may need the user's approval; if a call is declined, do
  not retry it, say what you would have done.
- web_fetch reads a public web page as text.
- Report what you did and what you could not do. Do not invent tool results.`

// SystemPrompt assembles the system prompt of a turn: identity and tool
// guidance, SOUL.md and USER.md from the workspace when present, the current
// date, time and time zone, the workspace path and the memory context.
func (a *Agent) SystemPrompt() string {
	var b strings.Builder
	b.Grow(4096)
	b.WriteString(identity)
	if a.opts.Tools != nil {
		b.WriteString("\n\n" + toolGuidance)
		if a.opts.Skills != nil {
			if idx := a.opts.Skills.Index(); idx != "" {
				b.WriteString("\n\n" + idx)
			}
		}
	}
	if a.opts.Workspace != "" {
		if soul := readWorkspaceFile(a.opts.Workspace, "SOUL.md"); soul != "" {
			b.WriteString("\n\n## Persona (SOUL.md)\n" + soul)
		}
		if user := readWorkspaceFile(a.opts.Workspace, "USER.md"); user != "" {
			b.WriteString("\n\n## About the user (USER.md)\n" + user)
		}
	}
	now := a.opts.Now().In(a.opts.Location)
	zone, _ := now.Zone()
	b.WriteString("\n\n## Now\n" + now.Format("Monday, 2 January 2006, 15:04") + " (" + a.opts.Location.String() + ", " + zone + ", UTC" + now.Format("-07:00") + ")")
	if a.opts.Workspace != "" {
		b.WriteString("\n\n## Workspace\n" + a.opts.Workspace)
	}
	if a.opts.Memory != nil {
		mem, err := a.opts.Memory.Context(now, a.memoryBudget())
		if err != nil {
			a.opts.Log.Warn("memory context unavailable", "err", err)
			mem = "(memory could not be read: " + err.Error() + ")"
		}
		if mem = strings.TrimSpace(mem); mem != "" {
			b.WriteString("\n\n## Memory\n" + mem)
		}
	}
	return b.String()
}

// memoryBudget gives the memory context a quarter of the usable window,
// in the estimate's units (the memory context is cut by the estimate):
// the model's tokens divided by its calibration ratio.
func (a *Agent) memoryBudget() int {
	window := a.opts.ContextWindow
	if window <= 0 {
		window = 32000
	}
	budget := tokens.Usable(window, a.opts.ReserveTokens) / 4
	if a.opts.TokenRatio != nil {
		if r := a.opts.TokenRatio(); r > 0 {
			budget = int(float64(budget) / r)
		}
	}
	return budget
}

// maxPersonaBytes bounds SOUL.md and USER.md in the prompt.
const maxPersonaBytes = 16 << 10

// readWorkspaceFile reads SOUL.md or USER.md for the prompt; a link in
// its place is followed only inside the workspace (fsutil.ReadFileWithin),
// so that it cannot send the model LocalGPT's configuration or ~/.ssh.
func readWorkspaceFile(dir, name string) string {
	if dir == "" {
		return ""
	}
	data, err := fsutil.ReadFileWithin(dir, name)
	if err != nil {
		return ""
	}
	s := strings.TrimSpace(mdcomment.Strip(string(data))) // comments are notes for the user
	return clip.Bytes(s, maxPersonaBytes, "\n[… "+name+" truncated …]")
}
