package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"

	"github.com/localgpt-go/localgpt/internal/agent"
	"github.com/localgpt-go/localgpt/internal/llm"
)

// responsesRequest is the subset of OpenAI's Responses API that the SDKs
// use (the `openai` package, the AI SDK's default OpenAI model,
// LangChain's useResponsesApi): input as text or items, instructions,
// sampling, an output format and function tools. Fields not listed here
// are accepted and have no effect.
type responsesRequest struct {
	Model        string          `json:"model"`
	Input        json.RawMessage `json:"input"`
	Instructions string          `json:"instructions"`
	Stream       bool            `json:"stream"`
	sampling
	MaxOutputTokens *int `json:"max_output_tokens"`
	Text            *struct {
		Format *struct {
			Type string `json:"type"`
			jsonSchema
		} `json:"format"`
	} `json:"text"`
	Tools              []responsesTool `json:"tools"`
	ToolChoice         json.RawMessage `json:"tool_choice"`
	PreviousResponseID string          `json:"previous_response_id"`
}

// responsesTool is a tool in the Responses API's flat shape.
type responsesTool struct {
	Type string `json:"type"`
	toolSpec
}

// inputItem is one item of a Responses input: a message (role and
// content), a function call of an earlier response, a function call's
// output, or a reference to an earlier response's item.
type inputItem struct {
	Type      string          `json:"type"`
	Role      string          `json:"role"`
	Content   json.RawMessage `json:"content"`
	ID        string          `json:"id"`
	CallID    string          `json:"call_id"`
	Name      string          `json:"name"`
	Arguments string          `json:"arguments"`
	Output    json.RawMessage `json:"output"`
}

// itemStore remembers the output items of recent responses, so that a
// client that refers to them by id (the AI SDK does, unless store is
// false) gets them back. It keeps the last maxItems, in memory only.
type itemStore struct {
	mu    sync.Mutex
	items map[string]inputItem
	order []string
}

const maxItems = 4096

func (st *itemStore) put(it inputItem) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.items == nil {
		st.items = map[string]inputItem{}
	}
	if _, ok := st.items[it.ID]; !ok {
		st.order = append(st.order, it.ID)
	}
	st.items[it.ID] = it
	for len(st.order) > maxItems {
		delete(st.items, st.order[0])
		st.order = st.order[1:]
	}
}

func (st *itemStore) get(id string) (inputItem, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	it, ok := st.items[id]
	return it, ok
}

// conversation turns the input into the history and the message the turn
// answers, as toConversation does for chat messages.
func (req *responsesRequest) conversation(items *itemStore) ([]llm.Message, llm.Message, error) {
	if req.PreviousResponseID != "" {
		return nil, llm.Message{}, invalidParam("previous_response_id", "LocalGPT keeps no conversations on /v1; send the whole conversation as input")
	}
	var instructions []string
	if strings.TrimSpace(req.Instructions) != "" {
		instructions = append(instructions, req.Instructions)
	}
	var text string
	if json.Unmarshal(req.Input, &text) == nil {
		if strings.TrimSpace(text) == "" {
			return nil, llm.Message{}, invalidParam("input", `"input" is empty; send text or a list of messages`)
		}
		return finishConversation([]llm.Message{llm.UserText(text)}, instructions)
	}
	var list []inputItem
	if err := json.Unmarshal(req.Input, &list); err != nil || len(list) == 0 {
		return nil, llm.Message{}, invalidParam("input", `"input" must be text or a non-empty list of items`)
	}
	var history []llm.Message
	for i, it := range list {
		if it.Type == "item_reference" {
			ref, ok := items.get(it.ID)
			if !ok {
				return nil, llm.Message{}, invalidParam("input", "input[%d] refers to item %q, which this server does not know (it keeps recent items in memory only); send the item itself, or set store to false", i, it.ID)
			}
			it = ref
		}
		var err error
		if history, instructions, err = addItem(history, instructions, i, it); err != nil {
			return nil, llm.Message{}, err
		}
	}
	return finishConversation(history, instructions)
}

