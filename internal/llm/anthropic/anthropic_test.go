package anthropic

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
)

func newTestProvider(t *testing.T, s *llmtest.Server, retry llm.RetryPolicy) llm.Provider {
	return New(Options{APIKey: "sk-ant-test", BaseURL: s.URL, HTTPClient: s.Client(), ContextWindow: 200000, Retry: retry})
}

func TestConformance(t *testing.T) {
	llmtest.Conformance(t, llmtest.NewAnthropic, "claude-sonnet-4-5", newTestProvider)
}

func TestRequestBody(t *testing.T) {
	history := []llm.Message{
		llm.UserText("weather in Paris?"),
		llm.UserText("and Tokyo?"), // same role twice: merged
		{Role: llm.RoleAssistant, Parts: []llm.Part{
			{Type: llm.PartReasoning, Text: "two cities", Signature: "sig"},
			llm.TextPart("Checking."),
			llm.ToolCallPart(llm.ToolCall{ID: "toolu_1", Name: "get_weather", Arguments: []byte(`{"city":"Paris"}`)}),
			llm.ToolCallPart(llm.ToolCall{ID: "toolu_2", Name: "get_weather", Arguments: []byte(`{"city":"Tokyo"}`)})}},
		llm.ToolResults(llm.ToolResult{CallID: "toolu_1", Content: "18°C"}, llm.ToolResult{CallID: "toolu_2", Content: "timeout", IsError: true}),
		llm.UserText("thanks"), // a user turn after tool results: merged into it
	}
	cases := []struct {
		name      string
		maxTokens int
		wantMax   float64
	}{
		{"max_tokens defaulted", 0, DefaultMaxTokens},
		{"max_tokens given", 1000, 1000},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := llmtest.NewAnthropic(t)
			s.Enqueue(llmtest.Text("Paris 18°C."))
			retry, _ := llmtest.Retry(0)
			_, err := llm.Complete(context.Background(), newTestProvider(t, s, retry), llm.Request{Model: "claude-sonnet-4-5",
				System: "Be brief.", Messages: history, MaxTokens: tc.maxTokens,
				Tools: []llm.Tool{{Name: "get_weather", Description: "w",
					Parameters: []byte(`{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}`)}}})
			if err != nil {
				t.Fatal(err)
			}
			rec := s.Last(t, "/v1/messages")
			if rec.Header.Get("X-Api-Key") != "sk-ant-test" || rec.Header.Get("Anthropic-Version") == "" {
				t.Errorf("headers: x-api-key %q anthropic-version %q", rec.Header.Get("X-Api-Key"), rec.Header.Get("Anthropic-Version"))
			}
			b := rec.JSON(t)
			if b["max_tokens"] != tc.wantMax {
				t.Errorf("max_tokens = %v, want %v", b["max_tokens"], tc.wantMax)
			}
			sys, _ := b["system"].([]any)
			if len(sys) != 1 || sys[0].(map[string]any)["text"] != "Be brief." {
				t.Errorf("system = %v, want one top-level text block", b["system"])
			}
			msgs := b["messages"].([]any)
			if len(msgs) != 3 {
				t.Fatalf("%d messages, want user, assistant, user (merged): %v", len(msgs), msgs)
			}
			for i, role := range []string{"user", "assistant", "user"} {
				if r := msgs[i].(map[string]any)["role"]; r != role {
					t.Errorf("message %d role = %v, want %s", i, r, role)
				}
			}
			if c := msgs[0].(map[string]any)["content"].([]any); len(c) != 2 {
				t.Errorf("first user turn has %d blocks, want the two texts merged", len(c))
			}
			asst := msgs[1].(map[string]any)["content"].([]any)
			gotTypes := ""
			for _, blk := range asst {
				gotTypes += blk.(map[string]any)["type"].(string) + " "
			}
			if gotTypes != "thinking text tool_use tool_use " {
				t.Errorf("assistant blocks = %s", gotTypes)
			}
			if in := asst[2].(map[string]any)["input"].(map[string]any); in["city"] != "Paris" {
				t.Errorf("tool_use input = %v", in)
			}
			last := msgs[2].(map[string]any)["content"].([]any)
			if len(last) != 3 {
				t.Fatalf("last user turn = %v, want two tool_result blocks and the text", last)
			}
			r0, r1 := last[0].(map[string]any), last[1].(map[string]any)
			if r0["type"] != "tool_result" || r0["tool_use_id"] != "toolu_1" || r1["is_error"] != true {
				t.Errorf("tool results = %v, %v", r0, r1)
			}
			tool := b["tools"].([]any)[0].(map[string]any)
			schema := tool["input_schema"].(map[string]any)
			if schema["type"] != "object" || schema["additionalProperties"] != false || len(schema["required"].([]any)) != 1 {
				t.Errorf("input_schema = %v", schema)
			}
		})
	}
}

