package session

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/localgpt-go/localgpt/internal/agent"
	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/tokens"
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
	// the answer (at most a quarter of the window, see tokens.Usable).
	// Compaction runs when a request would pass the difference.
	ContextWindow, ReserveTokens int
	// Tokens calibrates the estimate for this model (keyed by Label) with
	// the prompt tokens the provider reports; nil leaves it uncorrected.
	Tokens *tokens.Calibration
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
	turn, err := c.run(ctx, user, emit)
	if err != nil && llm.IsContextOverflow(err) && ctx.Err() == nil && c.sess != nil {
		return c.retryAfterOverflow(ctx, user, turn, err, emit)
	}
	return turn, c.finish(ctx, turn, err)
}

// run runs one agent turn on the current history and learns from the
// provider's count of its last request (see observe).
func (c *Conversation) run(ctx context.Context, user llm.Message, emit func(agent.Event)) (*agent.Turn, error) {
	history := c.history()
	fixed := c.fixedTokens()
	turn, err := c.o.Agent.RunMessage(ctx, history, user, emit)
	c.observe(fixed, history, turn)
	return turn, err
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

// persist appends the turn's messages, the usage on the last one, and
// the commit record with its status. A cancelled or failed turn keeps the
// answer text the user saw stream in, as an assistant message: the next
// turn's model sees what the user saw. A new conversation whose first
// turn failed before it ran a tool or streamed any text leaves no session
// behind.
func (c *Conversation) persist(turn *agent.Turn, status, why string) error {
	if turn == nil || len(turn.Messages) == 0 {
		return nil
	}
	msgs := turn.Messages
	if (status == TurnCancelled || status == TurnFailed) && strings.TrimSpace(turn.Partial) != "" {
		msgs = append(msgs[:len(msgs):len(msgs)], llm.AssistantText(turn.Partial))
	}
	if c.sess == nil && status != TurnAnswered && status != TurnLimit && len(msgs) < 2 {
		return nil
	}
	if err := c.ensureSession(); err != nil {
		return err
	}
	now := c.o.Now().UTC()
	entries := make([]Entry, len(msgs))
	for i := range msgs {
		entries[i] = Entry{Type: TypeMessage, At: now, Message: &msgs[i]}
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