// addItem adds one input item to the history.
func addItem(history []llm.Message, instructions []string, i int, it inputItem) ([]llm.Message, []string, error) {
	switch {
	case it.Type == "function_call":
		if it.CallID == "" || it.Name == "" {
			return nil, nil, invalidParam("input", "input[%d]: a function_call needs call_id and name", i)
		}
		args := strings.TrimSpace(it.Arguments)
		if args == "" {
			args = "{}"
		}
		call := llm.ToolCallPart(llm.ToolCall{ID: it.CallID, Name: it.Name, Arguments: json.RawMessage(args)})
		if n := len(history); n > 0 && history[n-1].Role == llm.RoleAssistant {
			history[n-1].Parts = append(history[n-1].Parts, call)
		} else {
			history = append(history, llm.Message{Role: llm.RoleAssistant, Parts: []llm.Part{call}})
		}
		return history, instructions, nil
	case it.Type == "function_call_output":
		out, err := contentText("function_call_output", it.Output, "input_text", "output_text", "text")
		if err != nil {
			return nil, nil, invalidParam("input", "input[%d]: output must be text", i)
		}
		history, err = appendToolResult(history, i, it.CallID, out)
		return history, instructions, err
	case it.Type == "reasoning":
		return history, instructions, nil // the model's reasoning is not sent back
	case it.Type != "" && it.Type != "message":
		return nil, nil, invalidParam("input", "input[%d]: items of type %q are not supported", i, it.Type)
	}
	text, err := contentText(it.Role, it.Content, "input_text", "output_text", "text")
	if err != nil {
		return nil, nil, err
	}
	switch it.Role {
	case "system", "developer":
		if text != "" {
			instructions = append(instructions, text)
		}
	case "user":
		history = append(history, llm.UserText(text))
	case "assistant":
		if n := len(history); n > 0 && history[n-1].Role == llm.RoleAssistant && len(history[n-1].ToolCalls()) == 0 {
			history[n-1].Parts = append(history[n-1].Parts, llm.TextPart(text))
		} else {
			history = append(history, llm.AssistantText(text))
		}
	default:
		return nil, nil, invalidParam("input", "input[%d]: unknown role %q", i, it.Role)
	}
	return history, instructions, nil
}

// params checks the sampling, output and tool fields.
func (req *responsesRequest) params() (agent.Params, error) {
	p, err := req.sampling.params()
	if err != nil {
		return p, err
	}
	if v := req.MaxOutputTokens; v != nil {
		if *v < 1 {
			return p, invalidParam("max_output_tokens", "max_output_tokens must be at least 1")
		}
		p.MaxTokens = *v
	}
	if req.Text != nil && req.Text.Format != nil {
		f := req.Text.Format
		if p.ResponseFormat, err = responseFormat(f.Type, &f.jsonSchema, "text.format"); err != nil {
			return p, err
		}
	}
	for _, t := range req.Tools {
		if t.Type != "function" {
			return p, invalidParam("tools", "tools of type %q are not supported; send function tools", t.Type)
		}
		if p.ClientTools, err = addTool(p.ClientTools, t.toolSpec); err != nil {
			return p, err
		}
	}
	p.ToolChoice, err = toolChoice(req.ToolChoice, p.ClientTools)
	return p, err
}

// response is a Responses API response object.
type response struct {
	ID                string          `json:"id"`
	Object            string          `json:"object"`
	CreatedAt         int64           `json:"created_at"`
	Status            string          `json:"status"`
	Error             *responseError  `json:"error"`
	IncompleteDetails *incomplete     `json:"incomplete_details"`
	Instructions      *string         `json:"instructions"`
	Model             string          `json:"model"`
	Output            []outputItem    `json:"output"`
	ParallelToolCalls bool            `json:"parallel_tool_calls"`
	ToolChoice        string          `json:"tool_choice"`
	Tools             []any           `json:"tools"`
	Usage             *responsesUsage `json:"usage"`
}

