package server

import (
	"net/http"
	"time"

	"github.com/localgpt-go/localgpt/internal/heartbeat"
)

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// status is the body of GET /api/status.
type status struct {
	Version       string          `json:"version"`
	UptimeSeconds int64           `json:"uptime_seconds"`
	Model         string          `json:"model"`
	Memory        memoryStatus    `json:"memory"`
	Heartbeat     heartbeatStatus `json:"heartbeat"`
}

type memoryStatus struct {
	FilesIndexed int `json:"files_indexed"`
	Chunks       int `json:"chunks"`
}

type heartbeatStatus struct {
	Enabled bool `json:"enabled"`
	// LastRun and NextRun are RFC 3339 times, null when unknown.
	LastRun *time.Time `json:"last_run"`
	NextRun *time.Time `json:"next_run"`
}

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	st := status{Version: s.o.Version, UptimeSeconds: int64(s.o.Now().Sub(s.started).Seconds()),
		Model: s.o.DefaultModel, Heartbeat: heartbeatStatus{Enabled: s.o.HeartbeatEnabled}}
	mem, err := s.memory(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	stats, err := mem.Stats(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	st.Memory = memoryStatus{FilesIndexed: stats.Files, Chunks: stats.Chunks}
	hb, err := heartbeat.LoadState(s.o.Paths.State)
	if err != nil {
		s.log.Warn("server: heartbeat state unreadable", "err", err)
	}
	if !hb.LastRun.IsZero() {
		st.Heartbeat.LastRun = &hb.LastRun
	}
	if s.o.NextHeartbeat != nil && st.Heartbeat.Enabled {
		if next := s.o.NextHeartbeat(); !next.IsZero() {
			st.Heartbeat.NextRun = &next
		}
	}
	writeJSON(w, http.StatusOK, st)
}
