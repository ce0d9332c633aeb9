package anthropic

import (
	"encoding/json"
	"fmt"

	sdk "github.com/anthropics/anthropic-sdk-go"

	"github.com/localgpt-go/localgpt/internal/llm"
)

// buildParams turns a neutral request into Messages parameters: the system
// prompt top-level, tool results as tool_result blocks in a user turn
// (every tool_use answered: llm.PairToolCalls), consecutive messages of
// the same role merged (the API wants user and assistant to alternate),
// and max_tokens always set. The API has no seed (it is not sent) and no
// JSON output format (asking for one is an error).
func buildParams(req llm.Request) (sdk.MessageNewParams, error) {
	p := sdk.MessageNewParams{Model: sdk.Model(req.Model), MaxTokens: int64(req.MaxTokens)}
	if p.MaxTokens <= 0 {
		p.MaxTokens = DefaultMaxTokens
	}
	if req.Temperature != nil {
		p.Temperature = sdk.Float(*req.Temperature)
	}
	if req.TopP != nil {
		p.TopP = sdk.Float(*req.TopP)
	}
	p.StopSequences = req.Stop
	if req.ResponseFormat != nil {
		return p, fmt.Errorf("response_format %s is not supported by Anthropic's Messages API; "+
			"ask for JSON in the prompt, or describe the output as a tool", req.ResponseFormat.Type)
	}
	switch c := req.ToolChoice; c {
	case "", "auto":
	case "none":
		p.ToolChoice.OfNone = &sdk.ToolChoiceNoneParam{}
	case "required":
		p.ToolChoice.OfAny = &sdk.ToolChoiceAnyParam{}
	default:
		p.ToolChoice = sdk.ToolChoiceParamOfTool(c)
	}
	if req.System != "" {
		p.System = []sdk.TextBlockParam{{Text: req.System}}
	}
	for _, m := range llm.PairToolCalls(req.Messages) {
		role, blocks, err := convertMessage(m)
		if err != nil {
			return p, err
		}
		if len(blocks) == 0 {
			continue
		}
		if n := len(p.Messages); n > 0 && p.Messages[n-1].Role == role {
			p.Messages[n-1].Content = append(p.Messages[n-1].Content, blocks...)
			continue
		}
		p.Messages = append(p.Messages, sdk.MessageParam{Role: role, Content: blocks})
	}
	for _, t := range req.Tools {
		schema, err := inputSchema(t)
		if err != nil {
			return p, err
		}
		tp := &sdk.ToolParam{Name: t.Name, InputSchema: schema}
		if t.Description != "" {
			tp.Description = sdk.String(t.Description)
		}
		p.Tools = append(p.Tools, sdk.ToolUnionParam{OfTool: tp})
	}
	return p, nil
}

func convertMessage(m llm.Message) (sdk.MessageParamRole, []sdk.ContentBlockParamUnion, error) {
	var blocks []sdk.ContentBlockParamUnion
	for _, part := range m.Parts {
		switch part.Type {
		case llm.PartText:
			if part.Text != "" {
				blocks = append(blocks, sdk.NewTextBlock(part.Text))
			}
		case llm.PartReasoning:
			// Thinking goes back only with its signature, as the API requires.
			if m.Role == llm.RoleAssistant && part.Signature != "" {
				blocks = append(blocks, sdk.NewThinkingBlock(part.Signature, part.Text))
			}
		case llm.PartToolCall:
			if c := part.ToolCall; c != nil {
				var input any = map[string]any{}
				if len(c.Arguments) > 0 {
					if err := json.Unmarshal(c.Arguments, &input); err != nil {
						return "", nil, fmt.Errorf("tool call %s: arguments are not JSON: %w", c.ID, err)
					}
				}
				blocks = append(blocks, sdk.NewToolUseBlock(c.ID, input, c.Name))
			}
		case llm.PartToolResult:
			if r := part.ToolResult; r != nil {
				blocks = append(blocks, sdk.NewToolResultBlock(r.CallID, r.Content, r.IsError))
			}
		}
	}
	switch m.Role {
	case llm.RoleUser, llm.RoleTool:
		return sdk.MessageParamRoleUser, blocks, nil
	case llm.RoleAssistant:
		return sdk.MessageParamRoleAssistant, blocks, nil
	}
	return "", nil, fmt.Errorf("message role %q is not one of user, assistant, tool", m.Role)
}

// inputSchema splits a JSON Schema into the SDK's fields, keeping every
// other keyword (additionalProperties, $defs, …) as an extra field.
func inputSchema(t llm.Tool) (sdk.ToolInputSchemaParam, error) {
	s := sdk.ToolInputSchemaParam{Properties: map[string]any{}}
	if len(t.Parameters) == 0 {
		return s, nil
	}
	var m map[string]any
	if err := json.Unmarshal(t.Parameters, &m); err != nil {
		return s, fmt.Errorf("tool %s: parameters are not a JSON Schema object: %w", t.Name, err)
	}
	if props, ok := m["properties"]; ok {
		s.Properties = props
	}
	if req, ok := m["required"].([]any); ok {
		for _, r := range req {
			if name, ok := r.(string); ok {
				s.Required = append(s.Required, name)
			}
		}
	}
	for k, v := range m {
		switch k {
		case "type", "properties", "required":
		default:
			if s.ExtraFields == nil {
				s.ExtraFields = map[string]any{}
			}
			s.ExtraFields[k] = v
		}
	}
	return s, nil
}
