package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/localgpt-go/localgpt/internal/agent"
	"github.com/localgpt-go/localgpt/internal/assistant"
	"github.com/localgpt-go/localgpt/internal/secret"
	"github.com/localgpt-go/localgpt/internal/session"
)

// chatRequest is the body of POST /api/chat and /api/chat/stream.
type chatRequest struct {
	Message string `json:"message"`
	// Model picks the model ("openai/gpt-4o", …); empty is agent.default_model.
	Model string `json:"model"`
	// SessionID continues a session (an ID or a unique prefix); empty
	// starts a new one.
	SessionID string `json:"session_id"`
	// IncludeMemory (default true) puts memory in the prompt and offers
	// the memory tools.
	IncludeMemory *bool `json:"include_memory"`
	// Skill runs the turn with that skill's instructions loaded, Message
	// being the request (it may then be empty).
	Skill string `json:"skill"`
	// ReplaceLastTurn takes back the session's last turn and answers
	// Message in its place (regenerate an answer, edit and resend the last
	// message). It needs SessionID.
	ReplaceLastTurn bool `json:"replace_last_turn"`
}

// chatResponse is the answer of POST /api/chat and the data of the
// stream's final "done" event.
type chatResponse struct {
	Response  string    `json:"response"`
	Model     string    `json:"model"`
	SessionID string    `json:"session_id"`
	Tokens    tokens    `json:"tokens"`
	ToolsUsed []toolUse `json:"tools_used"`
	Warning   string    `json:"warning,omitempty"`
}

type tokens struct {
	Prompt     int `json:"prompt"`
	Completion int `json:"completion"`
	Total      int `json:"total"`
}

type toolUse struct {
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
}

// chatTurn is a validated chat request, ready to run.
type chatTurn struct {
	req    chatRequest
	as     *assistant.Assistant
	id     string           // "" for a new session
	sess   *session.Session // the session opened for writing, nil for a new one
	unlock func()
}

// prepare checks a chat request, takes its session's lock and opens the
// session file, so that every mistake (400 bad request, 404 no such
// session, 409 a session open in another process) is answered with its
// status before any streaming starts.
func (s *Server) prepare(r *http.Request) (*chatTurn, error) {
	var req chatRequest
	if err := decodeBody(r, &req); err != nil {
		return nil, err
	}
	if strings.TrimSpace(req.Message) == "" && req.Skill == "" {
		return nil, invalid(`"message" is required: the text to send to the assistant`)
	}
	t := &chatTurn{req: req, unlock: func() {}}
	if req.ReplaceLastTurn && req.SessionID == "" {
		return nil, invalidParam("replace_last_turn", `"replace_last_turn" replaces the last turn of a session: give its "session_id"`)
	}
	if req.SessionID != "" {
		id, err := s.store.Resolve(req.SessionID)
		if err != nil {
			return nil, err
		}
		t.id = id
	}
	noMemory := req.IncludeMemory != nil && !*req.IncludeMemory
	model := req.Model
	if model == openAIModel {
		model = ""
	}
	if err := s.checkModel(r.Context(), model); err != nil {
		return nil, err
	}
	as, err := s.models.get(r.Context(), model, noMemory)
	if err != nil {
		return nil, s.explain(r, model, err)
	}
	t.as = as
	if req.Skill != "" {
		if t.req.Message, err = withSkill(as, req.Skill, req.Message); err != nil {
			return nil, err
		}
	}
	if t.id != "" {
		unlock, err := s.locks.Lock(r.Context(), t.id)
		if err != nil {
			return nil, err
		}
		sess, err := s.store.Open(t.id) // after the lock: our own turn on it has ended
		if err != nil {
			unlock()
			return nil, err
		}
		if req.ReplaceLastTurn {
			// Written with the turn that replaces it: if that saves
			// nothing, the old turn stays.
			if err := sess.Withdraw(s.o.Now()); err != nil {
				sess.Close()
				unlock()
				return nil, err
			}
		}
		t.sess, t.unlock = sess, unlock
	}
	return t, nil
}

