package scripted

import (
	"fmt"
	"strings"
)

// The user messages that pick a script in the Agent scenario. The chat
// template compares the last user message with them exactly.
const (
	// AskWrite makes the model call write_file when tools are offered.
	AskWrite = "e2e: write"
	// AskLoop makes the model talk for ever (until a token limit).
	AskLoop = "e2e: loop"
)

// Files the Agent scenario's tool call writes, relative to the workspace.
const (
	NotePath    = "e2e-note.md"
	NoteContent = "written by the scripted model"
)

// The Agent scenario's scripts.
var (
	// Plain answers any other question.
	Plain = Script{Marker: "<|e2e:plain|>", Pieces: []string{"Hello", " from", " the", " scripted", " model", "."}}
	// ToolCall calls write_file, in the <tool_call> text form Ollama's
	// template-driven parser turns into a real tool call.
	ToolCall = Script{Marker: "<|e2e:tool|>", Pieces: []string{
		"<tool_call>",
		`{"name": "write_file", `,
		`"arguments": {"path": "` + NotePath + `", `,
		`"content": "` + NoteContent + `"}}`,
		"</tool_call>",
	}}
	// Final answers after a tool result.
	Final = Script{Marker: "<|e2e:final|>", Pieces: []string{"Done:", " " + NotePath, " holds", " the note."}}
	// Loop never ends.
	Loop = Script{Marker: "<|e2e:loop|>", Pieces: []string{" la", " li"}, Loop: true}
)

// AgentTemplate is the Ollama chat template of the Agent scenario. It
// renders the conversation (without the system prompt and tool schemas,
// to keep prompts short) and ends with the marker of the script for the
// situation: Final after a tool result, Loop for AskLoop, ToolCall for
// AskWrite when tools are offered, Plain otherwise. The .ToolCalls block
// also tells Ollama that tool calls start with "<tool_call>". It does not
// end in a newline, so the marker is the prompt's last token.
const AgentTemplate = `{{- $role := "" }}{{ $text := "" }}
{{- range .Messages }}
{{- if ne .Role "system" }}[{{ .Role }}] {{ .Content }}
{{- if .ToolCalls }}<tool_call>{{ range .ToolCalls }}{"name": "{{ .Function.Name }}", "arguments": {{ .Function.Arguments }}}{{ end }}</tool_call>{{ end }}
{{ end }}
{{- $role = .Role }}{{ $text = .Content }}
{{- end }}
{{- if eq $role "tool" }}<|e2e:final|>
{{- else if eq $text "` + AskLoop + `" }}<|e2e:loop|>
{{- else if and .Tools (eq $text "` + AskWrite + `") }}<|e2e:tool|>
{{- else }}<|e2e:plain|>{{ end }}`

// WindowTemplate is AgentTemplate rendering the system prompt too, as a
// real chat template does: every byte the client sends is a prompt token
// of the byte-level vocabulary, about four times the client's estimate
// of four bytes a token. The context-window tests use it (the e2e suite
// creates it from the Agent model through /api/create).
var WindowTemplate = strings.Replace(AgentTemplate, `{{- if ne .Role "system" }}`, `{{- if true }}`, 1)

// AgentContextLength is the context window of the Agent model, chosen to
// differ from Ollama's defaults so a test can see which one was used.
const AgentContextLength = 1280

// Agent returns the options of the model that plays a whole agent turn:
// a plain answer, a write_file call, the answer after its result, and a
// reply that never ends.
func Agent() Options {
	return Options{Name: "localgpt-e2e", ContextLength: AgentContextLength,
		Scripts: []Script{Plain, ToolCall, Final, Loop}}
}

// Modelfile returns an Ollama Modelfile for the GGUF file at ggufPath with
// the chat template tmpl, greedy sampling and one thread (the model is tiny;
// more threads only wait on each other when the machine is busy). tmpl
// must not contain `"""`.
func Modelfile(ggufPath, tmpl string) (string, error) {
	if strings.Contains(tmpl, `"""`) {
		return "", fmt.Errorf(`scripted: a Modelfile template cannot contain """`)
	}
	if strings.HasSuffix(tmpl, "\n") {
		return "", fmt.Errorf("scripted: the template ends in a newline, so the marker would not be the prompt's last token")
	}
	return fmt.Sprintf("FROM %s\nTEMPLATE \"\"\"%s\"\"\"\nPARAMETER temperature 0\nPARAMETER top_k 1\nPARAMETER num_thread 1\n", ggufPath, tmpl), nil
}
