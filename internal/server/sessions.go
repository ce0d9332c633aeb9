package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/session"
)

// sessionView is a session with its messages, for GET /api/sessions/{id}.
type sessionView struct {
	session.Info
	Messages []messageView `json:"messages"`
	// Turns say which messages each turn holds and how it ended.
	Turns []turnView `json:"turns"`
}

// turnView is one turn of a session: messages [Start, Start+Count).
type turnView struct {
	Start  int       `json:"start"`
	Count  int       `json:"count"`
	At     time.Time `json:"at"`
	Status string    `json:"status"` // answered, cancelled, failed or iteration_limit
	Error  string    `json:"error,omitempty"`
	Model  string    `json:"model,omitempty"`
	Tokens tokens    `json:"tokens"`
}

func viewTurns(turns []session.TurnInfo) []turnView {
	out := make([]turnView, len(turns))
	for i, t := range turns {
		status := t.Status
		if status == session.TurnAnswered {
			status = "answered"
		}
		out[i] = turnView{Start: t.Start, Count: t.Count, At: t.At, Status: status, Error: t.Error, Model: t.Model,
			Tokens: usageTokens(t.Usage)}
	}
	return out
}

// usageTokens is a usage as the API reports it.
func usageTokens(u llm.Usage) tokens {
	t := tokens{Prompt: u.PromptTokens, Completion: u.CompletionTokens, Total: u.TotalTokens}
	if t.Total == 0 {
		t.Total = t.Prompt + t.Completion
	}
	return t
}

// messageView is one message as the API shows it.
type messageView struct {
	Role      llm.Role       `json:"role"`
	Content   string         `json:"content"`
	ToolCalls []toolCallView `json:"tool_calls,omitempty"`
	// ToolResults are the results a tool message carries.
	ToolResults []toolResultView `json:"tool_results,omitempty"`
}

type toolCallView struct {
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
}

type toolResultView struct {
	CallID  string `json:"call_id"`
	Name    string `json:"name,omitempty"`
	Content string `json:"content"`
	IsError bool   `json:"is_error,omitempty"`
}

func viewMessages(msgs []llm.Message) []messageView {
	out := make([]messageView, 0, len(msgs))
	for _, m := range msgs {
		v := messageView{Role: m.Role, Content: m.Text()}
		for _, c := range m.ToolCalls() {
			v.ToolCalls = append(v.ToolCalls, toolCallView{ID: c.ID, Name: c.Name, Arguments: validJSON(c.Arguments)})
		}
		for _, p := range m.Parts {
			if p.Type == llm.PartToolResult && p.ToolResult != nil {
				r := p.ToolResult
				v.ToolResults = append(v.ToolResults, toolResultView{CallID: r.CallID, Name: r.Name, Content: r.Content, IsError: r.IsError})
			}
		}
		out = append(out, v)
	}
	return out
}

// validJSON returns raw if it is JSON, else raw as a JSON string, so a
// model's malformed arguments cannot break a response.
func validJSON(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage("{}")
	}
	if json.Valid(raw) {
		return raw
	}
	b, _ := json.Marshal(string(raw))
	return b
}

// createSessionRequest is the body of POST /api/sessions.
type createSessionRequest struct {
	Model string `json:"model"`
}

func (s *Server) handleCreateSession(w http.ResponseWriter, r *http.Request) {
	var req createSessionRequest
	if r.ContentLength != 0 {
		if err := decodeBody(r, &req); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	model := req.Model
	if model == "" || model == openAIModel {
		model = s.o.DefaultModel
	}
	sess, err := s.store.Create(model, s.o.Now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer sess.Close()
	writeJSON(w, http.StatusCreated, session.InfoOf(sess.Transcript(), sess.Path()))
}

func (s *Server) handleListSessions(w http.ResponseWriter, r *http.Request) {
	infos, err := s.store.List()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"sessions": infos, "total": len(infos)})
}

func (s *Server) handleGetSession(w http.ResponseWriter, r *http.Request) {
	id, err := s.store.Resolve(r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	t, err := s.store.Load(id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sessionView{Info: session.InfoOf(t, s.store.Path(id)), Messages: viewMessages(t.Messages()),
		Turns: viewTurns(t.Turns())})
}

// renameRequest is the body of PATCH /api/sessions/{id}.
type renameRequest struct {
	// Title names the session; "" gives it back its default title.
	Title *string `json:"title"`
}

// handleRenameSession sets a session's title, after a turn in flight on
// it has ended.
func (s *Server) handleRenameSession(w http.ResponseWriter, r *http.Request) {
	var req renameRequest
	if err := decodeBody(r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if req.Title == nil {
		s.fail(w, r, invalidParam("title", `"title" is required: the session's new title ("" gives back its first message)`))
		return
	}
	id, err := s.store.Resolve(r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	unlock, err := s.locks.Lock(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer unlock()
	info, err := s.store.Rename(id, *req.Title, s.o.Now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, info)
}

// Search limits of GET /api/sessions/search.
const (
	defaultSessionHits = 50
	maxSessionHits     = 500
)

// handleSearchSessions finds sessions by title and content, as
// `localgpt session search` does.
func (s *Server) handleSearchSessions(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if q == "" {
		s.fail(w, r, invalidParam("q", `the "q" query parameter is required: the words to look for in titles and messages`))
		return
	}
	limit, err := limitParam(r, defaultSessionHits, maxSessionHits)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	hits, err := s.store.Search(r.Context(), q, limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if hits == nil {
		hits = []session.Hit{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"query": q, "results": hits, "total": len(hits)})
}

func (s *Server) handleDeleteSession(w http.ResponseWriter, r *http.Request) {
	id, err := s.store.Resolve(r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	unlock, err := s.locks.Lock(r.Context(), id) // a turn in flight finishes first
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer unlock()
	info, err := s.store.Delete(id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"deleted": true, "id": info.ID})
}
