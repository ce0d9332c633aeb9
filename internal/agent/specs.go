package agent

import (
	"context"

	"github.com/localgpt-go/localgpt/internal/llm"
)

// ToolSpecs returns the tools the agent offers the model, as sent with
// every request; nil when it offers none. Sessions use it to account for
// the tokens the tool definitions take in the context window. It never
// waits: the tools of MCP servers still starting are not in it yet (their
// start begins here, and the turn waits for it, cancellably).
func (a *Agent) ToolSpecs() []llm.Tool {
	if a.opts.Tools == nil {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return a.opts.Tools.Specs(ctx)
}