// run runs the turn, sending its events to emit, and persists it. It
// closes the session and releases the lock prepare took.
func (s *Server) run(ctx context.Context, t *chatTurn, emit func(agent.Event)) (*chatResponse, error) {
	defer t.unlock()
	as := t.as
	o := session.Options{
		Agent: as.Agent, Provider: as.Provider, Model: as.Resolved.Model, Label: as.Label(),
		Store: s.store, Session: t.sess,
		ContextWindow: as.ContextWindow, ReserveTokens: as.ReserveTokens, Tokens: as.Tokens, Log: s.log,
	}
	if as.Memory != nil {
		o.Memory, o.MemoryTurn = as.Memory, true
	}
	conv := session.New(o)
	defer conv.Close()
	turn, err := conv.Send(ctx, t.req.Message, emit)
	if err != nil && !(errors.Is(err, agent.ErrIterationLimit) && turn != nil) {
		return nil, err
	}
	resp := &chatResponse{Response: turn.Text, Model: as.Label(), SessionID: conv.ID(),
		Tokens:    tokens{Prompt: turn.Usage.PromptTokens, Completion: turn.Usage.CompletionTokens, Total: turn.Usage.TotalTokens},
		ToolsUsed: []toolUse{}}
	if resp.Tokens.Total == 0 {
		resp.Tokens.Total = resp.Tokens.Prompt + resp.Tokens.Completion
	}
	for _, u := range turn.ToolsUsed {
		resp.ToolsUsed = append(resp.ToolsUsed, toolUse{Name: u.Name, Arguments: validJSON(u.Arguments)})
	}
	if err != nil {
		resp.Warning = err.Error()
	}
	return resp, nil
}

func (s *Server) handleChat(w http.ResponseWriter, r *http.Request) {
	t, err := s.prepare(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	resp, err := s.run(r.Context(), t, nil)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// handleChatStream answers with Server-Sent Events: "text" and
// "reasoning" deltas, "tool_start" and "tool_end", "usage" per model call,
// then "done" with the whole response, or "error".
func (s *Server) handleChatStream(w http.ResponseWriter, r *http.Request) {
	t, err := s.prepare(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sse := newSSE(w)
	if t.id != "" {
		sse.event("session", map[string]string{"session_id": t.id})
	}
	// Deltas are masked as a stream, so a key split over two of them is
	// still caught; what a stream holds back goes out before any other event.
	streams := map[agent.EventType]*secret.Stream{agent.EventText: s.o.Secrets.Stream(), agent.EventReasoning: s.o.Secrets.Stream()}
	flush := func() {
		for _, typ := range []agent.EventType{agent.EventReasoning, agent.EventText} {
			if rest := streams[typ].Flush(); rest != "" {
				sse.event(string(typ), map[string]string{"text": rest})
			}
		}
	}
	resp, err := s.run(r.Context(), t, func(e agent.Event) {
		if e.Type != agent.EventText && e.Type != agent.EventReasoning {
			flush()
		}
		switch e.Type {
		case agent.EventText, agent.EventReasoning:
			if text := streams[e.Type].Next(e.Text); text != "" {
				sse.event(string(e.Type), map[string]string{"text": text})
			}
		case agent.EventToolStart:
			sse.event(string(e.Type), toolStart{ID: e.Tool.ID, Name: e.Tool.Name, Arguments: validJSON(json.RawMessage(e.Tool.Arguments))})
		case agent.EventToolEnd:
			sse.event(string(e.Type), toolEnd{ID: e.Tool.ID, Name: e.Tool.Name, Preview: e.Tool.Preview,
				IsError: e.Tool.IsError, DurationMS: e.Tool.Duration.Milliseconds()})
		case agent.EventUsage:
			sse.event(string(e.Type), tokens{Prompt: e.Usage.PromptTokens, Completion: e.Usage.CompletionTokens, Total: e.Usage.TotalTokens})
		}
		// agent.EventError is reported once below, from Send's error.
	})
	flush()
	if err != nil {
		if r.Context().Err() != nil && !errors.Is(r.Context().Err(), context.DeadlineExceeded) {
			return // the client went away; the turn was cancelled
		}
		sse.event("error", errorBody(classify(err)))
		return
	}
	sse.event("done", resp)
}

type toolStart struct {
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
}

type toolEnd struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Preview    string `json:"preview"`
	IsError    bool   `json:"is_error"`
	DurationMS int64  `json:"duration_ms"`
}

// withSkill is the message of a turn run with skill name: its
// instructions, then the request.
func withSkill(as *assistant.Assistant, name, request string) (string, error) {
	set, _ := as.Skills.Load()
	k, ok := set.Lookup(name)
	if !ok {
		if len(set.List()) == 0 {
			return "", invalidParam("skill", "there is no skill %q: there are no skills (localgpt skills new NAME creates one)", name)
		}
		return "", invalidParam("skill", "there is no skill %q; the skills are: %s", name, strings.Join(set.Names(), ", "))
	}
	body, err := k.Body()
	if err != nil {
		return "", fmt.Errorf("skill %s cannot be read: %w", name, err)
	}
	return k.Message(body, request), nil
}
