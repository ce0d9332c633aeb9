package agent

import (
	"context"

	"github.com/localgpt-go/localgpt/internal/llm"
)

// ToolSpecs returns the tools the agent offers the model, as sent with
// every request; nil when it offers none. Sessions use it to account for
// the tokens the tool definitions take in the context window.
func (a *Agent) ToolSpecs() []llm.Tool {
	if a.opts.Tools == nil {
		return nil
	}
	return a.opts.Tools.Specs(context.Background())
}
