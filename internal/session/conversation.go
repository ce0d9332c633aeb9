package session

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/localgpt-go/localgpt/internal/agent"
	"github.com/localgpt-go/localgpt/internal/llm"
)

// Agent is what a Conversation needs of *agent.Agent.
type Agent interface {
	RunMessage(ctx context.Context, history []llm.Message, user llm.Message, emit func(agent.Event)) (*agent.Turn, error)
	SystemPrompt() string
	ToolSpecs() []llm.Tool
}

// DailyLog receives the compaction notes (*memory.Store satisfies it).
type DailyLog interface {
	AppendDaily(ctx context.Context, text string, now time.Time) (string, error)
}

// Compaction reasons.
const (
	ReasonProactive = "proactive" // the next request would not have fitted
	ReasonOverflow  = "overflow"  // the provider said the prompt was too long
	ReasonManual    = "manual"    // the user asked (/compact)
)

// Defaults of Options.
const (
	DefaultKeepRatio  = 0.3
	DefaultSoftTokens = 4000
)

// Options configure a Conversation.
type Options struct {
	Agent Agent
	// Provider and Model write the compaction summaries (Model is the
	// provider's model name, as the agent uses it).
	Provider llm.Provider
	Model    string
	// Label names the model in the session file ("ollama/llama3.2").
	Label string
	// Store is where a new session is created on the first turn.
	Store *Store
	// Session continues an existing session; nil starts a new one.
	Session *Session
	// Memory receives a compaction note before every compaction; nil
	// leaves it out (chat --no-memory).
	Memory DailyLog
	// MemoryTurn enables the silent turn asking the model to save durable
	// facts with memory_save near the compaction point. Set it only when
	// the agent offers the memory tools.
	MemoryTurn bool
	// ContextWindow is the model's window; ReserveTokens is kept free for
	// the answer. Compaction runs when a request would pass the difference.
	ContextWindow, ReserveTokens int
	// KeepRatio is the share of the usable window kept verbatim as recent
	// turns on compaction (DefaultKeepRatio when 0).
	KeepRatio float64
	// SoftTokens is how far before the compaction point the memory turn
	// runs (DefaultSoftTokens, at most a quarter of the usable window).
	SoftTokens int
	Now        func() time.Time
	Log        *slog.Logger
	// OnCompact, when set, is told of every compaction (to show it).
	OnCompact func(Compaction)
}

// Compaction reports one compaction.
type Compaction struct {
	Reason string
	// Replaced is how many messages were summarised.
	Replaced int
	// TokensBefore and TokensAfter estimate the history before and after.
	TokensBefore, TokensAfter int
	Summary                   string
	// DailyLog is the workspace path the compaction note went to.
	DailyLog string
	// MemoryTurn says whether the silent memory turn ran this cycle.
	MemoryTurn bool
}

// Conversation runs turns of one session: it compacts before a turn that
// would not fit, runs the agent, compacts and retries once when the
// provider reports a context overflow, and appends the turn to the session
// file. One Send or Compact runs at a time.
type Conversation struct {
	mu   sync.Mutex
	o    Options
	sess *Session
}

// New returns a Conversation; the session file is created on the first
// turn unless Options.Session continues one.
func New(o Options) *Conversation {
	if o.KeepRatio <= 0 || o.KeepRatio >= 1 {
		o.KeepRatio = DefaultKeepRatio
	}
	if o.SoftTokens <= 0 {
		o.SoftTokens = DefaultSoftTokens
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Conversation{o: o, sess: o.Session}
}

// Session returns the session file, nil before the first turn.
func (c *Conversation) Session() *Session {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sess
}

// ID returns the session ID, "" before the first turn.
func (c *Conversation) ID() string {
	if s := c.Session(); s != nil {
		return s.ID()
	}
	return ""
}

// History returns what the next request sends before the user's message.
func (c *Conversation) History() []llm.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.history()
}

func (c *Conversation) history() []llm.Message {
	if c.sess == nil {
		return nil
	}
	return c.sess.t.History()
}

// usable is the window minus the reserve: the most a request may hold.
func (c *Conversation) usable() int {
	u := c.o.ContextWindow - c.o.ReserveTokens
	if u < 1024 {
		u = 1024
	}
	return u
}

// Close closes the session file.
func (c *Conversation) Close() error {
	if s := c.Session(); s != nil {
		return s.Close()
	}
	return nil
}

// Send runs one user message as a turn and appends it to the session.
// emit receives the turn's events (see agent.Run). A turn is appended
// however it ends: answered, stopped by the iteration limit, cancelled or
// failed; the last two keep the user message and the tool rounds that
// completed (so the next turn knows what already ran) with a commit
// record saying how the turn ended. The turn's error is returned.
func (c *Conversation) Send(ctx context.Context, input string, emit func(agent.Event)) (*agent.Turn, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	user := llm.UserText(input)
	c.prepare(ctx, user)
	turn, err := c.o.Agent.RunMessage(ctx, c.history(), user, emit)
	if err != nil && llm.IsContextOverflow(err) && ctx.Err() == nil && c.sess != nil {
		return c.retryAfterOverflow(ctx, user, turn, err, emit)
	}
	return turn, c.finish(ctx, turn, err)
}