type incomplete struct {
	Reason string `json:"reason"`
}

type responseError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type responsesUsage struct {
	InputTokens        int `json:"input_tokens"`
	InputTokensDetails struct {
		CachedTokens int `json:"cached_tokens"`
	} `json:"input_tokens_details"`
	OutputTokens        int `json:"output_tokens"`
	OutputTokensDetails struct {
		ReasoningTokens int `json:"reasoning_tokens"`
	} `json:"output_tokens_details"`
	TotalTokens int `json:"total_tokens"`
}

// outputItem is a message or a function call of a response.
type outputItem struct {
	Type      string       `json:"type"`
	ID        string       `json:"id"`
	Status    string       `json:"status"`
	Role      string       `json:"role,omitempty"`
	Content   []outputText `json:"content,omitempty"`
	CallID    string       `json:"call_id,omitempty"`
	Name      string       `json:"name,omitempty"`
	Arguments *string      `json:"arguments,omitempty"`
}

type outputText struct {
	Type        string `json:"type"`
	Text        string `json:"text"`
	Annotations []any  `json:"annotations"`
}

func messageItem(id, text, status string) outputItem {
	return outputItem{Type: "message", ID: id, Status: status, Role: "assistant",
		Content: []outputText{{Type: "output_text", Text: text, Annotations: []any{}}}}
}

func callItem(c llm.ToolCall, status string) outputItem {
	args := string(c.Arguments)
	return outputItem{Type: "function_call", ID: "fc_" + c.ID, Status: status, CallID: c.ID, Name: c.Name, Arguments: &args}
}

func responsesUsageOf(u llm.Usage) *responsesUsage {
	out := &responsesUsage{InputTokens: u.PromptTokens, OutputTokens: u.CompletionTokens, TotalTokens: u.TotalTokens}
	if out.TotalTokens == 0 {
		out.TotalTokens = u.PromptTokens + u.CompletionTokens
	}
	return out
}

// finish fills in a response from a finished turn, and remembers its
// items for later references. text is the answer as it was sent.
func (s *Server) finishResponse(resp *response, turn *agent.Turn, msgID, text string) {
	resp.Status = "completed"
	if turn.StopReason == llm.StopLength && len(turn.ClientCalls) == 0 {
		resp.Status = "incomplete"
		resp.IncompleteDetails = &incomplete{Reason: "max_output_tokens"}
	}
	resp.Output = []outputItem{}
	if text != "" || len(turn.ClientCalls) == 0 {
		resp.Output = append(resp.Output, messageItem(msgID, text, "completed"))
		s.items.put(inputItem{Type: "message", ID: msgID, Role: "assistant", Content: mustJSON(text)})
	}
	for _, c := range turn.ClientCalls {
		resp.Output = append(resp.Output, callItem(c, "completed"))
		s.items.put(inputItem{Type: "function_call", ID: "fc_" + c.ID, CallID: c.ID, Name: c.Name, Arguments: string(c.Arguments)})
	}
	resp.Usage = responsesUsageOf(turn.Usage)
}

