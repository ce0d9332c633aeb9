package session

import (
	"context"

	"github.com/localgpt-go/localgpt/internal/agent"
	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/tokens"
)

// usable is the most a request may hold, in the model's tokens: the
// window minus the reserve.
func (c *Conversation) usable() int {
	return tokens.Usable(c.o.ContextWindow, c.o.ReserveTokens)
}

// ratio is how many of the model's tokens one estimated token is.
func (c *Conversation) ratio() float64 { return c.o.Tokens.Ratio(c.o.Label) }

// scale turns an estimate into the model's tokens.
func (c *Conversation) scale(n int) int { return c.o.Tokens.Scale(c.o.Label, n) }

// unscale turns the model's tokens into the estimate's units.
func (c *Conversation) unscale(n int) int { return c.o.Tokens.Unscale(c.o.Label, n) }

// prepare runs, before a turn, the memory turn once the soft threshold is
// crossed and the compaction once the request would not fit; when even
// the compacted request would not, it compacts hard (everything into the
// summary). Failures are logged: the turn then goes ahead and, if it
// overflows, compacts reactively.
func (c *Conversation) prepare(ctx context.Context, user llm.Message) {
	if c.sess == nil || len(c.history()) == 0 {
		return
	}
	next := c.estimateNext(user)
	usable := c.usable()
	soft := min(c.o.SoftTokens, usable/4)
	if next >= usable-soft && c.o.MemoryTurn && !c.sess.t.Flushed(FlushTurn) {
		if err := c.memoryTurn(ctx); err != nil {
			c.o.Log.Warn("memory flush turn failed", "session", c.sess.ID(), "err", err)
		}
	}
	if next <= usable {
		return
	}
	if _, err := c.compact(ctx, ReasonProactive, planCut); err != nil {
		if ctx.Err() == nil {
			c.o.Log.Warn("proactive compaction failed", "session", c.sess.ID(), "err", err)
		}
		return
	}
	t := c.sess.t
	if c.estimateNext(user) > usable && len(t.messages) > t.firstKept() {
		if _, err := c.compact(ctx, ReasonProactive, len(t.messages)); err != nil && ctx.Err() == nil {
			c.o.Log.Warn("hard compaction failed", "session", c.sess.ID(), "err", err)
		}
	}
}

// estimateNext is the prompt size of the next request in the model's
// tokens: the provider's report for the last call plus what was added
// since, or the calibrated estimate of every part when the provider
// reported nothing since the last compaction.
func (c *Conversation) estimateNext(user llm.Message) int {
	h := c.history()
	if reported := c.sess.t.LastContextTokens(); reported > 0 && len(h) > 0 {
		return reported + c.scale(MessageTokens(h[len(h)-1])+MessageTokens(user))
	}
	return c.breakdown().Estimated + c.scale(MessageTokens(user))
}

// fixedTokens estimates what every request of a turn carries besides the
// messages: the system prompt (memory context included) and the tools.
func (c *Conversation) fixedTokens() int {
	return MessageTokens(llm.UserText(c.o.Agent.SystemPrompt())) + ToolsTokens(c.o.Agent.ToolSpecs())
}

// observe calibrates the estimate with the provider's count of the turn's
// last request: history, the turn's messages before the last answer, and
// the fixed part.
func (c *Conversation) observe(fixed int, history []llm.Message, turn *agent.Turn) {
	if turn == nil || turn.ContextTokens <= 0 {
		return
	}
	last := len(turn.Messages) - 1
	for last > 0 && turn.Messages[last].Role != llm.RoleAssistant {
		last--
	}
	if last <= 0 {
		return
	}
	est := fixed + MessagesTokens(history) + MessagesTokens(turn.Messages[:last])
	if err := c.o.Tokens.Observe(c.o.Label, est, turn.ContextTokens); err != nil {
		c.o.Log.Warn("token calibration not saved", "err", err)
	}
}

// Context reports how the next request fills the window.
func (c *Conversation) Context() Breakdown {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.breakdown()
}

// breakdown is the next request by part, in the model's tokens (the
// estimate times the calibration ratio).
func (c *Conversation) breakdown() Breakdown {
	rest, mem := SplitSystem(c.o.Agent.SystemPrompt())
	h := c.history()
	b := Breakdown{
		System: c.scale(MessageTokens(llm.UserText(rest))), History: c.scale(MessagesTokens(h)),
		Tools:  c.scale(ToolsTokens(c.o.Agent.ToolSpecs())),
		Window: c.o.ContextWindow, Reserve: c.o.ContextWindow - c.usable(), Usable: c.usable(),
		Messages: len(h), Ratio: c.ratio(),
	}
	if mem != "" {
		b.Memory = c.scale(MessageTokens(llm.UserText(mem)) - messageOverhead)
	}
	b.Estimated = b.System + b.Memory + b.History + b.Tools
	if c.sess != nil {
		b.Reported = c.sess.t.LastContextTokens()
		b.Compactions = c.sess.t.Cycle()
	}
	return b
}
