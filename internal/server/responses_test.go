package server

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
)

func TestResponses(t *testing.T) {
	f := newFixture(t, "")
	f.llm.Enqueue(llmtest.Reply{Text: "Hello there.", Usage: llmtest.Usage{Prompt: 11, Completion: 3}})
	code, body := f.do("POST", "/v1/responses", `{"model":"localgpt","input":"Say hello","instructions":"Be brief.","temperature":0.2,"max_output_tokens":50}`)
	var r struct {
		ID, Object, Status, Model string
		Output                    []struct {
			Type, ID, Role, Status string
			Content                []struct{ Type, Text string }
		}
		Usage struct {
			InputTokens  int `json:"input_tokens"`
			OutputTokens int `json:"output_tokens"`
			TotalTokens  int `json:"total_tokens"`
		}
	}
	if err := json.Unmarshal(body, &r); code != 200 || err != nil {
		t.Fatalf("%d %v %s", code, err, body)
	}
	if !strings.HasPrefix(r.ID, "resp_") || r.Object != "response" || r.Status != "completed" || r.Model != "localgpt" ||
		len(r.Output) != 1 || r.Output[0].Type != "message" || r.Output[0].Role != "assistant" ||
		r.Output[0].Content[0].Type != "output_text" || r.Output[0].Content[0].Text != "Hello there." ||
		r.Usage.InputTokens != 11 || r.Usage.OutputTokens != 3 || r.Usage.TotalTokens != 14 {
		t.Fatalf("response %s", body)
	}
	sent := f.llm.Last(t, "/v1/chat/completions").JSON(t)
	msgs := sent["messages"].([]any)
	if sent["temperature"] != 0.2 || sent["max_tokens"] != float64(50) ||
		!strings.Contains(msgs[len(msgs)-1].(map[string]any)["content"].(string), "Be brief.") {
		t.Fatalf("sent %v", sent)
	}

	// A message list with a JSON schema format.
	f.llm.Enqueue(llmtest.Text(`{"city":"Paris"}`))
	code, body = f.do("POST", "/v1/responses", `{"model":"localgpt","input":[
		{"role":"system","content":"Answer in JSON."},
		{"role":"user","content":[{"type":"input_text","text":"Where is the Louvre?"}]},
		{"role":"assistant","content":[{"type":"output_text","text":"In a city."}]},
		{"type":"message","role":"user","content":"Which one?"}],
		"text":{"format":{"type":"json_schema","name":"place","schema":{"type":"object","properties":{"city":{"type":"string"}}},"strict":true}}}`)
	sent = f.llm.Last(t, "/v1/chat/completions").JSON(t)
	if code != 200 || !strings.Contains(string(body), `{\"city\":\"Paris\"}`) ||
		sent["response_format"].(map[string]any)["json_schema"].(map[string]any)["name"] != "place" || len(sent["messages"].([]any)) != 4 {
		t.Fatalf("%d %s\nsent %v", code, body, sent)
	}

	// Errors are in the same shape.
	for _, tc := range []struct {
		body   string
		status int
		code   string
	}{
		{`{"model":"fake-smal","input":"hi"}`, 404, codeModelNotFound},
		{`{"input":""}`, 400, codeInvalid},
		{`{"input":"hi","previous_response_id":"resp_1"}`, 400, codeInvalid},
		{`{"input":[{"type":"item_reference","id":"msg_unknown"}]}`, 400, codeInvalid},
		{`{"input":"hi","tools":[{"type":"web_search"}]}`, 400, codeInvalid},
	} {
		code, body := f.do("POST", "/v1/responses", tc.body)
		if code != tc.status || errorCode(t, body) != tc.code {
			t.Errorf("%s: %d %s", tc.body, code, body)
		}
	}
}