func mustJSON(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

// handleResponses is POST /v1/responses: one stateless turn, as
// /v1/chat/completions, in the Responses API's shapes and events.
func (s *Server) handleResponses(w http.ResponseWriter, r *http.Request) {
	var req responsesRequest
	if err := decodeBody(r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	history, last, err := req.conversation(&s.items)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	params, err := req.params()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	t, err := s.prepareOpenAI(r, req.Model, history, last, params)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	resp := &response{ID: randomID("resp_"), Object: "response", CreatedAt: s.o.Now().Unix(), Status: "in_progress",
		Model: t.name, Output: []outputItem{}, ParallelToolCalls: true, ToolChoice: "auto", Tools: []any{}}
	if req.Instructions != "" {
		resp.Instructions = &req.Instructions
	}
	msgID := randomID("msg_")
	if !req.Stream {
		turn, err := t.run(r.Context(), nil)
		if turnFailed(turn, err) {
			s.fail(w, r, s.explain(r, req.Model, err))
			return
		}
		s.finishResponse(resp, turn, msgID, turn.Text) // the body is masked as it is written
		writeJSON(w, http.StatusOK, resp)
		return
	}
	s.streamResponse(r, newSSE(w), resp, msgID, t)
}

// streamResponse sends a turn as the Responses API's events:
// response.created and response.in_progress, the message item with its
// output_text deltas, the client's function calls, then
// response.completed with the usage. A failure after the start is an
// "error" event followed by response.failed.
func (s *Server) streamResponse(r *http.Request, sse *sseWriter, resp *response, msgID string, t *openAITurn) {
	seq := 0
	send := func(typ string, fields map[string]any) {
		fields["type"] = typ
		fields["sequence_number"] = seq
		seq++
		sse.event(typ, fields)
	}
	send("response.created", map[string]any{"response": resp})
	send("response.in_progress", map[string]any{"response": resp})
	var text strings.Builder
	opened := false
	open := func() {
		if opened {
			return
		}
		opened = true
		send("response.output_item.added", map[string]any{"output_index": 0, "item": messageItem(msgID, "", "in_progress")})
		send("response.content_part.added", map[string]any{"item_id": msgID, "output_index": 0, "content_index": 0,
			"part": outputText{Type: "output_text", Text: "", Annotations: []any{}}})
	}
	masked := s.o.Secrets.Stream() // a key split over two deltas is still caught
	delta := func(d string) {
		if d == "" {
			return
		}
		open()
		text.WriteString(d)
		send("response.output_text.delta", map[string]any{"item_id": msgID, "output_index": 0, "content_index": 0, "delta": d, "logprobs": []any{}})
	}
	turn, err := t.run(r.Context(), func(e agent.Event) {
		if e.Type == agent.EventText {
			delta(masked.Next(e.Text))
		}
	})
	delta(masked.Flush())
	if turnFailed(turn, err) {
		if r.Context().Err() != nil && !errors.Is(r.Context().Err(), context.DeadlineExceeded) {
			return
		}
		e := classify(s.explain(r, t.name, err))
		send("error", map[string]any{"code": e.code, "message": e.msg, "param": nil})
		resp.Status = "failed"
		resp.Error = &responseError{Code: e.code, Message: e.msg}
		send("response.failed", map[string]any{"response": resp})
		return
	}
	if !opened && len(turn.ClientCalls) == 0 {
		open() // an empty answer is still one message
	}
	if opened {
		full := text.String()
		send("response.output_text.done", map[string]any{"item_id": msgID, "output_index": 0, "content_index": 0, "text": full, "logprobs": []any{}})
		send("response.content_part.done", map[string]any{"item_id": msgID, "output_index": 0, "content_index": 0,
			"part": outputText{Type: "output_text", Text: full, Annotations: []any{}}})
		send("response.output_item.done", map[string]any{"output_index": 0, "item": messageItem(msgID, full, "completed")})
	}
	index := 0
	if opened {
		index = 1
	}
	for i, c := range turn.ClientCalls {
		item := callItem(c, "in_progress")
		empty := ""
		item.Arguments = &empty
		send("response.output_item.added", map[string]any{"output_index": index + i, "item": item})
		send("response.function_call_arguments.delta", map[string]any{"item_id": item.ID, "output_index": index + i, "delta": string(c.Arguments)})
		send("response.function_call_arguments.done", map[string]any{"item_id": item.ID, "output_index": index + i, "arguments": string(c.Arguments)})
		send("response.output_item.done", map[string]any{"output_index": index + i, "item": callItem(c, "completed")})
	}
	s.finishResponse(resp, turn, msgID, text.String())
	send("response.completed", map[string]any{"response": resp})
}
