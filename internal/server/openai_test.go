package server

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
)

// TestCompletionFieldsForwarded: the sampling and output fields of a
// chat completion reach the model; n > 1 and bad values are refused
// before any model call.
func TestCompletionFieldsForwarded(t *testing.T) {
	f := newFixture(t, "")
	f.llm.Enqueue(llmtest.Text(`{"city":"Paris"}`), llmtest.Text(`{}`))
	code, body := f.do("POST", "/v1/chat/completions", `{"model":"localgpt","messages":[{"role":"user","content":"where?"}],
		"temperature":0.3,"top_p":0.9,"max_tokens":120,"stop":["END"],"seed":42,"n":1,
		"response_format":{"type":"json_schema","json_schema":{"name":"place","strict":true,"schema":{"type":"object","properties":{"city":{"type":"string"}}}}}}`)
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	sent := f.llm.Last(t, "/v1/chat/completions").JSON(t)
	for k, want := range map[string]any{"temperature": 0.3, "top_p": 0.9, "max_tokens": float64(120), "seed": float64(42)} {
		if sent[k] != want {
			t.Errorf("%s = %v, want %v", k, sent[k], want)
		}
	}
	if fmt.Sprint(sent["stop"]) != "[END]" {
		t.Errorf("stop = %v", sent["stop"])
	}
	rf, _ := sent["response_format"].(map[string]any)
	js, _ := rf["json_schema"].(map[string]any)
	if rf["type"] != "json_schema" || js["name"] != "place" || js["strict"] != true || js["schema"] == nil {
		t.Errorf("response_format = %v", sent["response_format"])
	}
	code, body = f.do("POST", "/v1/chat/completions", `{"model":"localgpt","messages":[{"role":"user","content":"json"}],
		"max_completion_tokens":64,"stop":"STOP","response_format":{"type":"json_object"}}`)
	sent = f.llm.Last(t, "/v1/chat/completions").JSON(t)
	if code != 200 || sent["max_tokens"] != float64(64) || fmt.Sprint(sent["stop"]) != "[STOP]" ||
		sent["response_format"].(map[string]any)["type"] != "json_object" {
		t.Fatalf("%d %s; sent %v", code, body, sent)
	}

	calls := len(f.llm.Calls("/v1/chat/completions"))
	for _, tc := range []struct{ body, param string }{
		{`"n":2`, "n"},
		{`"temperature":3`, "temperature"},
		{`"top_p":0`, "top_p"},
		{`"max_tokens":0`, "max_tokens"},
		{`"stop":[1]`, "stop"},
		{`"response_format":{"type":"xml"}`, "response_format"},
		{`"response_format":{"type":"json_schema"}`, "response_format"},
		{`"tools":[{"type":"function","function":{"name":"read_file"}}]`, "tools"},
		{`"tools":[{"type":"custom","custom":{"name":"x"}}]`, "tools"},
		{`"tools":[{"type":"function","function":{"name":"a"}}],"tool_choice":{"type":"function","function":{"name":"b"}}`, "tool_choice"},
	} {
		code, body := f.do("POST", "/v1/chat/completions", `{"model":"localgpt","messages":[{"role":"user","content":"x"}],`+tc.body+`}`)
		var e struct{ Error struct{ Code, Param string } }
		_ = json.Unmarshal(body, &e)
		if code != 400 || e.Error.Code != codeInvalid || e.Error.Param != tc.param {
			t.Errorf("%s: %d %s, want 400 with param %s", tc.body, code, body, tc.param)
		}
	}
	if n := len(f.llm.Calls("/v1/chat/completions")); n != calls {
		t.Fatalf("refused requests reached the model (%d calls)", n-calls)
	}
}

// TestResponseFormatOnAnthropic: Anthropic has no JSON output format, so
// asking for one is a 400 before any model call.
func TestResponseFormatOnAnthropic(t *testing.T) {
	an := llmtest.NewAnthropic(t)
	an.SetModels(llmtest.Model{Name: "claude-sonnet-4-5-20250929"})
	f := newFixture(t, fmt.Sprintf("[providers.anthropic]\napi_key = \"sk-ant-test\"\nbase_url = %q\n", an.URL))
	code, body := f.do("POST", "/v1/chat/completions", `{"model":"anthropic/claude-sonnet-4-5","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_object"}}`)
	if code != 400 || !strings.Contains(string(body), `"param":"response_format"`) || !strings.Contains(string(body), "Anthropic") {
		t.Fatalf("%d %s", code, body)
	}
	if n := len(an.Calls("/v1/messages")); n != 0 {
		t.Fatalf("%d calls reached Anthropic", n)
	}
}

