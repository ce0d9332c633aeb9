// Package daemon runs LocalGPT in the background: one process per home,
// guarded by a pid file and a lock, that runs the heartbeat on its
// schedule, keeps the memory index in step with the markdown (the
// watcher) and any further components (the HTTP server), reloads its
// configuration on request and shuts down gracefully. It also starts a
// detached daemon, stops it and reports its status.
package daemon

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/localgpt-go/localgpt/internal/fsutil"
)

// The daemon's files in the state folder.
const (
	PIDFile  = "daemon.pid"
	LockFile = "daemon.lock"
	InfoFile = "daemon.json"
)

// ErrRunning is returned (wrapped) when a daemon already runs for the home.
var ErrRunning = errors.New("a LocalGPT daemon is already running")

// ErrNotRunning is returned (wrapped) by Stop when no daemon runs.
var ErrNotRunning = errors.New("no LocalGPT daemon is running")

// Info is what a running daemon publishes in state/daemon.json.
type Info struct {
	PID     int       `json:"pid"`
	Started time.Time `json:"started"`
	Version string    `json:"version,omitempty"`
	Home    string    `json:"home"`
	// Servers maps a component's name to the address it serves, for
	// components that listen (the HTTP server).
	Servers map[string]string `json:"servers,omitempty"`
	// HeartbeatEnabled and NextHeartbeat: when the next cycle is due
	// (zero when the heartbeat is disabled).
	HeartbeatEnabled bool      `json:"heartbeat_enabled"`
	NextHeartbeat    time.Time `json:"next_heartbeat,omitzero"`
	// Reloaded is when the configuration was last reloaded (SIGHUP).
	Reloaded time.Time `json:"reloaded,omitzero"`
	// Stopping is set once a stop waits for turns in flight, and
	// TurnsInFlight says how many are left (`daemon stop` shows it).
	Stopping      bool `json:"stopping,omitempty"`
	TurnsInFlight int  `json:"turns_in_flight,omitempty"`
}

func writeInfo(stateDir string, info Info) error {
	data, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	if err := fsutil.WriteAtomic(filepath.Join(stateDir, InfoFile), append(data, '\n'), fsutil.FileMode); err != nil {
		return fmt.Errorf("daemon: publish status: %w", err)
	}
	return nil
}

// readInfo reads state/daemon.json; a missing file is a zero Info.
func readInfo(stateDir string) (Info, error) {
	var info Info
	data, err := os.ReadFile(filepath.Join(stateDir, InfoFile))
	if errors.Is(err, os.ErrNotExist) {
		return info, nil
	}
	if err != nil {
		return info, fmt.Errorf("daemon: read %s: %w", InfoFile, err)
	}
	if err := json.Unmarshal(data, &info); err != nil {
		return Info{}, fmt.Errorf("daemon: %s is damaged: %w", filepath.Join(stateDir, InfoFile), err)
	}
	return info, nil
}

// readPID reads state/daemon.pid; 0 when there is none.
func readPID(stateDir string) int {
	data, err := os.ReadFile(filepath.Join(stateDir, PIDFile))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}
