package session

import (
	"context"
	"fmt"
	"strings"

	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/tokens"
)

// MemoryTurnPrompt is the user message of the silent memory turn.
const MemoryTurnPrompt = "[Automatic memory flush, not written by the user] This conversation is close to the " +
	"model's context limit: older turns will soon be replaced by a summary. Store anything durable from this " +
	"conversation that is not in memory yet with memory_save (long_term for lasting facts, preferences and " +
	"decisions; otherwise today's log). Do not address the user. When done, or if there is nothing to store, " +
	"answer exactly NO_REPLY."

// NoReply is the answer the memory turn asks for.
const NoReply = "NO_REPLY"

// Compact forces a compaction (/compact): the memory turn if it has not
// run in this cycle, the summary, the daily-log note, the compaction entry.
func (c *Conversation) Compact(ctx context.Context) (*Compaction, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sess == nil {
		return nil, ErrNothingToCompact
	}
	return c.compact(ctx, ReasonManual, planCut)
}

// planCut asks compact to choose the cut itself (PlanCut).
const planCut = -1

// compact summarises the older turns of the history. With keepFrom =
// planCut it keeps the recent turns that fit KeepRatio of the window;
// otherwise it compacts hard: every message before keepFrom (an index
// among the session's messages) is summarised, and the large tool results
// of those it keeps are cut for the model.
//
// The memory flush comes first on every path: the silent memory turn
// (except after an overflow, when a request with the whole history
// cannot fit) and then the compaction note in today's log, before the
// compaction entry is written. If the note cannot be written, nothing is
// compacted.
func (c *Conversation) compact(ctx context.Context, reason string, keepFrom int) (*Compaction, error) {
	t := c.sess.t
	start := t.firstKept()
	t.decode(start, len(t.messages))
	kept := t.messages[start:]
	var cut, clipBytes int
	if keepFrom == planCut {
		var ok bool
		if cut, ok = PlanCut(kept, c.unscale(int(float64(c.usable())*c.o.KeepRatio))); !ok {
			return nil, ErrNothingToCompact
		}
	} else {
		cut = min(max(keepFrom-start, 0), len(kept))
		// Each tool result kept gets at most an eighth of the window.
		clipBytes = tokens.Bytes(c.unscale(max(c.usable()/8, 64)))
	}
	if cut == 0 && !hasLongResult(kept, clipBytes) {
		return nil, ErrNothingToCompact
	}
	res := &Compaction{Reason: reason, Replaced: cut, TokensBefore: c.scale(MessagesTokens(c.history()))}
	if reason != ReasonOverflow && c.o.MemoryTurn && !t.Flushed(FlushTurn) {
		if err := c.memoryTurn(ctx); err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			c.o.Log.Warn("memory flush turn failed; compacting anyway, the daily note still records the summary", "session", c.sess.ID(), "err", err)
		}
	}
	res.MemoryTurn = t.Flushed(FlushTurn)
	var previous string
	if prev, ok := t.Compaction(); ok {
		previous = prev.Summary
	}
	summary := previous
	if cut > 0 {
		s := summariser{provider: c.o.Provider, model: c.o.Model, budget: c.usable(), ratio: c.ratio()}
		var err error
		if summary, err = s.summarise(ctx, previous, kept[:cut]); err != nil {
			return nil, err
		}
	}
	res.Summary = summary
	now := c.o.Now()
	var entries []Entry
	if c.o.Memory != nil && cut > 0 {
		note := fmt.Sprintf("Conversation compacted (session %s, %s): %d earlier messages were replaced by this summary.\n\n%s",
			c.sess.ID(), reason, cut, summary)
		path, err := c.o.Memory.AppendDaily(ctx, note, now)
		if err != nil && path == "" {
			return nil, fmt.Errorf("write the compaction note to today's log before compacting: %w; the conversation was not compacted", err)
		}
		res.DailyLog = path
		entries = append(entries, Entry{Type: TypeFlush, At: now.UTC(), Kind: FlushNote, Cycle: t.Cycle(), Path: path})
	}
	entry := Entry{Type: TypeCompaction, At: now.UTC(), Summary: summary, FirstKept: start + cut,
		Replaced: cut, Reason: reason, TokensBefore: res.TokensBefore, ClipBytes: clipBytes}
	after := append(summaryMessages(entry), kept[cut:]...)
	for i := range after {
		after[i] = clipResults(after[i], clipBytes)
	}
	entry.TokensAfter = c.scale(MessagesTokens(after))
	if err := c.sess.Append(append(entries, entry)...); err != nil {
		return nil, err
	}
	res.TokensAfter = c.scale(MessagesTokens(c.history())) // as sent: summary and clipped results
	c.o.Log.Info("session compacted", "session", c.sess.ID(), "reason", reason, "replaced", cut, "clip_bytes", clipBytes,
		"tokens_before", res.TokensBefore, "tokens_after", res.TokensAfter)
	if c.o.OnCompact != nil {
		c.o.OnCompact(*res)
	}
	return res, nil
}

// hasLongResult reports whether a tool result in msgs is longer than n
// bytes (n > 0): whether cutting results to n would shrink anything.
func hasLongResult(msgs []llm.Message, n int) bool {
	for _, m := range msgs {
		for _, p := range m.Parts {
			if n > 0 && p.ToolResult != nil && len(p.ToolResult.Content) > n {
				return true
			}
		}
	}
	return false
}

// memoryTurn runs the silent turn asking the model to save durable facts.
// Nothing of it is shown, and its messages are not kept in the history or
// the file: only a flush entry recording that it ran and the tools it used.
func (c *Conversation) memoryTurn(ctx context.Context) error {
	turn, err := c.o.Agent.RunMessage(ctx, c.history(), llm.UserText(MemoryTurnPrompt), nil)
	if err != nil {
		return err
	}
	var tools []string
	for _, u := range turn.ToolsUsed {
		tools = append(tools, u.Name)
	}
	if answer := strings.TrimSpace(turn.Text); answer != NoReply {
		c.o.Log.Debug("memory flush turn answered more than NO_REPLY; not shown", "chars", len(answer))
	}
	c.o.Log.Info("memory flush turn", "session", c.sess.ID(), "tools", tools)
	return c.sess.Append(Entry{Type: TypeFlush, At: c.o.Now().UTC(), Kind: FlushTurn, Cycle: c.sess.t.Cycle(), Tools: tools})
}
