package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/localgpt-go/localgpt/internal/agent"
	"github.com/localgpt-go/localgpt/internal/llm"
)

// openAIModel is the model name that means agent.default_model on /v1.
const openAIModel = "localgpt"

// completionRequest is the part of an OpenAI chat completion request
// LocalGPT uses. Other fields (temperature, tools, …) are accepted and
// ignored: the assistant brings its own tools.
type completionRequest struct {
	Model         string          `json:"model"`
	Messages      []openAIMessage `json:"messages"`
	Stream        bool            `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
}

// openAIMessage is one message of the request; Content is a string or
// an array of {"type": "text", "text": …} parts.
type openAIMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

func (m openAIMessage) text() (string, error) {
	if len(m.Content) == 0 || string(m.Content) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(m.Content, &s); err == nil {
		return s, nil
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(m.Content, &parts); err != nil {
		return "", invalid("a %s message's content must be a string or an array of text parts", m.Role)
	}
	var b strings.Builder
	for _, p := range parts {
		if p.Type != "text" {
			return "", invalid("content parts of type %q are not supported; send text", p.Type)
		}
		b.WriteString(p.Text)
	}
	return b.String(), nil
}

// toConversation turns the client's messages into the history and the
// user message to answer. System (and developer) messages are put before
// the first user message as instructions; the assistant keeps its own
// system prompt.
func toConversation(msgs []openAIMessage) ([]llm.Message, llm.Message, error) {
	if len(msgs) == 0 {
		return nil, llm.Message{}, invalid(`"messages" is required: at least one {"role": "user", "content": …}`)
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
			history = append(history, llm.AssistantText(text))
		case "tool", "function":
			return nil, llm.Message{}, invalid("messages[%d]: %q messages are not supported; LocalGPT runs its own tools", i, m.Role)
		default:
			return nil, llm.Message{}, invalid("messages[%d]: unknown role %q", i, m.Role)
		}
	}
	if len(history) == 0 || history[len(history)-1].Role != llm.RoleUser || strings.TrimSpace(history[len(history)-1].Text()) == "" {
		return nil, llm.Message{}, invalid("the last message must be a non-empty user message")
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

type completionChoice struct {
	Index        int          `json:"index"`
	Message      *openAIReply `json:"message,omitempty"`
	Delta        *openAIReply `json:"delta,omitempty"`
	FinishReason *string      `json:"finish_reason"`
	Logprobs     *struct{}    `json:"logprobs"`
}

type openAIReply struct {
	Role    string  `json:"role,omitempty"`
	Content *string `json:"content,omitempty"`
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
	if t != nil && t.StopReason == llm.StopLength {
		r = "length"
	}
	return &r
}

func completionID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "chatcmpl-" + hex.EncodeToString(b[:])
}

// handleCompletions is POST /v1/chat/completions: one stateless turn of
// the assistant (with its memory and tools) over the client's messages.
func (s *Server) handleCompletions(w http.ResponseWriter, r *http.Request) {
	var req completionRequest
	if err := decodeBody(r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	history, user, err := toConversation(req.Messages)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	model := req.Model
	if model == openAIModel {
		model = ""
	}
	as, err := s.models.get(r.Context(), model, false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name := req.Model
	if name == "" {
		name = openAIModel
	}
	base := completion{ID: completionID(), Created: s.o.Now().Unix(), Model: name}
	if !req.Stream {
		turn, err := as.Agent.RunMessage(r.Context(), history, user, nil)
		if err != nil && !(errors.Is(err, agent.ErrIterationLimit) && turn != nil) {
			s.fail(w, r, err)
			return
		}
		text := turn.Text
		base.Object = "chat.completion"
		base.Choices = []completionChoice{{Message: &openAIReply{Role: "assistant", Content: &text}, FinishReason: finishReason(turn)}}
		base.Usage = usageOf(turn.Usage)
		writeJSON(w, http.StatusOK, base)
		return
	}
	s.streamCompletion(r, newSSE(w), base, req.StreamOptions != nil && req.StreamOptions.IncludeUsage,
		func(ctx context.Context, emit func(agent.Event)) (*agent.Turn, error) {
			return as.Agent.RunMessage(ctx, history, user, emit)
		})
}

// streamCompletion streams a turn as chat.completion.chunk events ending
// with "data: [DONE]", as OpenAI does; a failure mid-stream is sent as
// {"error": …}, which OpenAI clients raise.
func (s *Server) streamCompletion(r *http.Request, sse *sseWriter, base completion, withUsage bool,
	run func(context.Context, func(agent.Event)) (*agent.Turn, error)) {
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
	turn, err := run(r.Context(), func(e agent.Event) {
		if e.Type == agent.EventText {
			send(masked.Next(e.Text))
		}
	})
	send(masked.Flush())
	if err != nil && !(errors.Is(err, agent.ErrIterationLimit) && turn != nil) {
		if r.Context().Err() != nil && !errors.Is(r.Context().Err(), context.DeadlineExceeded) {
			return
		}
		_, code, msg := classify(err)
		sse.event("", errorBody(r, code, msg))
		return
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

// handleModels is GET /v1/models: "localgpt" (the default model) and the
// configured models by name.
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
	for _, id := range []string{s.cfg.Agent.DefaultModel, s.cfg.Heartbeat.Model} {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, model{ID: id, Object: "model", Created: created, OwnedBy: "localgpt"})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": out})
}
