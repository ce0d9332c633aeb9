package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/localgpt-go/localgpt/internal/agent"
	"github.com/localgpt-go/localgpt/internal/assistant"
	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/fuzzy"
	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/memory"
	"github.com/localgpt-go/localgpt/internal/session"
)

func newChatCmd(a *app) *cobra.Command {
	var o assistantOptions
	var sessionID string
	var resume bool
	cmd := &cobra.Command{
		Use:   "chat",
		Short: "Talk with the assistant interactively",
		Long: `Talk with the assistant. On a terminal you get line editing and history,
answers rendered as markdown, and tool calls shown as they run. A paste is one
message however many lines it has; Alt-Enter starts a new line in
the message, Enter sends it. Lines between """ and """ are one message too.
Ctrl-C clears a half-typed line, cancels a running answer, and on an empty
line says how to leave: Ctrl-D or /quit. Tools that need approval ask first:
y (yes), n (no) or a (always, for this chat).

With standard input piped, every line is one message (or a """ block) and
answers are plain text, so chats can be scripted. Type /help for the slash
commands (a line that starts with a path, such as /etc/hosts, is a message).

Every chat is a session saved after each turn (see 'localgpt session'):
--resume continues the most recent one, --session ID a given one. When the
conversation outgrows the model's context window, older turns are
summarised (after a note in today's memory log) and recent ones kept.`,
		Example: `  localgpt chat
  localgpt chat --resume
  localgpt -m qwen3:8b chat --session 20260301-0915`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if resume && sessionID != "" { // said here: cobra's flag-group message is cryptic
				return usage(cmd, "takes --resume (the latest session) or --session ID (a given one), not both")
			}
			if err := a.setup(); err != nil {
				return err
			}
			c := &chat{app: a, opts: o, interactive: isTerminal(a.stdin) && isTerminal(a.stdout),
				store: &session.Store{Dir: a.paths.Sessions, Secrets: a.secrets}, sessionID: sessionID, resume: resume}
			return c.run(cmd.Context())
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.noTools, "no-tools", false, "offer the model no tools")
	f.BoolVar(&o.noMemory, "no-memory", false, "leave memory out of the prompt and the tools")
	f.BoolVarP(&o.yes, "yes", "y", false, "allow what needs approval without asking (never LocalGPT's own files)")
	f.StringVar(&sessionID, "session", "", "continue session `ID` (a unique prefix will do)")
	f.BoolVar(&resume, "resume", false, "continue the most recent session")
	_ = cmd.RegisterFlagCompletionFunc("session", a.completeSessions(false))
	return cmd
}

// chat is one interactive conversation.
type chat struct {
	app         *app
	opts        assistantOptions
	interactive bool
	in          lineInput
	as          *assistant.Assistant
	store       *session.Store
	conv        *session.Conversation
	sessionID   string    // --session
	resume      bool      // --resume
	usage       llm.Usage // all turns of this chat
	lastPrompt  int       // prompt tokens of the last model call: the context in use
	turns       int
	// cancelTurn cancels the turn in flight (set while one runs), so that
	// Ctrl-C at an approval prompt ends the turn.
	cancelTurn context.CancelFunc
}

