// Package llm is the provider-neutral face of every language model LocalGPT
// talks to: messages made of parts, tool specs, requests, a stream of typed
// events with the assembled final response, model resolution, typed errors
// and the retry policy. It imports no provider adapter; the adapters in
// internal/llm/openai, internal/llm/anthropic and internal/llm/ollama
// implement Provider, and internal/llm/provider builds the one a model needs.
package llm

import (
	"context"
	"encoding/json"
	"strings"
)

// Role says who wrote a message. The system prompt is not a message: it is
// Request.System, which every adapter places where its protocol wants it.
type Role string

// Roles of a conversation.
const (
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
	// RoleTool carries the results of the assistant's tool calls, one
	// PartToolResult per call.
	RoleTool Role = "tool"
)

// PartType says what a Part holds.
type PartType string

// Kinds of message part.
const (
	PartText       PartType = "text"
	PartReasoning  PartType = "reasoning"
	PartToolCall   PartType = "tool_call"
	PartToolResult PartType = "tool_result"
)

// Part is one piece of a message: text, the model's reasoning, a tool call
// or a tool result. Exactly the field matching Type is set.
type Part struct {
	Type PartType `json:"type"`
	// Text is the text of a PartText or PartReasoning.
	Text string `json:"text,omitempty"`
	// Signature is the provider's opaque proof of a PartReasoning
	// (Anthropic's thinking signature); it is sent back unchanged.
	Signature  string      `json:"signature,omitempty"`
	ToolCall   *ToolCall   `json:"tool_call,omitempty"`
	ToolResult *ToolResult `json:"tool_result,omitempty"`
}

// ToolCall is the model asking for one tool to be run.
type ToolCall struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Arguments is a JSON object; "{}" when the tool takes none.
	Arguments json.RawMessage `json:"arguments"`
}

// ToolResult is what one tool call produced.
type ToolResult struct {
	CallID string `json:"call_id"`
	// Name is the tool's name; Ollama wants it beside the result.
	Name    string `json:"name,omitempty"`
	Content string `json:"content"`
	IsError bool   `json:"is_error,omitempty"`
}

// Message is one turn of a conversation.
type Message struct {
	Role  Role   `json:"role"`
	Parts []Part `json:"parts"`
}

// TextPart returns a text part.
func TextPart(s string) Part { return Part{Type: PartText, Text: s} }

// ToolCallPart returns a tool-call part.
func ToolCallPart(c ToolCall) Part { return Part{Type: PartToolCall, ToolCall: &c} }

// ToolResultPart returns a tool-result part.
func ToolResultPart(r ToolResult) Part { return Part{Type: PartToolResult, ToolResult: &r} }

// UserText returns a user message holding text.
func UserText(s string) Message { return Message{Role: RoleUser, Parts: []Part{TextPart(s)}} }

// AssistantText returns an assistant message holding text.
func AssistantText(s string) Message {
	return Message{Role: RoleAssistant, Parts: []Part{TextPart(s)}}
}

// ToolResults returns a RoleTool message answering tool calls.
func ToolResults(results ...ToolResult) Message {
	m := Message{Role: RoleTool}
	for _, r := range results {
		m.Parts = append(m.Parts, ToolResultPart(r))
	}
	return m
}