// finish appends turn with the status err gives it and returns err,
// joined with the append's error if that failed too.
func (c *Conversation) finish(ctx context.Context, turn *agent.Turn, err error) error {
	status, why := TurnAnswered, ""
	switch {
	case err == nil:
	case errors.Is(err, agent.ErrIterationLimit):
		status = TurnLimit
	case ctx.Err() != nil:
		status = TurnCancelled
	default:
		status, why = TurnFailed, err.Error()
	}
	if perr := c.persist(turn, status, why); perr != nil {
		return errors.Join(err, perr)
	}
	return err
}

// continueNote is the message that resumes a turn cut short by a context
// overflow after its tools had run.
const continueNote = "(The conversation was compacted to make room. Your tool calls above ran and their results are complete; do not run them again. Continue your answer.)"

// retryAfterOverflow compacts and tries once more. A turn whose tools
// already ran is not started again (that would run them twice): its
// completed part (every tool call with its result) is kept, and the model
// continues from there.
func (c *Conversation) retryAfterOverflow(ctx context.Context, user llm.Message, turn *agent.Turn, cause error, emit func(agent.Event)) (*agent.Turn, error) {
	c.o.Log.Warn("context overflow; compacting and retrying", "session", c.sess.ID(), "err", cause)
	ranTools := turn != nil && len(turn.ToolsUsed) > 0
	if ranTools {
		if err := c.persist(turn, TurnFailed, cause.Error()); err != nil {
			return turn, errors.Join(cause, err)
		}
	}
	if _, err := c.compact(ctx, ReasonOverflow); err != nil {
		err = fmt.Errorf("%w (compacting to make room failed: %v)", cause, err)
		if !ranTools {
			return turn, c.finish(ctx, turn, err)
		}
		return turn, err
	}
	if !ranTools {
		retry, err := c.o.Agent.RunMessage(ctx, c.history(), user, emit)
		return retry, c.finish(ctx, retry, err)
	}
	rest, err := c.o.Agent.RunMessage(ctx, c.history(), llm.UserText(continueNote), emit)
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

// prepare runs, before a turn, the memory turn once the soft threshold is
// crossed and the compaction once the request would not fit. Failures are
// logged: the turn then goes ahead and, if it overflows, compacts reactively.
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
	if next > usable {
		if _, err := c.compact(ctx, ReasonProactive); err != nil && ctx.Err() == nil {
			c.o.Log.Warn("proactive compaction failed", "session", c.sess.ID(), "err", err)
		}
	}
}

// estimateNext is the prompt size of the next request: the provider's
// report for the last call plus what was added since, or the estimate of
// every part when the provider reported nothing.
func (c *Conversation) estimateNext(user llm.Message) int {
	h := c.history()
	if reported := c.sess.t.LastContextTokens(); reported > 0 && len(h) > 0 {
		return reported + MessageTokens(h[len(h)-1]) + MessageTokens(user)
	}
	return c.breakdown().Estimated + MessageTokens(user)
}

// persist appends the turn's messages, the usage on the last one, and
// the commit record with its status. A new conversation whose first turn
// failed before any tool ran leaves no session behind.
func (c *Conversation) persist(turn *agent.Turn, status, why string) error {
	if turn == nil || len(turn.Messages) == 0 {
		return nil
	}
	if c.sess == nil && status != TurnAnswered && status != TurnLimit && len(turn.Messages) < 2 {
		return nil
	}
	if err := c.ensureSession(); err != nil {
		return err
	}
	now := c.o.Now().UTC()
	entries := make([]Entry, len(turn.Messages))
	for i := range turn.Messages {
		entries[i] = Entry{Type: TypeMessage, At: now, Message: &turn.Messages[i]}
	}
	last := &entries[len(entries)-1]
	u := turn.Usage
	last.Usage, last.ContextTokens, last.Model = &u, turn.ContextTokens, c.o.Label
	return c.sess.AppendTurn(now, status, why, entries...)
}

func (c *Conversation) ensureSession() error {
	if c.sess != nil {
		return nil
	}
	if c.o.Store == nil {
		return errors.New("session: no store to create the session in")
	}
	s, err := c.o.Store.Create(c.o.Label, c.o.Now())
	if err != nil {
		return err
	}
	c.sess = s
	return nil
}

// Context reports how the next request fills the window.
func (c *Conversation) Context() Breakdown {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.breakdown()
}

func (c *Conversation) breakdown() Breakdown {
	rest, mem := SplitSystem(c.o.Agent.SystemPrompt())
	h := c.history()
	b := Breakdown{
		System: MessageTokens(llm.UserText(rest)), Memory: MessageTokens(llm.UserText(mem)) - messageOverhead,
		History: MessagesTokens(h), Tools: ToolsTokens(c.o.Agent.ToolSpecs()),
		Window: c.o.ContextWindow, Reserve: c.o.ReserveTokens, Usable: c.usable(), Messages: len(h),
	}
	if mem == "" {
		b.Memory = 0
	}
	b.Estimated = b.System + b.Memory + b.History + b.Tools
	if c.sess != nil {
		b.Reported = c.sess.t.LastContextTokens()
		b.Compactions = c.sess.t.Cycle()
	}
	return b
}
