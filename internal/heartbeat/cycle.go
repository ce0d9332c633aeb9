package heartbeat

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/localgpt-go/localgpt/internal/agent"
	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/fsutil"
	"github.com/localgpt-go/localgpt/internal/keylock"
	"github.com/localgpt-go/localgpt/internal/memory"
	"github.com/localgpt-go/localgpt/internal/secret"
	"github.com/localgpt-go/localgpt/internal/tools"
)

// ErrBusy is returned (wrapped) when a cycle is already running, in this
// process or another (the daemon and `localgpt daemon heartbeat`).
var ErrBusy = errors.New("a heartbeat cycle is already running")

// Options configure a Runner. The daemon fills them from the [heartbeat]
// section (daemon.NewHeartbeat).
type Options struct {
	// Paths gives the workspace (HEARTBEAT.md) and the state folder
	// (heartbeat.json and the cycle lock).
	Paths config.Paths
	// Location is the time zone of due times and of the day the token
	// budget counts (heartbeat.timezone); nil means local time.
	Location *time.Location
	// MaxTokensPerDay stops cycles for the rest of the day once their
	// tokens reach it; 0 means no limit.
	MaxTokensPerDay int
	// Timeout bounds one cycle's turn; 0 means no bound.
	Timeout time.Duration
	// AllowTools names the tools needing approval that cycles may use
	// anyway (heartbeat.allow_tools); nobody is there to approve others.
	AllowTools []string
	// NewAgent builds the agent of one cycle, whose tools run unattended
	// (tools.Options.Unattended: nobody watches) and ask approver before
	// anything that needs approval. Required.
	NewAgent func(ctx context.Context, approver tools.Approver) (Agent, error)
	// Memory receives each cycle's summary in today's daily log; nil
	// writes none.
	Memory DailyLog
	Log    *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Locks is the process's table of file locks (assistant.Root.Locks),
	// taken while HEARTBEAT.md is rewritten; nil takes none.
	Locks *keylock.Table
	// Secrets are masked in the summary written to the daily log and in
	// the error kept in state/heartbeat.json (which `daemon status`
	// shows). The daemon passes the process's masker; nil masks nothing.
	Secrets *secret.Masker
}

// Agent is the agent a cycle runs its turn with.
type Agent struct {
	*agent.Agent
	// Label names the model, as in "ollama/llama3.2".
	Label string
}

// DailyLog appends to today's daily log, returning its workspace-relative
// path (memory.Store does).
type DailyLog interface {
	AppendDaily(ctx context.Context, text string, now time.Time) (string, error)
}

// Runner runs heartbeat cycles. It is safe for concurrent use; cycles
// never overlap.
type Runner struct {
	o   Options
	loc *time.Location
	mu  sync.Mutex
}

