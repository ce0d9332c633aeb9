package anthropic

import (
	"encoding/json"
	"fmt"

	"github.com/localgpt-go/localgpt/internal/llm"
)

// messageRequest is the body of POST /v1/messages: the fields LocalGPT
// sets, under the API's names.
type messageRequest struct {
	Model         string      `json:"model"`
	MaxTokens     int64       `json:"max_tokens"`
	Messages      []message   `json:"messages"`
	System        []textBlock `json:"system,omitempty"`
	Temperature   *float64    `json:"temperature,omitempty"`
	TopP          *float64    `json:"top_p,omitempty"`
	StopSequences []string    `json:"stop_sequences,omitzero"`
	ToolChoice    *toolChoice `json:"tool_choice,omitempty"`
	Tools         []tool      `json:"tools,omitempty"`
	Stream        bool        `json:"stream,omitempty"`
}

// message is one turn; its content is a list of the blocks below.
type message struct {
	Role    string `json:"role"`
	Content []any  `json:"content"`
}

type textBlock struct {
	Type string `json:"type"` // "text"
	Text string `json:"text"`
}

type thinkingBlock struct {
	Type      string `json:"type"` // "thinking"
	Thinking  string `json:"thinking"`
	Signature string `json:"signature"`
}

type toolUseBlock struct {
	Type  string `json:"type"` // "tool_use"
	ID    string `json:"id"`
	Name  string `json:"name"`
	Input any    `json:"input"`
}

type toolResultBlock struct {
	Type      string      `json:"type"` // "tool_result"
	ToolUseID string      `json:"tool_use_id"`
	IsError   bool        `json:"is_error"`
	Content   []textBlock `json:"content"`
}

type toolChoice struct {
	Type string `json:"type"` // "none", "any" or "tool"
	Name string `json:"name,omitempty"`
}

type tool struct {
	Name        string         `json:"name"`
	Description string         `json:"description,omitempty"`
	InputSchema map[string]any `json:"input_schema"`
}

// buildParams turns a neutral request into Messages parameters: the system
// prompt top-level, tool results as tool_result blocks in a user turn
// (every tool_use answered: llm.PairToolCalls), consecutive messages of
// the same role merged (the API wants user and assistant to alternate),
// and max_tokens always set. The API has no seed (it is not sent) and no
// JSON output format (asking for one is an error).
func buildParams(req llm.Request) (messageRequest, error) {
	p := messageRequest{Model: req.Model, MaxTokens: int64(req.MaxTokens), Messages: []message{},
		Temperature: req.Temperature, TopP: req.TopP, StopSequences: req.Stop}
	if p.MaxTokens <= 0 {
		p.MaxTokens = DefaultMaxTokens
	}
	if req.ResponseFormat != nil {
		return p, fmt.Errorf("response_format %s is not supported by Anthropic's Messages API; "+
			"ask for JSON in the prompt, or describe the output as a tool", req.ResponseFormat.Type)
	}
	switch c := req.ToolChoice; c {
	case "", "auto":
	case "none":
		p.ToolChoice = &toolChoice{Type: "none"}
	case "required":
		p.ToolChoice = &toolChoice{Type: "any"}
	default:
		p.ToolChoice = &toolChoice{Type: "tool", Name: c}
	}
	if req.System != "" {
		p.System = []textBlock{{Type: "text", Text: req.System}}
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
		p.Messages = append(p.Messages, message{Role: role, Content: blocks})
	}
	for _, t := range req.Tools {
		schema, err := inputSchema(t)
		if err != nil {
			return p, err
		}
		p.Tools = append(p.Tools, tool{Name: t.Name, Description: t.Description, InputSchema: schema})
	}
	return p, nil
}

func convertMessage(m llm.Message) (string, []any, error) {
	var blocks []any
	for _, part := range m.Parts {
		switch part.Type {
		case llm.PartText:
			if part.Text != "" {
				blocks = append(blocks, textBlock{Type: "text", Text: part.Text})
			}
		case llm.PartReasoning:
			// Thinking goes back only with its signature, as the API requires.
			if m.Role == llm.RoleAssistant && part.Signature != "" {
				blocks = append(blocks, thinkingBlock{Type: "thinking", Thinking: part.Text, Signature: part.Signature})
			}
		case llm.PartToolCall:
			if c := part.ToolCall; c != nil {
				var input any = map[string]any{}
				if len(c.Arguments) > 0 {
					if err := json.Unmarshal(c.Arguments, &input); err != nil {
						return "", nil, fmt.Errorf("tool call %s: arguments are not JSON: %w", c.ID, err)
					}
				}
				blocks = append(blocks, toolUseBlock{Type: "tool_use", ID: c.ID, Name: c.Name, Input: input})
			}
		case llm.PartToolResult:
			if r := part.ToolResult; r != nil {
				blocks = append(blocks, toolResultBlock{Type: "tool_result", ToolUseID: r.CallID, IsError: r.IsError,
					Content: []textBlock{{Type: "text", Text: r.Content}}})
			}
		}
	}
	switch m.Role {
	case llm.RoleUser, llm.RoleTool:
		return "user", blocks, nil
	case llm.RoleAssistant:
		return "assistant", blocks, nil
	}
	return "", nil, fmt.Errorf("message role %q is not one of user, assistant, tool", m.Role)
}

// inputSchema is a tool's JSON Schema as input_schema: always of type
// object, with properties ({} when there are none), the names in required
// and every other keyword (additionalProperties, $defs, …) as it is.
func inputSchema(t llm.Tool) (map[string]any, error) {
	s := map[string]any{"type": "object", "properties": map[string]any{}}
	if len(t.Parameters) == 0 {
		return s, nil
	}
	var m map[string]any
	if err := json.Unmarshal(t.Parameters, &m); err != nil {
		return nil, fmt.Errorf("tool %s: parameters are not a JSON Schema object: %w", t.Name, err)
	}
	for k, v := range m {
		switch k {
		case "type":
		case "properties":
			if v == nil {
				delete(s, k)
			} else {
				s[k] = v
			}
		case "required":
			var names []string
			list, _ := v.([]any)
			for _, r := range list {
				if name, ok := r.(string); ok {
					names = append(names, name)
				}
			}
			if len(names) > 0 {
				s[k] = names
			}
		default:
			s[k] = v
		}
	}
	return s, nil
}