// TestResponsesStream: the events the SDKs read, in order, ending with
// response.completed and its usage; a failure is an error event and
// response.failed.
func TestResponsesStream(t *testing.T) {
	f := newFixture(t, "")
	f.llm.Enqueue(llmtest.Reply{Text: "Streaming works.", Usage: llmtest.Usage{Prompt: 9, Completion: 4}})
	resp := f.send(context.Background(), "POST", "/v1/responses", `{"model":"localgpt","input":"stream","stream":true}`)
	events := readSSE(t, resp.Body)
	resp.Body.Close()
	var names []string
	var text strings.Builder
	for i, e := range events {
		var d map[string]any
		if err := json.Unmarshal([]byte(e.Data), &d); err != nil || d["type"] != e.Name || d["sequence_number"] != float64(i) {
			t.Fatalf("event %d %s: %s", i, e.Name, e.Data)
		}
		if len(names) == 0 || names[len(names)-1] != e.Name {
			names = append(names, e.Name)
		}
		if e.Name == "response.output_text.delta" {
			text.WriteString(d["delta"].(string))
		}
		if e.Name == "response.completed" {
			u := d["response"].(map[string]any)["usage"].(map[string]any)
			if u["input_tokens"] != float64(9) || u["output_tokens"] != float64(4) {
				t.Fatalf("usage %v", u)
			}
		}
	}
	want := "response.created response.in_progress response.output_item.added response.content_part.added response.output_text.delta " +
		"response.output_text.done response.content_part.done response.output_item.done response.completed"
	if strings.Join(names, " ") != want || text.String() != "Streaming works." {
		t.Fatalf("events %v, text %q", names, text.String())
	}

	f.llm.Enqueue(llmtest.Reply{Text: "starts well", Error: "the provider fell over"})
	resp = f.send(context.Background(), "POST", "/v1/responses", `{"model":"localgpt","input":"fail","stream":true}`)
	events = readSSE(t, resp.Body)
	resp.Body.Close()
	n := len(events)
	if n < 2 || events[n-2].Name != "error" || events[n-1].Name != "response.failed" || !strings.Contains(events[n-2].Data, "fell over") {
		t.Fatalf("failure events %+v", events)
	}
}

// TestResponsesFunctionCalls: a client function is called in a response,
// and the next request continues with its output, whether the client
// sends the call again or refers to it by id.
func TestResponsesFunctionCalls(t *testing.T) {
	f := newFixture(t, "")
	tools := `"tools":[{"type":"function","name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}]`
	f.llm.Enqueue(llmtest.ToolCalls(llmtest.Call{ID: "call_1", Name: "get_weather", Args: `{"city":"Paris"}`}))
	code, body := f.do("POST", "/v1/responses", `{"input":"weather in Paris?",`+tools+`}`)
	var r struct {
		Output []struct{ Type, ID, CallID, Name, Arguments string } `json:"output"`
	}
	_ = json.Unmarshal(body, &r)
	if code != 200 || len(r.Output) != 1 || r.Output[0].Type != "function_call" || r.Output[0].Name != "get_weather" {
		t.Fatalf("%d %s", code, body)
	}
	var out struct {
		Output []struct {
			ID     string `json:"id"`
			CallID string `json:"call_id"`
			Args   string `json:"arguments"`
		} `json:"output"`
	}
	_ = json.Unmarshal(body, &out)
	if out.Output[0].CallID != "call_1" || out.Output[0].Args != `{"city":"Paris"}` {
		t.Fatalf("%s", body)
	}
	for _, prior := range []string{
		`{"type":"function_call","call_id":"call_1","name":"get_weather","arguments":"{\"city\":\"Paris\"}"}`,
		`{"type":"item_reference","id":"` + out.Output[0].ID + `"}`,
	} {
		f.llm.Enqueue(llmtest.Text("Sunny in Paris."))
		code, body = f.do("POST", "/v1/responses", `{"input":[{"role":"user","content":"weather in Paris?"},`+prior+`,
			{"type":"function_call_output","call_id":"call_1","output":"sunny"}],`+tools+`}`)
		if code != 200 || !strings.Contains(string(body), "Sunny in Paris.") {
			t.Fatalf("%s: %d %s", prior, code, body)
		}
		msgs := f.llm.Last(t, "/v1/chat/completions").JSON(t)["messages"].([]any)
		if last := msgs[len(msgs)-1].(map[string]any); last["role"] != "tool" || last["tool_call_id"] != "call_1" || last["content"] != "sunny" {
			t.Fatalf("sent %v", msgs)
		}
	}
}
