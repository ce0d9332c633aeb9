package heartbeat

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/localgpt-go/localgpt/internal/fsutil"
)

// Outcome is how a cycle ended.
type Outcome string

// Cycle outcomes, as shown by `daemon status` and `daemon heartbeat`.
const (
	// OK: nothing needed doing (skipped without a model call, or the model
	// answered HEARTBEAT_OK).
	OK Outcome = "HEARTBEAT_OK"
	// Done: the model worked on due tasks; its summary is in the daily log.
	Done Outcome = "DONE"
	// BudgetExhausted: heartbeat.max_tokens_per_day is spent for today.
	BudgetExhausted Outcome = "BUDGET_EXHAUSTED"
	// Failed: the cycle failed (provider error, timeout); it backs off.
	Failed Outcome = "FAILED"
	// Interrupted: the daemon stopped during the cycle.
	Interrupted Outcome = "INTERRUPTED"
)

// State is what the heartbeat remembers between cycles and restarts, in
// state/heartbeat.json. It is written only under the cycle lock.
type State struct {
	LastRun     time.Time `json:"last_run,omitzero"`
	LastOutcome Outcome   `json:"last_outcome,omitempty"`
	// LastSkipped is true when the last cycle called no model.
	LastSkipped bool   `json:"last_skipped,omitempty"`
	LastError   string `json:"last_error,omitempty"`
	// LastSummary is what the model reported (never HEARTBEAT_OK).
	LastSummary string `json:"last_summary,omitempty"`
	LastTokens  int    `json:"last_tokens,omitempty"`
	// FileHash is HEARTBEAT.md's SHA-256 after the last cycle (after the
	// model's own edits), so only the user's changes count as changes.
	FileHash string `json:"file_hash,omitempty"`
	// TokensDay (YYYY-MM-DD in the heartbeat's zone) is the day TokensToday counts.
	TokensDay   string `json:"tokens_day,omitempty"`
	TokensToday int    `json:"tokens_today"`
	TotalTokens int64  `json:"total_tokens"`
	// BudgetWarned is the day the budget warning was logged.
	BudgetWarned string `json:"budget_warned,omitempty"`
	// Failures counts consecutive failed cycles (for back-off).
	Failures int `json:"failures,omitempty"`
	// Cycles counts every cycle; ModelCycles those that called a model.
	Cycles      int64 `json:"cycles"`
	ModelCycles int64 `json:"model_cycles"`
	// Ran maps Task.Key to when a successful cycle last handled the task.
	Ran map[string]time.Time `json:"ran,omitempty"`
}

// TokensOn returns the tokens spent on day (YYYY-MM-DD).
func (s *State) TokensOn(day string) int {
	if s.TokensDay != day {
		return 0
	}
	return s.TokensToday
}

// addTokens records n tokens spent on day.
func (s *State) addTokens(day string, n int) {
	if s.TokensDay != day {
		s.TokensDay, s.TokensToday = day, 0
	}
	s.TokensToday += n
	s.TotalTokens += int64(n)
}

// StateFile and LockFile are the heartbeat's files in the state folder.
const (
	StateFile = "heartbeat.json"
	LockFile  = "heartbeat.lock"
)

// LoadState reads the state in dir. A missing file is a fresh state; an
// unreadable one is reported (the caller may start afresh).
func LoadState(dir string) (State, error) {
	path := filepath.Join(dir, StateFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return State{}, nil
	}
	if err != nil {
		return State{}, fmt.Errorf("heartbeat: read state %s: %w", path, err)
	}
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return State{}, fmt.Errorf("heartbeat: state %s is damaged (%v); delete it to start afresh", path, err)
	}
	return s, nil
}

// save writes the state atomically.
func (s *State) save(dir string) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("heartbeat: encode state: %w", err)
	}
	if err := fsutil.WriteAtomic(filepath.Join(dir, StateFile), append(data, '\n'), fsutil.FileMode); err != nil {
		return fmt.Errorf("heartbeat: save state: %w", err)
	}
	return nil
}
