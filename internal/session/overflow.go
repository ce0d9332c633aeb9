package session

import (
	"context"
	"errors"
	"fmt"

	"github.com/localgpt-go/localgpt/internal/agent"
	"github.com/localgpt-go/localgpt/internal/llm"
)

// continueNote is the message that resumes a turn cut short by a context
// overflow after its tools had run.
const continueNote = "(The conversation was compacted to make room. Your tool calls above ran and their results are complete; do not run them again. Continue your answer.)"

// retryAfterOverflow compacts hard and tries once more: everything before
// the turn in flight goes into the summary, and the large tool results of
// what stays are cut. A turn whose tools already ran is not started again
// (that would run them twice): its completed part (every tool call with
// its result) is kept, and the model continues from there. A second
// overflow is returned; the turn is kept as failed.
func (c *Conversation) retryAfterOverflow(ctx context.Context, user llm.Message, turn *agent.Turn, cause error, emit func(agent.Event)) (*agent.Turn, error) {
	c.o.Log.Warn("context overflow; compacting hard and retrying", "session", c.sess.ID(), "err", cause)
	ranTools := turn != nil && len(turn.ToolsUsed) > 0
	keepFrom := len(c.sess.t.messages)
	if ranTools {
		if err := c.persist(turn, TurnFailed, cause.Error()); err != nil {
			return turn, errors.Join(cause, err)
		}
		keepFrom = len(c.sess.t.messages) - len(turn.Messages)
	}
	if _, err := c.compact(ctx, ReasonOverflow, keepFrom); err != nil {
		if errors.Is(err, ErrNothingToCompact) {
			err = fmt.Errorf("%w (everything before this message is already summarised)", cause)
		} else {
			err = fmt.Errorf("%w (compacting to make room failed: %v)", cause, err)
		}
		if !ranTools {
			return turn, c.finish(ctx, turn, err)
		}
		return turn, err
	}
	if !ranTools {
		retry, err := c.run(ctx, user, emit)
		return retry, c.finish(ctx, retry, err)
	}
	rest, err := c.run(ctx, llm.UserText(continueNote), emit)
	err = c.finish(ctx, rest, err)
	return joinTurns(turn, rest), err
}

// joinTurns reports a turn and its continuation as one turn.
func joinTurns(first, rest *agent.Turn) *agent.Turn {
	if rest == nil {
		return first
	}
	t := *rest
	t.Messages = append(append([]llm.Message(nil), first.Messages...), rest.Messages...)
	t.ToolsUsed = append(append([]agent.ToolUse(nil), first.ToolsUsed...), rest.ToolsUsed...)
	t.Iterations += first.Iterations
	t.Usage = first.Usage.Add(rest.Usage)
	return &t
}
