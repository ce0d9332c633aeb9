package server

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/localgpt-go/localgpt/internal/agent"
	"github.com/localgpt-go/localgpt/internal/llm"
)

// openAIModel is the model name that means agent.default_model on /v1.
const openAIModel = "localgpt"

// completionRequest is the part of an OpenAI chat completion request
// LocalGPT uses. Sampling fields, the output format and the client's tools
// are passed to the model; fields not listed here (user, metadata,
// logprobs, penalties, …) are accepted and have no effect
// (docs/http-api.md).
type completionRequest struct {
	Model         string          `json:"model"`
	Messages      []openAIMessage `json:"messages"`
	Stream        bool            `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	sampling
	MaxTokens           *int            `json:"max_tokens"`
	MaxCompletionTokens *int            `json:"max_completion_tokens"`
	Stop                json.RawMessage `json:"stop"`
	N                   *int            `json:"n"`
	ResponseFormat      *struct {
		Type       string      `json:"type"`
		JSONSchema *jsonSchema `json:"json_schema"`
	} `json:"response_format"`
	Tools      []completionTool `json:"tools"`
	ToolChoice json.RawMessage  `json:"tool_choice"`
}

// sampling holds the fields Chat Completions and Responses share.
type sampling struct {
	Temperature *float64 `json:"temperature"`
	TopP        *float64 `json:"top_p"`
	Seed        *int64   `json:"seed"`
}

type jsonSchema struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Schema      json.RawMessage `json:"schema"`
	Strict      *bool           `json:"strict"`
}

// completionTool is a tool of the client in Chat Completions' shape.
type completionTool struct {
	Type     string   `json:"type"`
	Function toolSpec `json:"function"`
}

// toolSpec describes a function the client offers.
type toolSpec struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Parameters  json.RawMessage `json:"parameters"`
}

// openAIMessage is one message of the request; Content is a string or
// an array of {"type": "text", "text": …} parts.
type openAIMessage struct {
	Role       string           `json:"role"`
	Content    json.RawMessage  `json:"content"`
	ToolCalls  []openAIToolCall `json:"tool_calls,omitempty"`
	ToolCallID string           `json:"tool_call_id,omitempty"`
}

// openAIToolCall is a tool call in Chat Completions' shape, in requests
// (the history) and responses.
type openAIToolCall struct {
	// Index is set in streamed deltas only.
	Index    *int   `json:"index,omitempty"`
	ID       string `json:"id"`
	Type     string `json:"type"`
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

func (m openAIMessage) text() (string, error) {
	return contentText(m.Role, m.Content, "text")
}

// contentText reads a message content: a string or an array of text
// parts, whose type is one of types ("text" for Chat Completions,
// "input_text"/"output_text" for Responses).
func contentText(role string, content json.RawMessage, types ...string) (string, error) {
	if len(content) == 0 || string(content) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(content, &s); err == nil {
		return s, nil
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(content, &parts); err != nil {
		return "", invalidParam("messages", "a %s message's content must be a string or an array of text parts", role)
	}
	var b strings.Builder
	for _, p := range parts {
		ok := false
		for _, t := range types {
			ok = ok || p.Type == t
		}
		if !ok {
			return "", invalidParam("messages", "content parts of type %q are not supported; send text", p.Type)
		}
		b.WriteString(p.Text)
	}
	return b.String(), nil
}

// toConversation turns the client's messages into the history and the
// message the turn answers: a user message, or the results of the
// client's tools that the model asked for. System (and developer)
// messages are put before the first user message as instructions; the
// assistant keeps its own system prompt.
func toConversation(msgs []openAIMessage) ([]llm.Message, llm.Message, error) {
	if len(msgs) == 0 {
		return nil, llm.Message{}, invalidParam("messages", `"messages" is required: at least one {"role": "user", "content": …}`)
	}
	var instructions []string
	var history []llm.Message
	for i, m := range msgs {
		text, err := m.text()
		if err != nil {
			return nil, llm.Message{}, err
		}
		switch m.Role {
		case "system", "developer":
			if text != "" {
				instructions = append(instructions, text)
			}
		case "user":
			history = append(history, llm.UserText(text))
		case "assistant":
			am := llm.Message{Role: llm.RoleAssistant}
			if text != "" {
				am.Parts = append(am.Parts, llm.TextPart(text))
			}
			for _, c := range m.ToolCalls {
				if c.ID == "" || c.Function.Name == "" {
					return nil, llm.Message{}, invalidParam("messages", "messages[%d]: every tool call needs an id and a function name", i)
				}
				args := strings.TrimSpace(c.Function.Arguments)
				if args == "" {
					args = "{}"
				}
				am.Parts = append(am.Parts, llm.ToolCallPart(llm.ToolCall{ID: c.ID, Name: c.Function.Name, Arguments: json.RawMessage(args)}))
			}
			history = append(history, am)
		case "tool":
			if history, err = appendToolResult(history, i, m.ToolCallID, text); err != nil {
				return nil, llm.Message{}, err
			}
		case "function":
			return nil, llm.Message{}, invalidParam("messages", "messages[%d]: \"function\" messages are the old form; send \"tool\" messages with tool_call_id", i)
		default:
			return nil, llm.Message{}, invalidParam("messages", "messages[%d]: unknown role %q", i, m.Role)
		}
	}
	return finishConversation(history, instructions)
}

// appendToolResult adds the result of tool call id to the history: into
// the tool message that follows the assistant message that made the call.
func appendToolResult(history []llm.Message, i int, id, content string) ([]llm.Message, error) {
	n := len(history)
	asst := n - 1
	if asst >= 0 && history[asst].Role == llm.RoleTool {
		asst--
	}
	if id == "" {
		return nil, invalidParam("messages", "messages[%d]: a tool message needs the tool_call_id it answers", i)
	}
	var call *llm.ToolCall
	if asst >= 0 && history[asst].Role == llm.RoleAssistant {
		for _, c := range history[asst].ToolCalls() {
			if c.ID == id {
				call = &c
			}
		}
	}
	if call == nil {
		return nil, invalidParam("messages", "messages[%d]: tool_call_id %q answers no tool call of the assistant message before it", i, id)
	}
	r := llm.ToolResult{CallID: id, Name: call.Name, Content: content}
	if n > 0 && history[n-1].Role == llm.RoleTool {
		history[n-1].Parts = append(history[n-1].Parts, llm.ToolResultPart(r))
		return history, nil
	}
	return append(history, llm.ToolResults(r)), nil
}

// finishConversation checks that every tool call has its result and that
// the conversation ends on a user message or tool results, and puts the
// instructions before the first user message.
func finishConversation(history []llm.Message, instructions []string) ([]llm.Message, llm.Message, error) {
	for i, m := range history {
		calls := m.ToolCalls()
		if m.Role != llm.RoleAssistant || len(calls) == 0 {
			continue
		}
		answered := map[string]bool{}
		if i+1 < len(history) && history[i+1].Role == llm.RoleTool {
			for _, p := range history[i+1].Parts {
				if p.ToolResult != nil {
					answered[p.ToolResult.CallID] = true
				}
			}
		}
		for _, c := range calls {
			if !answered[c.ID] {
				return nil, llm.Message{}, invalidParam("messages", "tool call %q (%s) has no tool message with its result; send one right after the assistant message", c.ID, c.Name)
			}
		}
	}
	if len(history) == 0 {
		return nil, llm.Message{}, invalidParam("messages", "the last message must be a non-empty user message")
	}
	if last := history[len(history)-1]; last.Role != llm.RoleTool && (last.Role != llm.RoleUser || strings.TrimSpace(last.Text()) == "") {
		return nil, llm.Message{}, invalidParam("messages", "the last message must be a non-empty user message, or the results of the tool calls the assistant asked for")
	}
	if len(instructions) > 0 {
		for i := range history {
			if history[i].Role == llm.RoleUser {
				history[i] = llm.UserText("Instructions from the client application:\n" + strings.Join(instructions, "\n\n") + "\n\n" + history[i].Text())
				break
			}
		}
	}
	return history[:len(history)-1], history[len(history)-1], nil
}

// params checks the sampling and output fields of a chat completion and
// turns them into the turn's parameters.
func (req *completionRequest) params() (agent.Params, error) {
	p, err := req.sampling.params()
	if err != nil {
		return p, err
	}
	if req.N != nil && *req.N != 1 {
		return p, invalidParam("n", "n = %d: LocalGPT answers with one choice; leave n out or send 1", *req.N)
	}
	for _, f := range []struct {
		name string
		v    *int
	}{{"max_tokens", req.MaxTokens}, {"max_completion_tokens", req.MaxCompletionTokens}} {
		if f.v != nil {
			if *f.v < 1 {
				return p, invalidParam(f.name, "%s must be at least 1", f.name)
			}
			p.MaxTokens = *f.v
		}
	}
	if p.Stop, err = stopSequences(req.Stop); err != nil {
		return p, err
	}
	if rf := req.ResponseFormat; rf != nil {
		if p.ResponseFormat, err = responseFormat(rf.Type, rf.JSONSchema, "response_format"); err != nil {
			return p, err
		}
	}
	for _, t := range req.Tools {
		if t.Type != "function" {
			return p, invalidParam("tools", "tools of type %q are not supported; send function tools", t.Type)
		}
		if p.ClientTools, err = addTool(p.ClientTools, t.Function); err != nil {
			return p, err
		}
	}
	p.ToolChoice, err = toolChoice(req.ToolChoice, p.ClientTools)
	return p, err
}

func (s sampling) params() (agent.Params, error) {
	var p agent.Params
	if t := s.Temperature; t != nil && (*t < 0 || *t > 2) {
		return p, invalidParam("temperature", "temperature %g is outside 0 to 2", *t)
	}
	if t := s.TopP; t != nil && (*t <= 0 || *t > 1) {
		return p, invalidParam("top_p", "top_p %g is outside (0, 1]", *t)
	}
	p.Temperature, p.TopP, p.Seed = s.Temperature, s.TopP, s.Seed
	return p, nil
}

// stopSequences reads "stop": a string or an array of up to 4 strings.
func stopSequences(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		if one == "" {
			return nil, nil
		}
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil || len(many) > 4 {
		return nil, invalidParam("stop", "stop must be a string or an array of up to 4 strings")
	}
	return many, nil
}

// responseFormat checks an output format: text (nil), json_object, or
// json_schema with its schema.
func responseFormat(typ string, js *jsonSchema, param string) (*llm.ResponseFormat, error) {
	switch typ {
	case "", "text":
		return nil, nil
	case llm.FormatJSONObject:
		return &llm.ResponseFormat{Type: typ}, nil
	case llm.FormatJSONSchema:
		if js == nil || len(bytes.TrimSpace(js.Schema)) == 0 || js.Schema[0] != '{' {
			return nil, invalidParam(param, "a json_schema format needs its schema, a JSON Schema object")
		}
		if js.Name == "" {
			js.Name = "response"
		}
		return &llm.ResponseFormat{Type: typ, Name: js.Name, Description: js.Description, Schema: js.Schema,
			Strict: js.Strict != nil && *js.Strict}, nil
	}
	return nil, invalidParam(param, "format type %q is not one of text, json_object, json_schema", typ)
}

// addTool checks a client tool and adds it.
func addTool(tools []llm.Tool, f toolSpec) ([]llm.Tool, error) {
	if f.Name == "" {
		return nil, invalidParam("tools", "every tool needs a function name")
	}
	for _, t := range tools {
		if t.Name == f.Name {
			return nil, invalidParam("tools", "two tools are named %q", f.Name)
		}
	}
	params := bytes.TrimSpace(f.Parameters)
	if string(params) == "null" {
		params = nil
	}
	if len(params) > 0 && params[0] != '{' {
		return nil, invalidParam("tools", "tool %q: parameters must be a JSON Schema object", f.Name)
	}
	return append(tools, llm.Tool{Name: f.Name, Description: f.Description, Parameters: json.RawMessage(params)}), nil
}

// toolChoice reads "tool_choice": "auto", "none", "required", or
// {"type": "function", "function": {"name"}} (Chat Completions) /
// {"type": "function", "name"} (Responses) naming a client tool.
func toolChoice(raw json.RawMessage, tools []llm.Tool) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		switch s {
		case "auto", "none", "required":
			return s, nil
		}
		return "", invalidParam("tool_choice", "tool_choice %q is not auto, none or required", s)
	}
	var named struct {
		Type     string `json:"type"`
		Name     string `json:"name"`
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	}
	if err := json.Unmarshal(raw, &named); err != nil || named.Type != "function" {
		return "", invalidParam("tool_choice", `tool_choice must be "auto", "none", "required" or {"type": "function", …}`)
	}
	name := named.Function.Name
	if name == "" {
		name = named.Name
	}
	for _, t := range tools {
		if t.Name == name {
			return name, nil
		}
	}
	return "", invalidParam("tool_choice", "tool_choice names %q, which is not among the request's tools", name)
}