func (c *chat) run(ctx context.Context) error {
	if c.interactive {
		c.in = newTermInput(c.app.stdin.(*os.File), c.app.stdout.(*os.File), filepath.Join(c.app.paths.State, "chat_history"))
	} else {
		c.in = newPipeInput(c.app.stdin)
	}
	defer c.in.Close()
	c.opts.confirm = c.confirm
	if err := c.open(ctx); err != nil {
		if !c.interactive || !noProvider(err) {
			return err
		}
		if err := c.offerSetup(ctx, err); err != nil {
			return err
		}
	}
	defer func() { c.conv.Close() }()
	if c.resume || c.sessionID != "" {
		id := c.sessionID
		if c.resume {
			latest, err := c.store.Latest()
			if err != nil {
				return err
			}
			id = latest
		}
		if err := c.resumeSession(id); err != nil {
			return err
		}
	}
	if c.interactive {
		printf(c.app.stdout, "LocalGPT · %s · /help for commands, Ctrl-D to leave\n", c.as.Label())
		defer func() {
			if id := c.conv.ID(); id != "" {
				printf(c.app.stderr, "Session %s saved; continue it with: localgpt chat --session %s\n", id, id)
			}
		}()
	}
	for {
		line, err := c.readMessage(ctx)
		if errors.Is(err, errAborted) {
			fmt.Fprintln(c.app.stderr, "(to leave the chat, press Ctrl-D or type /quit)")
			continue
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		line = strings.TrimSpace(line)
		switch {
		case line == "":
			continue
		case isCommand(line):
			quit, err := c.command(ctx, line)
			if err != nil {
				printf(c.app.stderr, "%v\n", err)
			}
			if quit {
				return nil
			}
		default:
			if err := c.turn(ctx, line); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				err = c.app.models().Explain(ctx, "", err)
				overflow := llm.IsContextOverflow(err)
				if !c.interactive && !overflow {
					return err // a script's chat ends here; Main prints it once
				}
				printf(c.app.stderr, "localgpt: %v\n", err)
				if overflow {
					// Never the end of a chat: the session is compacted and
					// the message kept; the next one may well fit.
					printf(c.app.stderr, "%s\n", overflowNote)
				}
			}
		}
	}
}

// open (re)creates the assistant for the current model.
func (c *chat) open(ctx context.Context) error {
	as, err := c.app.openAssistant(ctx, c.opts)
	if err != nil {
		return err
	}
	c.as = as
	var sess *session.Session
	if c.conv != nil {
		sess = c.conv.Session() // a new model continues the same session
	}
	c.conv = c.newConversation(sess)
	return nil
}

// noProvider reports whether err says no model provider can answer: the
// default one is not running, or it needs a key that is not set.
func noProvider(err error) bool {
	var le *llm.Error
	var ce *config.Error
	switch {
	case errors.As(err, &le):
		return le.Kind == llm.KindUnreachable || le.Kind == llm.KindNotFound
	case errors.As(err, &ce):
		return strings.HasPrefix(ce.Key, "providers.")
	}
	return false
}

// offerSetup tells why no model answers and offers `localgpt setup`;
// after it the chat opens with what setup wrote.
func (c *chat) offerSetup(ctx context.Context, cause error) error {
	printf(c.app.stderr, "localgpt: %v\n\n", cause)
	answer, err := c.in.Confirm("No model answers yet. Look for the ones on this machine now (localgpt setup)? [Y/n] ")
	if err != nil || strings.HasPrefix(strings.ToLower(strings.TrimSpace(answer)), "n") {
		return cause
	}
	// Prompts may be several lines: all but the last are printed, the last
	// is the line editor's prompt.
	ask := func(prompt string) (string, error) {
		if i := strings.LastIndexByte(prompt, '\n'); i >= 0 {
			fmt.Fprint(c.app.stdout, prompt[:i+1])
			prompt = prompt[i+1:]
		}
		return c.in.ReadLine(prompt)
	}
	if err := c.app.runSetup(ctx, setupOptions{}, ask); err != nil {
		return err
	}
	return c.open(ctx)
}

// blockQuote opens and closes a multi-line message typed line by line.
const blockQuote = `"""`

// readMessage reads the next message: one line (on a terminal, one
// editor entry, which may hold several lines), or the lines between a
// line starting with """ and one ending with """.
func (c *chat) readMessage(ctx context.Context) (string, error) {
	line, err := c.readLine(ctx, "› ")
	if err != nil {
		return "", err
	}
	first, ok := strings.CutPrefix(strings.TrimSpace(line), blockQuote)
	if !ok {
		return line, nil
	}
	if body, closed := strings.CutSuffix(first, blockQuote); closed {
		return body, nil // """one line"""
	}
	var lines []string
	if first != "" {
		lines = append(lines, first)
	}
	for {
		l, err := c.readLine(ctx, "… ")
		if errors.Is(err, io.EOF) && len(lines) > 0 {
			return strings.Join(lines, "\n"), nil // the input ended the block
		}
		if err != nil {
			return "", err
		}
		if body, closed := strings.CutSuffix(strings.TrimRight(l, " \t"), blockQuote); closed {
			if body != "" {
				lines = append(lines, body)
			}
			return strings.Join(lines, "\n"), nil
		}
		lines = append(lines, l)
	}
}

