package openai

import (
	"encoding/json"

	sdk "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/shared"

	"github.com/localgpt-go/localgpt/internal/llm"
)

// buildParams turns a neutral request into Chat Completions parameters:
// the system prompt first, one "tool" message per tool result (every call
// answered: llm.PairToolCalls), usage
// requested in the stream, and for reasoning models max_completion_tokens
// without temperature.
func buildParams(req llm.Request) (sdk.ChatCompletionNewParams, error) {
	p := sdk.ChatCompletionNewParams{Model: shared.ChatModel(req.Model)}
	p.StreamOptions.IncludeUsage = sdk.Bool(true)
	reasoning := llm.IsReasoningModel(req.Model)
	if req.MaxTokens > 0 {
		if reasoning {
			p.MaxCompletionTokens = sdk.Int(int64(req.MaxTokens))
		} else {
			p.MaxTokens = sdk.Int(int64(req.MaxTokens))
		}
	}
	if req.Temperature != nil && !reasoning {
		p.Temperature = sdk.Float(*req.Temperature)
	}
	if req.TopP != nil && !reasoning {
		p.TopP = sdk.Float(*req.TopP)
	}
	if len(req.Stop) > 0 {
		p.Stop.OfStringArray = req.Stop
	}
	if req.Seed != nil {
		p.Seed = sdk.Int(*req.Seed)
	}
	if err := setResponseFormat(&p, req.ResponseFormat); err != nil {
		return p, err
	}
	switch c := req.ToolChoice; c {
	case "", "auto":
	case "none", "required":
		p.ToolChoice.OfAuto = sdk.String(c)
	default:
		p.ToolChoice.OfFunctionToolChoice = &sdk.ChatCompletionNamedToolChoiceParam{
			Function: sdk.ChatCompletionNamedToolChoiceFunctionParam{Name: c}}
	}
	if req.System != "" {
		p.Messages = append(p.Messages, sdk.SystemMessage(req.System))
	}
	for _, m := range llm.PairToolCalls(req.Messages) {
		msgs, err := convertMessage(m)
		if err != nil {
			return p, err
		}
		p.Messages = append(p.Messages, msgs...)
	}
	for _, t := range req.Tools {
		fd := shared.FunctionDefinitionParam{Name: t.Name}
		if t.Description != "" {
			fd.Description = sdk.String(t.Description)
		}
		params := shared.FunctionParameters{"type": "object", "properties": map[string]any{}}
		if len(t.Parameters) > 0 {
			params = nil
			if err := json.Unmarshal(t.Parameters, &params); err != nil {
				return p, errorf("tool %s: parameters are not a JSON Schema object: %w", t.Name, err)
			}
		}
		fd.Parameters = params
		p.Tools = append(p.Tools, sdk.ChatCompletionFunctionTool(fd))
	}
	return p, nil
}

// setResponseFormat passes a JSON output format through as
// response_format.
func setResponseFormat(p *sdk.ChatCompletionNewParams, f *llm.ResponseFormat) error {
	switch {
	case f == nil:
		return nil
	case f.Type == llm.FormatJSONObject:
		p.ResponseFormat.OfJSONObject = &shared.ResponseFormatJSONObjectParam{}
		return nil
	case f.Type == llm.FormatJSONSchema:
		js := shared.ResponseFormatJSONSchemaJSONSchemaParam{Name: f.Name}
		if f.Description != "" {
			js.Description = sdk.String(f.Description)
		}
		if f.Strict {
			js.Strict = sdk.Bool(true)
		}
		if len(f.Schema) > 0 {
			var schema map[string]any
			if err := json.Unmarshal(f.Schema, &schema); err != nil {
				return errorf("response_format: the schema is not a JSON object: %w", err)
			}
			js.Schema = schema
		}
		p.ResponseFormat.OfJSONSchema = &shared.ResponseFormatJSONSchemaParam{JSONSchema: js}
		return nil
	}
	return errorf("response_format type %q is not json_object or json_schema", f.Type)
}

func convertMessage(m llm.Message) ([]sdk.ChatCompletionMessageParamUnion, error) {
	switch m.Role {
	case llm.RoleUser:
		return []sdk.ChatCompletionMessageParamUnion{sdk.UserMessage(m.Text())}, nil
	case llm.RoleTool:
		var out []sdk.ChatCompletionMessageParamUnion
		for _, part := range m.Parts {
			if r := part.ToolResult; part.Type == llm.PartToolResult && r != nil {
				out = append(out, sdk.ToolMessage(r.Content, r.CallID))
			}
		}
		return out, nil
	case llm.RoleAssistant:
		a := sdk.ChatCompletionAssistantMessageParam{}
		if text := m.Text(); text != "" {
			a.Content.OfString = sdk.String(text)
		}
		for _, c := range m.ToolCalls() {
			args := string(c.Arguments)
			if args == "" {
				args = "{}"
			}
			a.ToolCalls = append(a.ToolCalls, sdk.ChatCompletionMessageToolCallUnionParam{
				OfFunction: &sdk.ChatCompletionMessageFunctionToolCallParam{
					ID:       c.ID,
					Function: sdk.ChatCompletionMessageFunctionToolCallFunctionParam{Name: c.Name, Arguments: args},
				},
			})
		}
		return []sdk.ChatCompletionMessageParamUnion{{OfAssistant: &a}}, nil
	}
	return nil, errorf("message role %q is not one of user, assistant, tool", m.Role)
}
