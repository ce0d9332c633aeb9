package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Decision is the user's answer to an approval request.
type Decision int

const (
	// Deny refuses this call.
	Deny Decision = iota
	// AllowOnce runs this call only.
	AllowOnce
	// AllowAlways runs this call and every later one of the same kind in
	// this session: the same tool, or writes to the same folder.
	AllowAlways
)

// String names the decision.
func (d Decision) String() string {
	switch d {
	case AllowOnce:
		return "allow once"
	case AllowAlways:
		return "allow always"
	}
	return "deny"
}

// Request asks the user whether one tool call may run.
type Request struct {
	// Tool is the name of the tool being called.
	Tool string
	// Summary is the call as the user judges it: the command, the file
	// written, an MCP tool's whole arguments. It is never cut (a payload
	// could hide past the cut); the front end decides how to show a long
	// one (the CLI prints it whole above its prompt).
	Summary string
	// Reason says why approval is needed, for the prompt.
	Reason string
	// Concerns are the reasons as kinds, for front ends that word their
	// prompt after them and for approvers that allow some kinds only.
	Concerns []Concern
	// Path is set when the request is about a file: the resolved file
	// that would be written or read.
	Path string
	// Args are the call's raw JSON arguments.
	Args json.RawMessage
}

// Approver asks the user. Front ends implement it: chat prompts y / n /
// always; ask and the daemon pass nil (nothing can be asked) or AllowAll
// (--yes). An Approver may be called from several goroutines, but the Gate
// never has two requests outstanding at once.
type Approver interface {
	Approve(ctx context.Context, req Request) (Decision, error)
}

// ApproverFunc adapts a function to Approver.
type ApproverFunc func(ctx context.Context, req Request) (Decision, error)

// Approve calls f.
func (f ApproverFunc) Approve(ctx context.Context, req Request) (Decision, error) { return f(ctx, req) }

// AllowAll approves everything: what --yes means.
type AllowAll struct{}

// Approve returns AllowOnce.
func (AllowAll) Approve(context.Context, Request) (Decision, error) { return AllowOnce, nil }

// ErrApprovalUnavailable is returned by an Approver that cannot ask (for
// example when standard input is not a terminal); the call is refused
// with advice on how to allow it.
var ErrApprovalUnavailable = errors.New("approval is not available in this mode")

// UnavailableError is ErrApprovalUnavailable with the way the user can
// allow such calls in this mode, such as "by adding it to heartbeat.allow_tools".
type UnavailableError struct{ How string }

func (e *UnavailableError) Error() string { return ErrApprovalUnavailable.Error() }

// Is makes errors.Is(err, ErrApprovalUnavailable) hold.
func (e *UnavailableError) Is(target error) bool { return target == ErrApprovalUnavailable }

// RefusedError is a call the user or the policy did not allow. Its
// message is written for the model.
type RefusedError struct{ Msg string }

func (e *RefusedError) Error() string { return e.Msg }

// Gate decides whether calls run: the tools named in
// tools.require_approval, and the path accesses the PathPolicy flags
// (writes outside the workspace, to dot-paths and control files; reads of
// credentials), go through the Approver; "always" answers are remembered
// for the life of the Gate (one session). Prompts are asked one at a time,
// and a cancelled call is never asked about.
type Gate struct {
	required map[string]bool
	approver Approver

	// turn is held while asking (concurrent tool calls must not prompt at
	// once); a channel, so that waiting for it honours cancellation.
	turn chan struct{}
	// mu guards the session grants below.
	mu     sync.Mutex
	tools  map[string]bool
	grants map[Concern][]string
}

// NewGate returns a Gate for the tools that need approval. A nil approver
// means nothing can be asked, so those calls are refused.
func NewGate(requireApproval []string, approver Approver) *Gate {
	g := &Gate{required: map[string]bool{}, approver: approver, tools: map[string]bool{},
		grants: map[Concern][]string{}, turn: make(chan struct{}, 1)}
	for _, name := range requireApproval {
		g.required[name] = true
	}
	return g
}

// Requires reports whether calls of tool need approval.
func (g *Gate) Requires(tool string) bool { return g.required[tool] }

// approvedKey marks a context whose call the user has just approved
// interactively, so that the call is not asked about twice for writing
// outside the workspace (the prompt showed the file).
type approvedKey struct{}

// approveTool asks about a call of a tool named in require_approval. It
// returns ctx, marked when the user answered for this very call.
func (g *Gate) approveTool(ctx context.Context, req Request) (context.Context, error) {
	if !g.required[req.Tool] {
		return ctx, nil
	}
	unlock, err := g.take(ctx, req)
	if err != nil {
		return ctx, err
	}
	defer unlock()
	if g.toolGranted(req.Tool) {
		return ctx, nil
	}
	req.Reason = req.Tool + " is listed in tools.require_approval"
	req.Concerns = []Concern{ConcernTool}
	d, err := g.ask(ctx, req, req.Tool+" needs approval", "removing it from tools.require_approval")
	if err != nil {
		return ctx, err
	}
	if d == AllowAlways {
		g.mu.Lock()
		g.tools[req.Tool] = true
		g.mu.Unlock()
	}
	return context.WithValue(ctx, approvedKey{}, true), nil
}