// readLine waits for the next line, or for the chat to be cancelled
// (SIGTERM, or Ctrl-C while no turn runs on a pipe), whichever comes first.
func (c *chat) readLine(ctx context.Context, prompt string) (string, error) {
	type line struct {
		s   string
		err error
	}
	got := make(chan line, 1)
	go func() { // on cancellation it stays blocked on input until the process exits
		s, err := c.in.ReadLine(prompt)
		got <- line{s, err}
	}()
	select {
	case l := <-got:
		return l.s, l.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// turn runs one message. Ctrl-C cancels it; a second Ctrl-C cancels chat.
func (c *chat) turn(ctx context.Context, input string) error {
	turnCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var once sync.Once
	release := c.app.interrupts.claim(func(os.Signal) bool {
		handled := false
		once.Do(func() { cancel(); handled = true })
		return handled
	})
	defer release()
	c.cancelTurn = cancel
	defer func() { c.cancelTurn = nil }()
	view := newTurnView(c.app, c.app.stdout)
	t, err := c.conv.Send(turnCtx, input, view.handle)
	view.finish()
	warnCutOff(c.app, t)
	if t != nil {
		c.usage = c.usage.Add(t.Usage)
		if t.ContextTokens > 0 {
			c.lastPrompt = t.ContextTokens
		}
	}
	switch {
	case err == nil || errors.Is(err, agent.ErrIterationLimit):
		c.turns++
		return err
	case turnCtx.Err() != nil && ctx.Err() == nil:
		// Cancelled by Ctrl-C: the session kept the user message and the
		// tool rounds that completed, never a call without its result.
		fmt.Fprintln(c.app.stderr, "(cancelled)")
		return nil
	}
	return err
}

// overflowNote follows a turn that did not fit even after compaction.
const overflowNote = "(That message did not fit the model's context window, even with the conversation compacted; " +
	"the chat goes on. Send something shorter, /new to start afresh, " +
	"or use a larger window: providers.ollama.num_ctx for Ollama, otherwise a model with a larger context.)"

// confirm asks the user to approve a tool call: y, n or a (always),
// after saying why it needs approval. On a pipe nobody can answer, so
// nothing is printed.
// Ctrl-C at the prompt cancels the whole turn, as it does elsewhere.
func (c *chat) confirm(reason, question string) (string, error) {
	if !c.interactive {
		return "", io.EOF
	}
	if reason != "" {
		printf(c.app.stderr, "%s\n", reason)
	}
	answer, err := c.in.Confirm(question + " [y/N/a] ")
	if errors.Is(err, errAborted) && c.cancelTurn != nil {
		c.cancelTurn()
		return "", context.Canceled
	}
	return answer, err
}

var chatHelp = []struct{ cmd, help string }{
	{"/help", "show this list"},
	{"/quit, /exit", "leave the chat"},
	{"/new", "start a new conversation"},
	{"/model [NAME]", "show or switch the model"},
	{"/memory QUERY", "search memory"},
	{"/save", "ask the assistant to save what matters to memory"},
	{"/status", "model, tokens used and context in use"},
	{"/context", "tokens of the next request by part: system, memory, history, tools"},
	{"/compact", "summarise older turns now to free context"},
	{"/sessions", "list recent sessions"},
	{"/resume ID", "continue another session"},
	{"/export [FILE]", "write this session as markdown (or JSON for *.json)"},
	{"/clear", "clear the screen"},
	{"/skills", "list the skills; /NAME [REQUEST] runs a turn with skill NAME"},
}

// command runs a slash command; it reports whether the chat should end.
func (c *chat) command(ctx context.Context, line string) (bool, error) {
	name, arg, _ := strings.Cut(line, " ")
	arg = strings.TrimSpace(arg)
	out := c.app.stdout
	switch name {
	case "/quit", "/exit":
		return true, nil
	case "/help":
		for _, h := range chatHelp {
			printf(out, "  %-16s %s\n", h.cmd, h.help)
		}
	case "/new":
		c.conv.Close()
		c.conv = c.newConversation(nil)
		c.usage, c.lastPrompt, c.turns = llm.Usage{}, 0, 0
		fmt.Fprintln(out, "Started a new conversation.")
	case "/model":
		if arg == "" {
			printf(out, "%s\n", c.as.Label())
			return false, nil
		}
		// A name no provider offers is refused now, with a "did you mean",
		// rather than at the next message (the chat stays on its model).
		cat := c.app.models()
		r, err := cat.Resolve(ctx, arg)
		if err == nil {
			err = cat.Check(ctx, arg, r)
		}
		if err != nil {
			return false, err
		}
		old := c.app.cfg.Agent.DefaultModel
		c.app.cfg.Agent.DefaultModel = arg
		if err := c.open(ctx); err != nil {
			c.app.cfg.Agent.DefaultModel = old
			return false, err
		}
		printf(out, "Model: %s\n", c.as.Label())
	case "/memory":
		if arg == "" {
			return false, errors.New("usage: /memory QUERY")
		}
		return false, c.searchMemory(ctx, arg)
	case "/save":
		if len(c.conv.History()) == 0 {
			return false, errors.New("nothing to save yet")
		}
		return false, c.turn(ctx, savePrompt)
	case "/status":
		window := c.as.ContextWindow
		pct := 0.0
		if window > 0 {
			pct = 100 * float64(c.lastPrompt) / float64(window)
		}
		printf(out, "model     %s\nturns     %d\ntokens    %d prompt, %d completion, %d total\ncontext   %d of %d tokens (%.1f%%)\n",
			c.as.Label(), c.turns, c.usage.PromptTokens, c.usage.CompletionTokens, c.usage.TotalTokens, c.lastPrompt, window, pct)
		if id := c.conv.ID(); id != "" {
			printf(out, "session   %s\n", id)
		}
	default:
		return c.sessionCommand(ctx, name, arg)
	case "/clear":
		if c.interactive {
			io.WriteString(out, "\x1b[H\x1b[2J")
		}
	}
	return false, nil
}

// isCommand reports whether a line is a slash command ("/model qwen3"),
// not a message that starts with a path ("/etc/hosts: what is in it?").
func isCommand(line string) bool {
	first, _, _ := strings.Cut(line, " ")
	return strings.HasPrefix(first, "/") && !strings.Contains(first[1:], "/")
}

// unknownCommand is the error of a slash command chat does not know,
// with the nearest command or skill when one is close.
func unknownCommand(name string, skills ...string) error {
	var names []string
	for _, h := range chatHelp {
		for _, alias := range strings.Split(h.cmd, ",") { // "/quit, /exit", "/model [NAME]"
			names = append(names, strings.Fields(alias)[0])
		}
	}
	for _, s := range skills {
		names = append(names, "/"+s)
	}
	msg := fmt.Sprintf("unknown command %s", name)
	if near := fuzzy.Nearest(name, names, 1); len(near) > 0 {
		msg += fmt.Sprintf("; did you mean %s?", near[0])
	}
	return errors.New(msg + " (/help lists the commands)")
}

// savePrompt is the message /save sends.
const savePrompt = "Save what matters from our conversation so far to memory with memory_save: " +
	"durable facts and preferences with long_term, the rest to today's log. Then say in one line what you saved."

// searchMemory prints the best memory hits for /memory.
func (c *chat) searchMemory(ctx context.Context, query string) error {
	if c.as.Memory == nil {
		return errors.New("memory is off in this chat (--no-memory)")
	}
	found, err := c.as.Memory.Find(ctx, query, memory.FindOptions{Limit: 5})
	if err != nil {
		return err
	}
	results := found.Results
	if found.TextOnly != "" {
		printf(c.app.stdout, "%s\n", found.TextOnly)
	}
	if note := memory.QueryNote(query); note != "" {
		printf(c.app.stdout, "%s\n", note)
	}
	if len(results) == 0 {
		printf(c.app.stdout, "Nothing in memory matches %q.\n", oneLine(query, 80))
		return nil
	}
	for _, r := range results {
		printf(c.app.stdout, "%s:%d-%d  %s\n  %s\n", r.File, r.LineStart, r.LineEnd, r.Heading, oneLine(r.Snippet, 160))
	}
	return nil
}