// TestClientTools: a client's tool is offered beside LocalGPT's own; the
// model's call of it ends the response with finish_reason tool_calls, and
// the client's next request with the tool message continues the turn.
// LocalGPT's own tools still run on the server in between.
func TestClientTools(t *testing.T) {
	f := newFixture(t, "")
	tools := `"tools":[{"type":"function","function":{"name":"get_weather","description":"Weather in a city","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]`
	f.llm.Enqueue(
		llmtest.ToolCalls(llmtest.Call{ID: "own1", Name: "memory_search", Args: `{"query":"home town"}`}),
		llmtest.Reply{Text: "Let me check.", ToolCalls: []llmtest.Call{{ID: "call_w1", Name: "get_weather", Args: `{"city":"Paris"}`}}},
		llmtest.Text("It is sunny in Paris."),
	)
	code, body := f.do("POST", "/v1/chat/completions", `{"model":"localgpt","messages":[{"role":"user","content":"Weather at home?"}],`+tools+`,"tool_choice":"auto"}`)
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	var c struct {
		Choices []struct {
			Message struct {
				Content   *string
				ToolCalls []struct {
					ID, Type string
					Function struct{ Name, Arguments string }
				} `json:"tool_calls"`
			}
			FinishReason string `json:"finish_reason"`
		}
	}
	if err := json.Unmarshal(body, &c); err != nil || len(c.Choices) != 1 {
		t.Fatalf("%v %s", err, body)
	}
	ch := c.Choices[0]
	if ch.FinishReason != "tool_calls" || len(ch.Message.ToolCalls) != 1 || ch.Message.ToolCalls[0].ID != "call_w1" ||
		ch.Message.ToolCalls[0].Type != "function" || ch.Message.ToolCalls[0].Function.Name != "get_weather" ||
		ch.Message.ToolCalls[0].Function.Arguments != `{"city":"Paris"}` {
		t.Fatalf("response %s", body)
	}
	offered := f.llm.Calls("/v1/chat/completions")[0].JSON(t)["tools"].([]any)
	names := []string{}
	for _, tl := range offered {
		names = append(names, tl.(map[string]any)["function"].(map[string]any)["name"].(string))
	}
	if !strings.Contains(strings.Join(names, " "), "memory_search") || names[len(names)-1] != "get_weather" {
		t.Fatalf("tools offered to the model: %v", names)
	}
	if second := string(f.llm.Calls("/v1/chat/completions")[1].Body); !strings.Contains(second, `"tool_call_id":"own1"`) {
		t.Fatalf("LocalGPT's own tool did not run on the server: %s", second)
	}

	// The client runs its tool and continues.
	code, body = f.do("POST", "/v1/chat/completions", `{"model":"localgpt","messages":[
		{"role":"user","content":"Weather at home?"},
		{"role":"assistant","content":null,"tool_calls":[{"id":"call_w1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
		{"role":"tool","tool_call_id":"call_w1","content":"sunny, 21°C"}],`+tools+`}`)
	if code != 200 || !strings.Contains(string(body), "It is sunny in Paris.") || !strings.Contains(string(body), `"finish_reason":"stop"`) {
		t.Fatalf("%d %s", code, body)
	}
	last := f.llm.Last(t, "/v1/chat/completions").JSON(t)
	msgs := last["messages"].([]any)
	tail := msgs[len(msgs)-2:]
	asst, tool := tail[0].(map[string]any), tail[1].(map[string]any)
	if asst["role"] != "assistant" || asst["tool_calls"] == nil || tool["role"] != "tool" || tool["tool_call_id"] != "call_w1" || tool["content"] != "sunny, 21°C" {
		t.Fatalf("the continuation sent %v", tail)
	}

	// Streamed: the call comes as a tool_calls delta, then finish_reason.
	f.llm.Enqueue(llmtest.ToolCalls(llmtest.Call{ID: "call_w2", Name: "get_weather", Args: `{"city":"Oslo"}`}))
	resp := f.send(context.Background(), "POST", "/v1/chat/completions", `{"model":"localgpt","stream":true,"messages":[{"role":"user","content":"Oslo?"}],`+tools+`}`)
	defer resp.Body.Close()
	events := readSSE(t, resp.Body)
	var sawCall, sawFinish bool
	for _, e := range events[:len(events)-1] {
		var ck struct {
			Choices []struct {
				Delta struct {
					ToolCalls []struct {
						Index    *int
						ID       string
						Function struct{ Name, Arguments string }
					} `json:"tool_calls"`
				}
				FinishReason *string `json:"finish_reason"`
			}
		}
		if err := json.Unmarshal([]byte(e.Data), &ck); err != nil {
			t.Fatalf("chunk %s: %v", e.Data, err)
		}
		for _, choice := range ck.Choices {
			for _, tc := range choice.Delta.ToolCalls {
				sawCall = tc.Index != nil && *tc.Index == 0 && tc.ID == "call_w2" && tc.Function.Name == "get_weather" && tc.Function.Arguments == `{"city":"Oslo"}`
			}
			if choice.FinishReason != nil {
				sawFinish = *choice.FinishReason == "tool_calls" && sawCall
			}
		}
	}
	if !sawCall || !sawFinish || events[len(events)-1].Data != "[DONE]" {
		t.Fatalf("stream %+v", events)
	}

	// Bad histories are refused.
	for _, bad := range []string{
		`[{"role":"user","content":"a"},{"role":"assistant","tool_calls":[{"id":"x","type":"function","function":{"name":"get_weather","arguments":"{}"}}]},{"role":"user","content":"b"}]`,
		`[{"role":"user","content":"a"},{"role":"tool","tool_call_id":"nope","content":"r"}]`,
	} {
		code, body := f.do("POST", "/v1/chat/completions", `{"model":"localgpt","messages":`+bad+`}`)
		if code != 400 {
			t.Errorf("%s: %d %s, want 400", bad, code, body)
		}
	}
}

