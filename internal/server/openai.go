package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"

	"github.com/localgpt-go/localgpt/internal/agent"
	"github.com/localgpt-go/localgpt/internal/assistant"
	"github.com/localgpt-go/localgpt/internal/llm"
)

type completionChoice struct {
	Index        int          `json:"index"`
	Message      *openAIReply `json:"message,omitempty"`
	Delta        *openAIReply `json:"delta,omitempty"`
	FinishReason *string      `json:"finish_reason"`
	Logprobs     *struct{}    `json:"logprobs"`
}

type openAIReply struct {
	Role      string           `json:"role,omitempty"`
	Content   *string          `json:"content"`
	ToolCalls []openAIToolCall `json:"tool_calls,omitempty"`
}

type openAIUsage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

type completion struct {
	ID      string             `json:"id"`
	Object  string             `json:"object"`
	Created int64              `json:"created"`
	Model   string             `json:"model"`
	Choices []completionChoice `json:"choices"`
	Usage   *openAIUsage       `json:"usage,omitempty"`
}

func usageOf(u llm.Usage) *openAIUsage {
	total := u.TotalTokens
	if total == 0 {
		total = u.PromptTokens + u.CompletionTokens
	}
	return &openAIUsage{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, TotalTokens: total}
}

func finishReason(t *agent.Turn) *string {
	r := "stop"
	switch {
	case t != nil && len(t.ClientCalls) > 0:
		r = "tool_calls"
	case t != nil && t.StopReason == llm.StopLength:
		r = "length"
	}
	return &r
}

// toolCallsOf writes the client's tool calls of a turn in Chat
// Completions' shape; indexed is set for stream deltas.
func toolCallsOf(calls []llm.ToolCall, indexed bool) []openAIToolCall {
	out := make([]openAIToolCall, len(calls))
	for i, c := range calls {
		out[i].ID, out[i].Type = c.ID, "function"
		out[i].Function.Name, out[i].Function.Arguments = c.Name, string(c.Arguments)
		if indexed {
			out[i].Index = &i
		}
	}
	return out
}

func randomID(prefix string) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// openAITurn is a checked request of /v1, ready to run.
type openAITurn struct {
	// name is the model as the client named it ("localgpt" for the default).
	name    string
	as      *assistant.Assistant
	history []llm.Message
	last    llm.Message
	params  agent.Params
}

// prepareOpenAI resolves the model and checks what depends on it: a
// model no provider offers is a 404 before any model call, client tools
// may not take the names of LocalGPT's own, and Anthropic has no JSON
// output format.
func (s *Server) prepareOpenAI(r *http.Request, model string, history []llm.Message, last llm.Message, p agent.Params) (*openAITurn, error) {
	name := model
	if model == openAIModel {
		model = ""
	}
	if name == "" {
		name = openAIModel
	}
	if err := s.checkModel(r.Context(), model); err != nil {
		return nil, err
	}
	as, err := s.models.get(r.Context(), model, false)
	if err != nil {
		return nil, s.explain(r, model, err)
	}
	for _, own := range as.Agent.ToolSpecs() {
		for _, t := range p.ClientTools {
			if t.Name == own.Name {
				return nil, invalidParam("tools", "tool %q has the name of one of LocalGPT's own tools; rename it", t.Name)
			}
		}
	}
	if p.ResponseFormat != nil && as.Resolved.Provider == llm.Anthropic {
		return nil, invalidParam("response_format", "model %s is served by Anthropic, whose API has no JSON output format; "+
			"ask for JSON in the prompt, or describe the output as a tool", as.Label())
	}
	return &openAITurn{name: name, as: as, history: history, last: last, params: p}, nil
}

func (t *openAITurn) run(ctx context.Context, emit func(agent.Event)) (*agent.Turn, error) {
	return t.as.Agent.RunWith(ctx, t.history, t.last, t.params, emit)
}

// checkModel answers a bare model name that no provider offers with a
// 404 before any model call (see catalog.Check).
func (s *Server) checkModel(ctx context.Context, model string) error {
	if model == "" {
		return nil
	}
	r, err := s.catalog.Resolve(ctx, model)
	if err != nil {
		return err
	}
	return s.catalog.Check(ctx, model, r)
}

// explain adds a "did you mean" to a model that was not found.
func (s *Server) explain(r *http.Request, model string, err error) error {
	if model == openAIModel {
		model = ""
	}
	return s.catalog.Explain(r.Context(), model, err)
}