func TestReasoningSignature(t *testing.T) {
	s := llmtest.NewAnthropic(t)
	s.Enqueue(llmtest.Reply{Reasoning: "think", Text: "answer"})
	retry, _ := llmtest.Retry(0)
	resp, err := llm.Complete(context.Background(), newTestProvider(t, s, retry), llm.Request{Model: "claude-x", Messages: []llm.Message{llm.UserText("q")}})
	if err != nil {
		t.Fatal(err)
	}
	p := resp.Message.Parts[0]
	if p.Type != llm.PartReasoning || p.Text != "think" || p.Signature != "sig-llmtest" {
		t.Errorf("reasoning part = %+v, want text and signature kept for the next turn", p)
	}
}

// TestPassThroughFields: top_p, stop sequences and the tool choice reach
// the Messages API; a JSON output format, which it lacks, is refused
// before any call.
func TestPassThroughFields(t *testing.T) {
	s := llmtest.NewAnthropic(t)
	s.Enqueue(llmtest.Text("ok"), llmtest.Text("ok"))
	retry, _ := llmtest.Retry(0)
	p := newTestProvider(t, s, retry)
	topP, seed := 0.5, int64(3)
	base := llm.Request{Model: "claude-sonnet-4-5", Messages: []llm.Message{llm.UserText("hi")}, Tools: []llm.Tool{{Name: "get_time"}}}
	cases := []struct {
		edit func(r *llm.Request)
		want map[string]string
	}{
		{func(r *llm.Request) { r.TopP, r.Seed, r.Stop, r.ToolChoice = &topP, &seed, []string{"END"}, "required" },
			map[string]string{"top_p": `0.5`, "stop_sequences": `["END"]`, "tool_choice": `{"type":"any"}`, "seed": ""}},
		{func(r *llm.Request) { r.ToolChoice = "get_time" }, map[string]string{"tool_choice": `{"name":"get_time","type":"tool"}`}},
	}
	for _, tc := range cases {
		req := base
		tc.edit(&req)
		if _, err := llm.Complete(context.Background(), p, req); err != nil {
			t.Fatal(err)
		}
		b := s.Last(t, "/v1/messages").JSON(t)
		for k, want := range tc.want {
			got := ""
			if v, ok := b[k]; ok {
				raw, _ := json.Marshal(v)
				got = string(raw)
			}
			if got != want {
				t.Errorf("%s = %s, want %s", k, got, want)
			}
		}
	}
	req := base
	req.ResponseFormat = &llm.ResponseFormat{Type: llm.FormatJSONObject}
	_, err := llm.Complete(context.Background(), p, req)
	var le *llm.Error
	if !errors.As(err, &le) || le.Kind != llm.KindBadRequest || !strings.Contains(le.Message, "response_format") {
		t.Fatalf("err = %v, want a bad request about response_format", err)
	}
	if n := len(s.Calls("/v1/messages")); n != 2 {
		t.Fatalf("%d calls, want 2 (the refused one made none)", n)
	}
}
