package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
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
	// Summary is the call in one line (the command, the file written).
	Summary string
	// Reason says why approval is needed, for the prompt.
	Reason string
	// Path is set when the request is about writing outside the workspace:
	// the resolved file that would be written.
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
// tools.require_approval, and writes outside the workspace and
// tools.allowed_paths, go through the Approver; "always" answers are
// remembered for the life of the Gate (one session).
type Gate struct {
	required map[string]bool
	approver Approver

	// mu serialises prompts (concurrent tool calls must not ask at once)
	// and guards the session grants below.
	mu    sync.Mutex
	tools map[string]bool
	dirs  []string
}

// NewGate returns a Gate for the tools that need approval. A nil approver
// means nothing can be asked, so those calls are refused.
func NewGate(requireApproval []string, approver Approver) *Gate {
	g := &Gate{required: map[string]bool{}, approver: approver, tools: map[string]bool{}}
	for _, name := range requireApproval {
		g.required[name] = true
	}
	return g
}

// Requires reports whether calls of tool need approval.
func (g *Gate) Requires(tool string) bool { return g.required[tool] }

// approvedKey marks a context whose call the user has just approved
// interactively, so the same call is not asked about twice.
type approvedKey struct{}

// approveTool asks about a call of a tool named in require_approval. It
// returns ctx, marked when the user answered for this very call.
func (g *Gate) approveTool(ctx context.Context, req Request) (context.Context, error) {
	if !g.required[req.Tool] {
		return ctx, nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.tools[req.Tool] {
		return ctx, nil
	}
	req.Reason = req.Tool + " is listed in tools.require_approval"
	d, err := g.ask(ctx, req, req.Tool+" needs approval", "removing it from tools.require_approval")
	if err != nil {
		return ctx, err
	}
	if d == AllowAlways {
		g.tools[req.Tool] = true
	}
	return context.WithValue(ctx, approvedKey{}, true), nil
}

// approveWrite asks about writing path (resolved, absolute), which is
// outside the workspace and the allowed paths.
func (g *Gate) approveWrite(ctx context.Context, req Request) error {
	if approved, _ := ctx.Value(approvedKey{}).(bool); approved {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if slices.ContainsFunc(g.dirs, func(d string) bool { return within(d, req.Path) }) {
		return nil
	}
	req.Reason = req.Path + " is outside the workspace"
	d, err := g.ask(ctx, req, req.Path+" is outside the workspace; writing there needs approval", "adding its folder to tools.allowed_paths")
	if err != nil {
		return err
	}
	if d == AllowAlways {
		g.dirs = append(g.dirs, filepath.Dir(req.Path))
	}
	return nil
}

// ask calls the approver. When nobody can be asked, the refusal says what
// needs approval (what) and how the user can allow it: the approver's way
// (UnavailableError.How, "--yes" by default) or the config change (fix).
// The caller holds g.mu.
func (g *Gate) ask(ctx context.Context, req Request, what, fix string) (Decision, error) {
	unavailable := func(how string) error {
		return &RefusedError{fmt.Sprintf("%s, which is not available in this mode; the user can allow it %s or by %s", what, how, fix)}
	}
	if g.approver == nil {
		return Deny, unavailable("with --yes")
	}
	d, err := g.approver.Approve(ctx, req)
	var ue *UnavailableError
	switch {
	case errors.As(err, &ue):
		return Deny, unavailable(ue.How)
	case errors.Is(err, ErrApprovalUnavailable):
		return Deny, unavailable("with --yes")
	case err != nil:
		return Deny, fmt.Errorf("could not ask the user to approve %s: %w", req.Tool, err)
	case d == AllowOnce || d == AllowAlways:
		return d, nil
	}
	return Deny, &RefusedError{fmt.Sprintf("the user declined to run %s: %s. Do not retry the same call; ask the user what to do instead", req.Tool, req.Summary)}
}