// New returns a Runner for the configuration.
func New(o Options) (*Runner, error) {
	if o.NewAgent == nil {
		return nil, errors.New("heartbeat: Options.NewAgent is required")
	}
	loc := o.Location
	if loc == nil {
		loc = time.Local
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Secrets == nil {
		o.Secrets = secret.New()
	}
	return &Runner{o: o, loc: loc}, nil
}

// Result is what one cycle did.
type Result struct {
	Outcome Outcome `json:"outcome"`
	// Skipped is true when no model was called.
	Skipped bool `json:"skipped"`
	// Reason says why the cycle skipped or stopped, for people.
	Reason string `json:"reason,omitempty"`
	// Due are the tasks that were due.
	Due []Task `json:"due"`
	// Summary is what the model reported having done ("" for HEARTBEAT_OK).
	Summary string `json:"summary,omitempty"`
	// DailyLog is the workspace-relative log the summary was appended to.
	DailyLog string `json:"daily_log,omitempty"`
	Model    string `json:"model,omitempty"`
	Tokens   int    `json:"tokens"`
	// TokensToday counts every cycle of the day, this one included.
	TokensToday int           `json:"tokens_today"`
	Started     time.Time     `json:"started"`
	Duration    time.Duration `json:"duration_ns"`
}

// HeartbeatFile returns the path of HEARTBEAT.md.
func (r *Runner) HeartbeatFile() string {
	return filepath.Join(r.o.Paths.Workspace, memory.HeartbeatFile)
}

// Cycle runs one cycle now, whatever the schedule says. When nothing is
// due and HEARTBEAT.md has not changed since the last cycle it returns at
// once with outcome OK and Skipped set, without building a provider. A
// cycle that fails returns its Result (outcome Failed or Interrupted) and
// the error; ErrBusy means another cycle is running.
func (r *Runner) Cycle(ctx context.Context) (*Result, error) {
	if !r.mu.TryLock() {
		return nil, ErrBusy
	}
	defer r.mu.Unlock()
	lock, err := keylock.TryLockFile(filepath.Join(r.o.Paths.State, LockFile))
	if errors.Is(err, keylock.ErrLocked) {
		return nil, fmt.Errorf("%w (another localgpt process holds %s)", ErrBusy, filepath.Join(r.o.Paths.State, LockFile))
	}
	if err != nil {
		return nil, fmt.Errorf("heartbeat: %w", err)
	}
	defer lock.Unlock()

	dir := r.o.Paths.State
	st, err := LoadState(dir)
	if err != nil {
		r.o.Log.Warn("heartbeat: starting with a fresh state", "err", err)
		st = State{}
	}
	now := r.o.Now()
	day := now.In(r.loc).Format(time.DateOnly)
	data, err := fsutil.ReadFileWithin(r.o.Paths.Workspace, memory.HeartbeatFile)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("heartbeat: read %s: %w; the heartbeat follows a link only to a file of the workspace", r.HeartbeatFile(), err)
	}
	hash := hashOf(data)
	f := Parse(string(data), r.loc)
	due := Due(f, now, r.loc, st.Ran)
	// The first cycle has nothing to compare with: only due tasks count.
	changed := st.FileHash != "" && hash != st.FileHash
	res := &Result{Started: now, Due: nonNil(due)}
	st.Cycles++
	st.LastRun = now
	finish := func(o Outcome) {
		res.Outcome = o
		res.TokensToday = st.TokensOn(day)
		res.Duration = r.o.Now().Sub(now)
		st.LastOutcome = o
		st.LastSkipped = res.Skipped
		st.LastTokens = res.Tokens
		if serr := st.save(dir); serr != nil {
			r.o.Log.Error("heartbeat: state not saved", "err", serr)
		}
	}

	if len(due) == 0 && (!changed || (len(f.Pending()) == 0 && len(f.Problems) == 0)) {
		res.Skipped = true
		res.Reason = "nothing is due and HEARTBEAT.md has not changed"
		if changed {
			res.Reason = "HEARTBEAT.md has no pending tasks"
		}
		st.FileHash, st.Failures, st.LastError = hash, 0, ""
		st.Ran = pruneRan(st.Ran, f)
		finish(OK)
		r.o.Log.Info("heartbeat: skipped, no model called", "reason", res.Reason)
		return res, nil
	}
	if limit := r.o.MaxTokensPerDay; limit > 0 && st.TokensOn(day) >= limit {
		res.Skipped = true
		res.Reason = fmt.Sprintf("heartbeat.max_tokens_per_day (%d) is spent for %s; cycles resume tomorrow", limit, day)
		if st.BudgetWarned != day {
			st.BudgetWarned = day
			r.o.Log.Warn("heartbeat: daily token budget spent; no more cycles today",
				"tokens_today", st.TokensOn(day), "max_tokens_per_day", limit, "due", len(due))
		}
		finish(BudgetExhausted)
		return res, nil
	}

	summaryText, err := r.runTurn(ctx, f, data, due, changed, now, day, &st, res)
	if err != nil {
		outcome := Failed
		if ctx.Err() != nil {
			outcome = Interrupted
		} else {
			st.Failures++
		}
		st.LastError = r.o.Secrets.Mask(err.Error())
		finish(outcome)
		r.o.Log.Error("heartbeat: cycle failed", "outcome", outcome, "failures", st.Failures, "err", err)
		return res, err
	}
	res.Summary = summaryText
	if st.Ran == nil {
		st.Ran = map[string]time.Time{}
	}
	for _, t := range due {
		st.Ran[t.Key()] = now
	}
	after, err := r.completeTasks(ctx, due, now)
	if err != nil {
		r.o.Log.Warn("heartbeat: finished tasks not moved to Completed", "err", err)
	}
	if err == nil || errors.Is(err, os.ErrNotExist) {
		st.FileHash = hashOf(after) // our own edit is not a change
		st.Ran = pruneRan(st.Ran, Parse(string(after), r.loc))
	}
	st.Failures, st.LastError, st.LastSummary = 0, "", summaryText
	outcome := OK
	if summaryText != "" {
		outcome = Done
	}
	finish(outcome)
	r.o.Log.Info("heartbeat: cycle done", "outcome", outcome, "due", len(due), "tokens", res.Tokens,
		"tokens_today", res.TokensToday, "model", res.Model)
	return res, nil
}