// TestUnknownModel: a model no provider offers is a 404 model_not_found
// with a suggestion, on /v1 and /api, before any model call.
func TestUnknownModel(t *testing.T) {
	f := newFixture(t, "")
	for _, ep := range []struct{ path, body string }{
		{"/v1/chat/completions", `{"model":"fake-smal","messages":[{"role":"user","content":"hi"}]}`},
		{"/api/chat", `{"model":"fake-smal","message":"hi"}`},
		{"/api/chat/stream", `{"model":"fake-smal","message":"hi"}`},
	} {
		code, body := f.do("POST", ep.path, ep.body)
		if code != 404 || errorCode(t, body) != codeModelNotFound || !strings.Contains(string(body), `did you mean \"fake-small\"`) {
			t.Errorf("%s: %d %s", ep.path, code, body)
		}
	}
	if n := len(f.llm.Calls("/v1/chat/completions")); n != 0 {
		t.Fatalf("%d model calls for unknown models", n)
	}
	// A bare name only the compatible server lists goes there.
	f.llm.Enqueue(llmtest.Text("small talk"))
	code, body := f.do("POST", "/v1/chat/completions", `{"model":"fake-small","messages":[{"role":"user","content":"hi"}]}`)
	if code != 200 || f.llm.Last(t, "/v1/chat/completions").JSON(t)["model"] != "fake-small" {
		t.Fatalf("%d %s", code, body)
	}
	code, body = f.do("GET", "/v1/models", "")
	if code != 200 || !strings.Contains(string(body), `"id":"fake-small"`) {
		t.Fatalf("%d %s", code, body)
	}
}

// TestSystemMessagesAreInstructions: system and developer messages reach
// the model before the first user message, also when that message is the
// only one.
func TestSystemMessagesAreInstructions(t *testing.T) {
	f := newFixture(t, "")
	for _, msgs := range []string{
		`[{"role":"system","content":"Be brief."},{"role":"user","content":"Say hello"}]`,
		`[{"role":"developer","content":"Be brief."},{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"},{"role":"user","content":"Say hello"}]`,
	} {
		f.llm.Enqueue(llmtest.Text("Hello."))
		if code, body := f.do("POST", "/v1/chat/completions", `{"messages":`+msgs+`}`); code != 200 {
			t.Fatalf("%d %s", code, body)
		}
		sent := f.llm.Last(t, "/v1/chat/completions").JSON(t)["messages"].([]any)
		first := sent[1].(map[string]any) // after LocalGPT's own system prompt
		if first["role"] != "user" || !strings.Contains(first["content"].(string), "Be brief.") {
			t.Fatalf("the instructions did not reach the model: %v", sent)
		}
		if last := sent[len(sent)-1].(map[string]any); !strings.Contains(last["content"].(string), "Say hello") {
			t.Fatalf("last message %v", last)
		}
	}
}
