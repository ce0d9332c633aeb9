// Package session owns conversations that outlive a process: transcripts
// stored as JSONL under the sessions folder (one header line, then one line
// per message, compaction and memory-flush record; a turn's lines end with
// a commit record, written and fsynced together, so a turn is there whole
// or not at all), their loading with torn-line tolerance, listing,
// search, export and deletion, token accounting against the model's
// window, and compaction: older turns summarised by the model, recent
// turns kept verbatim, with a memory flush before every compaction.
//
// Conversation is the one place a turn is run, persisted and compacted;
// the chat command and the HTTP server both drive it.
package session

import (
	"time"

	"github.com/localgpt-go/localgpt/internal/llm"
)

// FormatVersion is the version written in new session headers. Version
// 2 ends every turn with a commit record; version 1 files (no commits)
// are read as before and continue in version 2 after a format line.
const FormatVersion = 2

// Entry types, the "type" field of every JSONL line.
const (
	// TypeSession is the header, the first line of every file.
	TypeSession = "session"
	// TypeMessage is one message: user, assistant (with tool calls) or
	// tool results.
	TypeMessage = "message"
	// TypeCompaction replaces the messages before FirstKept with Summary
	// in the history sent to the model. The messages stay in the file.
	TypeCompaction = "compaction"
	// TypeFlush records a memory flush of the current compaction cycle.
	TypeFlush = "flush"
	// TypeCommit ends a turn: the message lines since the previous commit
	// belong to the session only once it follows them. Count is how many
	// there are; Status says how the turn ended.
	TypeCommit = "commit"
	// TypeFormat (with Version) is appended when a version 1 file is
	// first continued: from that line on, turns end with a commit.
	TypeFormat = "format"
	// TypeTitle names the session (Title); one without a title gives the
	// session back its default name, the first line of its first message.
	TypeTitle = "title"
	// TypeWithdraw takes back the last committed turn: its lines stay in
	// the file, but the session is read as if it had never happened. It
	// is written with the turn that replaces it (regenerate, edit and
	// resend), never alone.
	TypeWithdraw = "withdraw"
)

// Turn statuses, the Status of a commit record.
const (
	// TurnAnswered is a turn the model finished (Status is left empty).
	TurnAnswered = ""
	// TurnLimit stopped at agent.max_tool_iterations.
	TurnLimit = "iteration_limit"
	// TurnCancelled was cancelled by the user (Ctrl-C, a client that went
	// away): its completed tool rounds and the user message are kept.
	TurnCancelled = "cancelled"
	// TurnFailed ended on an error (Error says which); what it completed
	// is kept, so the next turn does not repeat its tools.
	TurnFailed = "failed"
)

// Flush kinds.
const (
	// FlushTurn is the silent agent turn asking the model to save durable
	// facts with memory_save.
	FlushTurn = "memory_turn"
	// FlushNote is the compaction note our code appends to the daily log.
	FlushNote = "daily_note"
)

// Entry is one line of a session file. One flat struct for every type
// keeps loading to a single decode per line; only the fields of Type are set.
type Entry struct {
	Type string    `json:"type"`
	At   time.Time `json:"at"`

	// Header (TypeSession), and TypeFormat.
	Version int    `json:"version,omitempty"`
	ID      string `json:"id,omitempty"`
	// Model is the model label ("openai/gpt-4o-mini") of the header, or
	// the model that answered, on an assistant message.
	Model string `json:"model,omitempty"`

	// Message (TypeMessage).
	Message *llm.Message `json:"message,omitempty"`
	// Usage and ContextTokens go on the last message of a turn: the
	// turn's total usage and the prompt size of its last model call.
	Usage         *llm.Usage `json:"usage,omitempty"`
	ContextTokens int        `json:"context_tokens,omitempty"`

	// Compaction (TypeCompaction).
	Summary string `json:"summary,omitempty"`
	// FirstKept is the index (among the session's messages, from 0) of the
	// first message kept verbatim; it is always a user message.
	FirstKept int `json:"first_kept,omitempty"`
	// Replaced is how many messages this compaction summarised.
	Replaced     int    `json:"replaced,omitempty"`
	Reason       string `json:"reason,omitempty"`
	TokensBefore int    `json:"tokens_before,omitempty"`
	TokensAfter  int    `json:"tokens_after,omitempty"`
	// ClipBytes, set by a hard compaction, cuts each tool result of the
	// messages it kept to about this many bytes in what the model is sent
	// (the file keeps them whole); 0 cuts nothing.
	ClipBytes int `json:"clip_bytes,omitempty"`

	// Flush (TypeFlush): Cycle is the number of compactions before it.
	Kind  string   `json:"kind,omitempty"`
	Cycle int      `json:"cycle,omitempty"`
	Tools []string `json:"tools,omitempty"`
	Path  string   `json:"path,omitempty"`

	// Commit (TypeCommit): the turn's message count, how it ended
	// (TurnAnswered, TurnLimit, …) and, when it failed, why.
	Count  int    `json:"count,omitempty"`
	Status string `json:"status,omitempty"`
	Error  string `json:"error,omitempty"`

	// Title (TypeTitle) is the name the user gave the session.
	Title string `json:"title,omitempty"`
}