// approvePath asks about a path access with the needs the policy found
// (none: allowed). An "always" answer covers each need's grant (the
// folder, the dot-folder, the control file) for the rest of the session.
func (g *Gate) approvePath(ctx context.Context, req Request, v verdict) error {
	if v.never != "" {
		return &RefusedError{v.never}
	}
	if g == nil {
		g = NewGate(nil, nil) // nobody to ask: needs are refused
	}
	if approved, _ := ctx.Value(approvedKey{}).(bool); approved {
		v.needs = slices.DeleteFunc(slices.Clone(v.needs), func(n need) bool { return n.concern == ConcernOutside })
	}
	if len(g.pending(v.needs)) == 0 {
		return nil
	}
	unlock, err := g.take(ctx, req)
	if err != nil {
		return err
	}
	defer unlock()
	needs := g.pending(v.needs) // another call may have been granted "always" meanwhile
	if len(needs) == 0 {
		return nil
	}
	reasons := make([]string, len(needs))
	req.Concerns = make([]Concern, len(needs))
	for i, n := range needs {
		reasons[i], req.Concerns[i] = n.reason, n.concern
	}
	req.Reason = strings.Join(reasons, "; ")
	d, err := g.ask(ctx, req, req.Reason+"; this needs approval", fixFor(needs))
	if err != nil {
		return err
	}
	if d == AllowAlways {
		g.mu.Lock()
		for _, n := range needs {
			g.grants[n.concern] = append(g.grants[n.concern], n.grant)
		}
		g.mu.Unlock()
	}
	return nil
}

// fixFor says which setting lets such calls through without asking, for
// the refusal message; "" when none does (only an approval can).
func fixFor(needs []need) string {
	for _, n := range needs {
		if n.concern != ConcernOutside {
			return ""
		}
	}
	return "adding its folder to tools.allowed_paths"
}

// pending returns the needs no "always" answer covers yet.
func (g *Gate) pending(needs []need) []need {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []need
	for _, n := range needs {
		target := n.grant
		if !slices.ContainsFunc(g.grants[n.concern], func(d string) bool { return within(fold(d), fold(target)) }) {
			out = append(out, n)
		}
	}
	return out
}

func (g *Gate) toolGranted(tool string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.tools[tool]
}

// take waits for the turn to ask, or for ctx to end: a call cancelled
// while another is being asked about (Ctrl-C at that prompt) is refused
// without a prompt of its own.
func (g *Gate) take(ctx context.Context, req Request) (func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, cancelled(req, err)
	}
	select {
	case g.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, cancelled(req, ctx.Err())
	}
	if err := ctx.Err(); err != nil {
		<-g.turn
		return nil, cancelled(req, err)
	}
	return func() { <-g.turn }, nil
}

// cancelled is the refusal of a call whose turn was cancelled.
func cancelled(req Request, err error) error {
	return fmt.Errorf("%s was not run: the turn was cancelled: %w", req.Tool, err)
}

// ask calls the approver. When nobody can be asked, the refusal says what
// needs approval (what) and how the user can allow it: the approver's way
// (UnavailableError.How, "--yes" by default) or the config change (fix).
// The caller holds the turn.
func (g *Gate) ask(ctx context.Context, req Request, what, fix string) (Decision, error) {
	unavailable := func(how string) error {
		msg := fmt.Sprintf("%s, which is not available in this mode; the user can allow it %s", what, how)
		if fix != "" {
			msg += " or by " + fix
		}
		return &RefusedError{msg}
	}
	if g.approver == nil { // the daemon's API, mcp serve: nobody here can answer
		return Deny, unavailable("in `localgpt chat`, or with `localgpt ask --yes`,")
	}
	d, err := g.approver.Approve(ctx, req)
	var ue *UnavailableError
	switch {
	case ctx.Err() != nil:
		return Deny, cancelled(req, ctx.Err())
	case errors.As(err, &ue):
		return Deny, unavailable(ue.How)
	case errors.Is(err, ErrApprovalUnavailable):
		return Deny, unavailable("with --yes")
	case errors.Is(err, context.Canceled):
		return Deny, cancelled(req, err)
	case err != nil:
		return Deny, fmt.Errorf("could not ask the user to approve %s: %w", req.Tool, err)
	case d == AllowOnce || d == AllowAlways:
		return d, nil
	}
	return Deny, &RefusedError{fmt.Sprintf("the user declined to run %s: %s. Do not retry the same call; ask the user what to do instead", req.Tool, truncateMiddle(req.Summary, 300))}
}
