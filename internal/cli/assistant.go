package cli

import (
	"context"
	"errors"
	"strings"

	"github.com/localgpt-go/localgpt/internal/assistant"
	"github.com/localgpt-go/localgpt/internal/tools"
)

// assistantOptions are the flags ask and chat share.
type assistantOptions struct {
	noTools, noMemory, yes bool
	// confirm asks the user a question (chat on a terminal); nil when
	// nobody can be asked, so calls needing approval are refused.
	confirm func(reason, question string) (string, error)
}

// openAssistant builds the agent for ask and chat from the loaded config.
func (a *app) openAssistant(ctx context.Context, o assistantOptions) (*assistant.Assistant, error) {
	var approver tools.Approver
	switch {
	case o.yes:
		approver = tools.AllowAll{}
	case o.confirm != nil:
		approver = confirmApprover(o.confirm)
	}
	as, err := a.root.Open(ctx, assistant.Options{NoTools: o.noTools, NoMemory: o.noMemory, Approver: approver})
	if err != nil {
		return nil, err
	}
	_, warnings := as.Skills.Load()
	a.warnSkills(warnings)
	return as, nil
}

// confirmApprover asks y / n / a(lways) for each call that needs approval.
func confirmApprover(confirm func(reason, question string) (string, error)) tools.Approver {
	return tools.ApproverFunc(func(ctx context.Context, req tools.Request) (tools.Decision, error) {
		if err := ctx.Err(); err != nil {
			return tools.Deny, err // the turn is over: no prompt
		}
		// The prompt shows the model's arguments, whole and sanitized.
		what, block := approvalText(req.Tool, callText(req))
		reason := req.Reason
		if block != "" {
			reason = strings.TrimLeft(reason+"\n"+block, "\n")
		}
		answer, err := confirm(reason, "Allow "+what+"?")
		switch {
		case errors.Is(err, context.Canceled):
			return tools.Deny, err // Ctrl-C: the turn is being cancelled
		case err != nil:
			return tools.Deny, tools.ErrApprovalUnavailable
		}
		switch strings.ToLower(strings.TrimSpace(answer)) {
		case "y", "yes":
			return tools.AllowOnce, nil
		case "a", "always":
			return tools.AllowAlways, nil
		}
		return tools.Deny, nil
	})
}
