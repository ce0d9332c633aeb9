package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/localgpt-go/localgpt/internal/agent"
	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/session"
	"github.com/localgpt-go/localgpt/internal/termmd"
)

// newConversation wraps the current assistant in a conversation over sess
// (nil: a new session, created on the first turn).
func (c *chat) newConversation(sess *session.Session) *session.Conversation {
	o := session.Options{
		Agent: c.as.Agent, Provider: c.as.Provider, Model: c.as.Resolved.Model, Label: c.as.Label(),
		Store: c.store, Session: sess,
		ContextWindow: c.as.ContextWindow, ReserveTokens: c.as.ReserveTokens, Tokens: c.as.Tokens,
		Log: c.app.log, OnCompact: c.compacted,
	}
	if c.as.Memory != nil {
		o.Memory = c.as.Memory
		o.MemoryTurn = !c.opts.noTools
	}
	return session.New(o)
}

// resumeSession switches the chat to session id (or a unique prefix).
func (c *chat) resumeSession(id string) error {
	sess, err := c.store.Open(id)
	if err != nil {
		return err
	}
	t := sess.Transcript()
	c.app.warnSkipped(sess.ID(), t.Warnings)
	c.conv.Close()
	c.conv = c.newConversation(sess)
	c.turns = 0
	c.lastPrompt = t.LastContextTokens()
	printf(c.app.stderr, "Resumed session %s: %d messages, %d in the context.\n",
		sess.ID(), t.Len(), t.HistoryLen())
	if c.interactive {
		c.showLastExchange(t.LastExchange())
	}
	return nil
}

// showLastExchange prints where the conversation stopped: the last user
// message (its first lines) and the answer to it, as chat shows answers.
func (c *chat) showLastExchange(msgs []llm.Message) {
	last := -1
	for i, m := range msgs {
		if m.Role == llm.RoleUser && strings.TrimSpace(m.Text()) != "" {
			last = i
		}
	}
	if last < 0 {
		return
	}
	answer := ""
	for _, m := range msgs[last+1:] {
		if m.Role == llm.RoleAssistant && strings.TrimSpace(m.Text()) != "" {
			answer = m.Text()
		}
	}
	lines := strings.Split(strings.TrimSpace(msgs[last].Text()), "\n")
	if len(lines) > 6 {
		lines = append(lines[:6], fmt.Sprintf("(… %d more lines)", len(lines)-6))
	}
	fmt.Fprintln(c.app.stdout, "Where you left off:")
	for i, l := range lines {
		prefix := "… "
		if i == 0 {
			prefix = "› "
		}
		fmt.Fprintln(c.app.stdout, prefix+termmd.Sanitize(l))
	}
	if answer == "" {
		fmt.Fprintln(c.app.stdout, "(no answer was saved)")
		return
	}
	view := newTurnView(c.app, c.app.stdout)
	view.handle(agent.Event{Type: agent.EventText, Text: answer})
	view.finish()
	fmt.Fprintln(c.app.stdout)
}

// compacted tells the user a compaction happened.
func (c *chat) compacted(r session.Compaction) {
	where := ""
	if r.DailyLog != "" {
		where = "; note saved to " + r.DailyLog
	}
	printf(c.app.stderr, "(conversation compacted: %d earlier messages summarised, about %d → %d tokens%s)\n",
		r.Replaced, r.TokensBefore, r.TokensAfter, where)
	c.lastPrompt = 0
}

// sessionCommand runs the session slash commands.
func (c *chat) sessionCommand(ctx context.Context, name, arg string) (bool, error) {
	out := c.app.stdout
	switch name {
	case "/sessions":
		infos, err := c.store.List()
		if err != nil {
			return false, err
		}
		if len(infos) == 0 {
			fmt.Fprintln(out, "No saved sessions yet.")
			return false, nil
		}
		printSessions(out, infos[:min(len(infos), 10)])
		if len(infos) > 10 {
			printf(out, "… and %d more: localgpt session list\n", len(infos)-10)
		}
	case "/resume":
		if arg == "" {
			return false, errors.New("usage: /resume ID (see /sessions)")
		}
		return false, c.resumeSession(arg)
	case "/export":
		sess := c.conv.Session()
		if sess == nil {
			return false, errors.New("nothing to export yet")
		}
		file := arg
		if file == "" {
			file = sess.ID() + ".md"
		}
		format := "md"
		if strings.EqualFold(filepath.Ext(file), ".json") {
			format = "json"
		}
		return false, exportSession(c.app, c.store, sess.Transcript(), format, file)
	case "/compact":
		_, err := c.conv.Compact(ctx) // OnCompact reports it
		return false, err
	case "/context":
		printContext(c, c.conv.Context())
	default:
		return c.skillCommand(ctx, name, arg)
	}
	return false, nil
}

// printContext prints /context: the next request's tokens by part.
func printContext(c *chat, b session.Breakdown) {
	pct := 0.0
	if b.Usable > 0 {
		pct = 100 * float64(b.Estimated) / float64(b.Usable)
	}
	w := c.app.stdout
	printf(w, "system    %7d tokens\n", b.System)
	printf(w, "memory    %7d\n", b.Memory)
	printf(w, "history   %7d  (%d messages, %d compactions)\n", b.History, b.Messages, b.Compactions)
	printf(w, "tools     %7d\n", b.Tools)
	calibrated := ""
	if b.Ratio != 1 {
		calibrated = fmt.Sprintf(" (calibrated: ×%.2f the 4-bytes-a-token estimate, from what the provider reported)", b.Ratio)
	}
	printf(w, "total     %7d  estimated, %.1f%% of %d usable (window %d − reserve %d)%s\n",
		b.Estimated, pct, b.Usable, b.Window, b.Reserve, calibrated)
	if b.Reported > 0 {
		printf(w, "provider  %7d  prompt tokens reported for the last call\n", b.Reported)
	}
}
