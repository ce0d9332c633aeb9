package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/localgpt-go/localgpt/internal/agent"
	"github.com/localgpt-go/localgpt/internal/llm"
)

// askJSON is the --json output of ask.
type askJSON struct {
	Response string `json:"response"`
	Model    string `json:"model"`
	// StopReason is end, tool_use, length (cut off at the token limit) or other.
	StopReason string          `json:"stop_reason"`
	Tokens     tokensJSON      `json:"tokens"`
	ToolsUsed  []agent.ToolUse `json:"tools_used"`
}

type tokensJSON struct {
	Prompt     int `json:"prompt"`
	Completion int `json:"completion"`
	Total      int `json:"total"`
}

func newAskCmd(a *app) *cobra.Command {
	var o assistantOptions
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "ask QUESTION… | ask -",
		Short: "Ask one question and print the answer",
		Long: `Ask one question and print the answer as it streams in. With "-" the question
is read from standard input. The assistant may use its tools (files, shell,
web, memory); what needs approval (the tools in tools.require_approval, writes
outside the workspace, to dot-folders such as .git or to HEARTBEAT.md, reads of
credentials such as ~/.ssh) is refused unless --yes is given. LocalGPT's own
files (config, sessions, index, logs) are never written, even with --yes; see
docs/security.md. On a terminal the answer is rendered as markdown;
piped, it is plain text, and tool activity goes to stderr.`,
		Example: `  localgpt ask "what did I decide about the garden?"
  git diff | localgpt ask - --no-tools
  localgpt ask --json "summarise MEMORY.md" | jq .response`,
		Args: needArgs(1, -1, `localgpt ask QUESTION…   (or: localgpt ask - to read the question from standard input)`,
			`localgpt ask "what did I decide about the garden?"`),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 && args[0] == "-" { // the words would be asked and the input dropped
				return usage(cmd, "reads the whole question from standard input with -; put the other words into that input, or leave out the -")
			}
			question, err := readQuestion(a.stdin, a.stderr, args)
			if err != nil {
				return err
			}
			if err := a.setup(); err != nil {
				return err
			}
			as, err := a.openAssistant(cmd.Context(), o)
			if err != nil {
				return err
			}
			var view *turnView
			if !asJSON {
				view = newTurnView(a, a.stdout)
			}
			turn, err := as.Agent.Run(cmd.Context(), nil, question, view.handle)
			view.finish()
			warnCutOff(a, turn)
			if err != nil && (turn == nil || !errors.Is(err, agent.ErrIterationLimit)) {
				return err
			}
			if asJSON {
				if jerr := writeJSON(a.stdout, askJSON{
					Response: turn.Text, Model: as.Label(), StopReason: string(turn.StopReason),
					Tokens:    tokensJSON{turn.Usage.PromptTokens, turn.Usage.CompletionTokens, turn.Usage.TotalTokens},
					ToolsUsed: nonNil(turn.ToolsUsed),
				}); jerr != nil {
					return jerr
				}
			}
			return err
		},
	}
	f := cmd.Flags()
	f.BoolVar(&asJSON, "json", false, "print {response, model, stop_reason, tokens, tools_used} as JSON when done")
	f.BoolVar(&o.noTools, "no-tools", false, "offer the model no tools")
	f.BoolVar(&o.noMemory, "no-memory", false, "leave memory out of the prompt and the tools")
	f.BoolVarP(&o.yes, "yes", "y", false, "allow what needs approval without asking (never LocalGPT's own files)")
	return cmd
}

// readQuestion joins the arguments, or reads standard input for "-".
func readQuestion(stdin io.Reader, hint io.Writer, args []string) (string, error) {
	if len(args) == 1 && args[0] == "-" {
		q, err := readStdin(stdin, hint, 8<<20, "the question")
		if err != nil {
			return "", err
		}
		args = []string{q}
	}
	q := strings.TrimSpace(strings.Join(args, " "))
	if q == "" {
		return "", errors.New("the question is empty; pass it as arguments or pipe it with `localgpt ask -`")
	}
	return q, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// warnCutOff tells the user when the answer stopped at the token limit
// rather than where the model meant to end it.
func warnCutOff(a *app, turn *agent.Turn) {
	if turn != nil && turn.StopReason == llm.StopLength {
		fmt.Fprintln(a.stderr, "localgpt: the answer was cut off at the model's token limit")
	}
}