// turnFailed reports whether a turn's error fails the request; a turn
// stopped by the tool iteration limit is answered with what it has.
func turnFailed(turn *agent.Turn, err error) bool {
	return err != nil && !(errors.Is(err, agent.ErrIterationLimit) && turn != nil)
}

// handleCompletions is POST /v1/chat/completions: one stateless turn of
// the assistant (with its memory and tools, and the client's tools) over
// the client's messages.
func (s *Server) handleCompletions(w http.ResponseWriter, r *http.Request) {
	var req completionRequest
	if err := decodeBody(r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	history, last, err := toConversation(req.Messages)
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
	base := completion{ID: randomID("chatcmpl-"), Created: s.o.Now().Unix(), Model: t.name}
	if !req.Stream {
		turn, err := t.run(r.Context(), nil)
		if turnFailed(turn, err) {
			s.fail(w, r, s.explain(r, req.Model, err))
			return
		}
		reply := &openAIReply{Role: "assistant", ToolCalls: toolCallsOf(turn.ClientCalls, false)}
		if text := turn.Text; text != "" || len(turn.ClientCalls) == 0 {
			reply.Content = &text
		}
		base.Object = "chat.completion"
		base.Choices = []completionChoice{{Message: reply, FinishReason: finishReason(turn)}}
		base.Usage = usageOf(turn.Usage)
		writeJSON(w, http.StatusOK, base)
		return
	}
	s.streamCompletion(r, newSSE(w), base, req.StreamOptions != nil && req.StreamOptions.IncludeUsage, t)
}

// streamCompletion streams a turn as chat.completion.chunk events ending
// with "data: [DONE]", as OpenAI does: the text as it comes, then the
// client's tool calls, then the finish reason. A failure mid-stream is
// sent as {"error": …}, which OpenAI clients raise.
func (s *Server) streamCompletion(r *http.Request, sse *sseWriter, base completion, withUsage bool, t *openAITurn) {
	base.Object = "chat.completion.chunk"
	chunk := func(delta *openAIReply, finish *string) completion {
		c := base
		c.Choices = []completionChoice{{Delta: delta, FinishReason: finish}}
		return c
	}
	empty := ""
	sse.event("", chunk(&openAIReply{Role: "assistant", Content: &empty}, nil))
	// Deltas are masked as a stream, so a key split over two is still caught.
	masked := s.o.Secrets.Stream()
	send := func(text string) {
		if text != "" {
			sse.event("", chunk(&openAIReply{Content: &text}, nil))
		}
	}
	turn, err := t.run(r.Context(), func(e agent.Event) {
		if e.Type == agent.EventText {
			send(masked.Next(e.Text))
		}
	})
	send(masked.Flush())
	if turnFailed(turn, err) {
		if r.Context().Err() != nil && !errors.Is(r.Context().Err(), context.DeadlineExceeded) {
			return
		}
		sse.event("", errorBody(classify(s.explain(r, t.name, err))))
		return
	}
	if len(turn.ClientCalls) > 0 {
		sse.event("", chunk(&openAIReply{ToolCalls: toolCallsOf(turn.ClientCalls, true)}, nil))
	}
	sse.event("", chunk(&openAIReply{}, finishReason(turn)))
	if withUsage {
		c := base
		c.Choices = []completionChoice{}
		c.Usage = usageOf(turn.Usage)
		sse.event("", c)
	}
	sse.raw("[DONE]")
}

// handleModels is GET /v1/models: "localgpt" (the default model), then
// every model of every configured provider, by the name that resolves to
// it (as `localgpt models` prints it). A provider that cannot be asked is
// left out (and logged); listings are cached (see catalog).
func (s *Server) handleModels(w http.ResponseWriter, r *http.Request) {
	type model struct {
		ID      string `json:"id"`
		Object  string `json:"object"`
		Created int64  `json:"created"`
		OwnedBy string `json:"owned_by"`
	}
	created := s.started.Unix()
	out := []model{{ID: openAIModel, Object: "model", Created: created, OwnedBy: "localgpt"}}
	seen := map[string]bool{openAIModel: true}
	ls := s.catalog.List(r.Context())
	for _, l := range ls {
		if l.Err != nil {
			s.log.Debug("server: a provider could not list its models", "provider", l.Provider, "err", l.Err)
		}
		for _, m := range l.Models {
			id := s.catalog.Name(ls, m)
			if !seen[id] {
				seen[id] = true
				out = append(out, model{ID: id, Object: "model", Created: created, OwnedBy: string(l.Provider)})
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": out})
}
