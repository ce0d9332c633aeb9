package server

import (
	"encoding/json"
	"net/http"

	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/session"
)

// sessionView is a session with its messages, for GET /api/sessions/{id}.
type sessionView struct {
	session.Info
	Messages []messageView `json:"messages"`
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
	writeJSON(w, http.StatusOK, sessionView{Info: session.InfoOf(t, s.store.Path(id)), Messages: viewMessages(t.Messages())})
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
