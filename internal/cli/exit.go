package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/llm"
)

// Exit codes, documented in `localgpt --help`.
const (
	ExitOK       = 0
	ExitError    = 1 // anything else, including bad flags
	ExitConfig   = 2 // the configuration is invalid or incomplete
	ExitProvider = 3 // an LLM provider failed or could not be reached
	// ExitInterrupted follows the shell convention for SIGINT.
	ExitInterrupted = 130
)

// ExitNotRunning is `daemon status`'s code when no daemon runs, as the
// LSB asks of a status command (3: program is not running).
const ExitNotRunning = 3

// exitStatus ends a command with a code after it printed all it had to
// say; nothing more is printed for it.
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// ExitCode maps an error returned by Run to the process exit code.
func ExitCode(err error) int {
	var ce *config.Error
	var le *llm.Error
	var es exitStatus
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &es):
		return int(es)
	case errors.As(err, &ce):
		return ExitConfig
	case errors.As(err, &le):
		return ExitProvider
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	}
	return ExitError
}

// reportedError is a failure whose details the command already printed
// (doctor's ✗ lines, models' errors): Main prints only its summary, and
// the exit code is the cause's.
type reportedError struct {
	summary string
	cause   error
}

func (e *reportedError) Error() string { return e.summary + ": " + e.cause.Error() }
func (e *reportedError) Unwrap() error { return e.cause }