// Text returns the concatenated text parts (not the reasoning).
func (m Message) Text() string {
	var b strings.Builder
	for _, p := range m.Parts {
		if p.Type == PartText {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

// Reasoning returns the concatenated reasoning parts.
func (m Message) Reasoning() string {
	var b strings.Builder
	for _, p := range m.Parts {
		if p.Type == PartReasoning {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

// ToolCalls returns the tool calls of the message, in order.
func (m Message) ToolCalls() []ToolCall {
	var out []ToolCall
	for _, p := range m.Parts {
		if p.Type == PartToolCall && p.ToolCall != nil {
			out = append(out, *p.ToolCall)
		}
	}
	return out
}

// Tool describes a tool the model may call.
type Tool struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Parameters is a JSON Schema object describing the arguments; empty
	// means a tool without arguments.
	Parameters json.RawMessage `json:"parameters,omitempty"`
}

// Request is one model call.
type Request struct {
	// Model is the provider's model name, without any "openai/" prefix.
	Model    string
	System   string
	Messages []Message
	Tools    []Tool
	// MaxTokens bounds the answer; 0 lets the adapter choose (Anthropic
	// always sends one, since its API requires it).
	MaxTokens int
	// Temperature is nil for the model's default. Reasoning models ignore it.
	Temperature *float64
	// TopP, Stop and Seed are sampling settings passed through when set
	// (a client of /v1 chose them); nil or empty leaves the model's own.
	// Anthropic has no seed: it is not sent there.
	TopP *float64
	Stop []string
	Seed *int64
	// ResponseFormat asks for JSON output; nil is free text. Adapters
	// whose API cannot enforce it return a KindBadRequest *Error.
	ResponseFormat *ResponseFormat
	// ToolChoice is "" or "auto" (the model decides), "none", "required",
	// or the name of the one tool the model must call.
	ToolChoice string
	// NoRetry says the caller retries this call itself (an HTTP client of
	// the server does, for the first call of a turn): the first failure is
	// returned as it is, so that retries do not stack.
	NoRetry bool
}

// ResponseFormat asks the model for JSON: any JSON object ("json_object"),
// or one that matches Schema ("json_schema").
type ResponseFormat struct {
	Type string `json:"type"`
	// Name, Description, Schema and Strict describe a "json_schema" format.
	Name        string          `json:"name,omitempty"`
	Description string          `json:"description,omitempty"`
	Schema      json.RawMessage `json:"schema,omitempty"`
	Strict      bool            `json:"strict,omitempty"`
}

// Response format types.
const (
	FormatJSONObject = "json_object"
	FormatJSONSchema = "json_schema"
)

// Usage counts tokens of one call.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// Add returns the sum of u and o, for the calls of a turn or a session.
func (u Usage) Add(o Usage) Usage {
	return Usage{
		PromptTokens:     u.PromptTokens + o.PromptTokens,
		CompletionTokens: u.CompletionTokens + o.CompletionTokens,
		TotalTokens:      u.TotalTokens + o.TotalTokens,
	}
}

// StopReason is why the model stopped, in one set for every provider.
type StopReason string

// Stop reasons.
const (
	StopEnd     StopReason = "end"      // the answer is complete
	StopToolUse StopReason = "tool_use" // the model wants tool results
	StopLength  StopReason = "length"   // max tokens or the context window was reached
	StopOther   StopReason = "other"    // content filter, refusal, or a reason we do not know
)

// Response is the assembled result of a call.
type Response struct {
	// Model is the model that answered, as the provider names it.
	Model      string     `json:"model"`
	Message    Message    `json:"message"`
	Usage      Usage      `json:"usage"`
	StopReason StopReason `json:"stop_reason"`
}

// ModelInfo is one model a provider offers.
type ModelInfo struct {
	// Provider is the provider's name; Name is the provider's model name.
	Provider ProviderName `json:"provider"`
	Name     string       `json:"name"`
	// Size in bytes, when the provider says (Ollama).
	Size int64 `json:"size,omitempty"`
}

// Provider is one LLM backend behind its official SDK.
type Provider interface {
	// Name is the provider's name.
	Name() ProviderName
	// Stream starts a call. Connection and HTTP errors of the first
	// attempt (after retries) are returned here as *Error; later ones come
	// from the Stream.
	Stream(ctx context.Context, req Request) (*Stream, error)
	// Models lists the models the provider offers.
	Models(ctx context.Context) ([]ModelInfo, error)
	// ContextWindow is the number of tokens the model accepts in one call
	// as LocalGPT uses it.
	ContextWindow(ctx context.Context, model string) (int, error)
}
