// Package cli is the localgpt command line: cobra commands that parse
// flags, call the packages that do the work, and print. Run drives a whole
// invocation in-process, so tests exercise every command without a binary.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/localgpt-go/localgpt/internal/config"
)

// Main runs localgpt with args (without the program name), prints any
// error to stderr and returns the exit code.
func Main(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	err := Run(ctx, args, getenv, stdin, stdout, stderr)
	if err != nil {
		printError(stderr, err)
	}
	return ExitCode(err)
}

// Run runs localgpt with args and returns what went wrong, if anything.
func Run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	a := &app{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	a.interrupts.watch(ctx, cancel)
	root := newRootCmd(a)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if cerr := a.close(); err == nil {
		err = cerr
	}
	return err
}

func printError(w io.Writer, err error) {
	var ce *config.Error
	switch {
	case errors.As(err, &ce):
		fmt.Fprintf(w, "localgpt: configuration error: %v\n", ce)
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(w, "localgpt: interrupted")
	default:
		msg := err.Error()
		if strings.HasPrefix(msg, "unknown command") || strings.HasPrefix(msg, "unknown flag") ||
			strings.HasPrefix(msg, "unknown shorthand flag") {
			msg += "\nRun 'localgpt --help' for usage."
		}
		fmt.Fprintf(w, "localgpt: %s\n", msg)
	}
}