// runTurn runs the agent turn of a cycle and appends its summary to the
// daily log. Tokens are recorded in st even when the turn fails.
func (r *Runner) runTurn(ctx context.Context, f *File, data []byte, due []Task, changed bool, now time.Time, day string, st *State, res *Result) (string, error) {
	cctx, cancel := ctx, context.CancelFunc(func() {})
	if r.o.Timeout > 0 {
		cctx, cancel = context.WithTimeout(ctx, r.o.Timeout)
	}
	defer cancel()
	as, err := r.o.NewAgent(cctx, approver(r.o.AllowTools))
	if err != nil {
		return "", fmt.Errorf("heartbeat: prepare the model: %w", err)
	}
	res.Model = as.Label
	st.ModelCycles++
	prompt := buildPrompt(string(data), due, changed, f.Problems, now.In(r.loc))
	turn, err := as.Agent.Run(cctx, nil, prompt, nil)
	if turn != nil {
		res.Tokens = turn.Usage.TotalTokens
		st.addTokens(day, res.Tokens)
	}
	if err != nil {
		if errors.Is(cctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
			return "", fmt.Errorf("heartbeat: the cycle took longer than heartbeat.timeout (%s) and was cancelled; raise the timeout or split the task: %w", r.o.Timeout, err)
		}
		return "", fmt.Errorf("heartbeat: the model turn failed: %w", err)
	}
	text := r.o.Secrets.Mask(summary(turn.Text))
	if text != "" && r.o.Memory != nil {
		titles := make([]string, len(due))
		for i, t := range due {
			titles[i] = t.Title
		}
		entry := "Heartbeat"
		if len(titles) > 0 {
			entry += " (" + strings.Join(titles, "; ") + ")"
		}
		rel, err := r.o.Memory.AppendDaily(ctx, entry+": "+text, now.In(r.loc))
		if err != nil {
			r.o.Log.Warn("heartbeat: summary not written to the daily log", "err", err)
		}
		res.DailyLog = rel
	}
	return text, nil
}

// completeTasks moves the one-time tasks the cycle handled to
// "## Completed" in HEARTBEAT.md (re-read now, so the user's edits during
// the cycle are kept) and returns the file as it now is. It holds the
// file's lock of the process's table, as edit_file does, so that an edit
// from a chat of the same daemon is never lost between read and write.
func (r *Runner) completeTasks(ctx context.Context, due []Task, now time.Time) ([]byte, error) {
	// Exactly the file read (a link only within the workspace): this
	// write is LocalGPT's own, unasked, so it must not follow a link the
	// cycle's command may have put in HEARTBEAT.md's place since.
	path, err := fsutil.ResolveWithin(r.o.Paths.Workspace, memory.HeartbeatFile)
	if err != nil {
		return nil, err
	}
	if r.o.Locks != nil {
		unlock, err := r.o.Locks.Lock(ctx, path) // the key the file tools use: the real path
		if err != nil {
			return nil, err
		}
		defer unlock()
	}
	data, err := fsutil.ReadFileExact(path)
	if err != nil {
		return nil, err
	}
	updated, changed := CompleteTasks(string(data), due, now, r.loc)
	if !changed {
		return data, nil
	}
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	if err := fsutil.WriteAtomicExact(path, []byte(updated), mode); err != nil {
		return data, fmt.Errorf("heartbeat: update %s: %w", path, err)
	}
	return []byte(updated), nil
}

// approver lets the heartbeat use the tools heartbeat.allow_tools names
// (and their writes outside the workspace); every other approval is
// refused, as nobody is there to ask, with advice that fits the
// heartbeat. Control files, dot-folders and credentials are never
// allowed: a task the model read somewhere must not become a task of the
// next cycle, nor reach the user's keys.
func approver(allowed []string) tools.Approver {
	return tools.ApproverFunc(func(_ context.Context, req tools.Request) (tools.Decision, error) {
		for _, c := range req.Concerns {
			if c != tools.ConcernTool && c != tools.ConcernOutside {
				return tools.Deny, &tools.UnavailableError{How: "in an interactive chat only; heartbeat cycles never get it"}
			}
		}
		if slices.Contains(allowed, req.Tool) {
			return tools.AllowOnce, nil
		}
		return tools.Deny, &tools.UnavailableError{How: "by adding " + req.Tool + " to heartbeat.allow_tools"}
	})
}

// pruneRan forgets tasks no longer in the file.
func pruneRan(ran map[string]time.Time, f *File) map[string]time.Time {
	if len(ran) == 0 {
		return ran
	}
	keep := make(map[string]bool, len(f.Tasks))
	for _, t := range f.Tasks {
		keep[t.Key()] = true
	}
	for k := range ran {
		if !keep[k] {
			delete(ran, k)
		}
	}
	return ran
}

func hashOf(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
