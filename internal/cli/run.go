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
	"github.com/localgpt-go/localgpt/internal/secret"
)

// Main runs localgpt with args (without the program name), prints any
// error to stderr and returns the exit code.
func Main(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := newApp(getenv, stdin, stdout, stderr)
	err := a.run(ctx, args)
	if err != nil {
		printError(a.stderr, err)
	}
	return ExitCode(err)
}

// Run runs localgpt with args and returns what went wrong, if anything.
func Run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	return newApp(getenv, stdin, stdout, stderr).run(ctx, args)
}

// newApp prepares an invocation. Everything it writes to stderr (errors,
// warnings, tool activity) has the secrets masked: those of the
// environment from the start, the configuration's once it is loaded.
func newApp(getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) *app {
	var env []string
	for _, name := range config.SecretEnv() {
		env = append(env, getenv(name))
	}
	secrets := secret.New(env...)
	return &app{getenv: getenv, stdin: stdin, stdout: stdout, stderr: secrets.Writer(stderr), secrets: secrets}
}

func (a *app) run(ctx context.Context, args []string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stdin, stdout, stderr := a.stdin, a.stdout, a.stderr
	a.interrupts.watch(ctx, cancel)
	root := newRootCmd(a)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	polishUsage(root) // after SetOut: the completion command keeps the writer it is made with
	err := unknownSubcommand(root, args)
	if err == nil {
		err = root.ExecuteContext(ctx)
	}
	var reported *reportedError
	if a.catalog != nil && err != nil && !errors.As(err, &reported) {
		err = a.catalog.Explain(ctx, "", err) // "did you mean" for a model not found
	}
	if cerr := a.close(); err == nil {
		err = cerr
	}
	return err
}

func printError(w io.Writer, err error) {
	var ce *config.Error
	var es exitStatus
	var ue *usageError
	var re *reportedError
	switch {
	case errors.As(err, &es):
		return // the command said it all
	case errors.As(err, &re):
		printf(w, "localgpt: %s\n", re.summary)
	case errors.As(err, &ue):
		msg := ue.msg // "localgpt session show needs ID" names the program already
		if !strings.HasPrefix(msg, "localgpt ") {
			msg = "localgpt: " + msg
		}
		printf(w, "%s\nRun '%s --help' for more.\n", msg, ue.cmd)
	case errors.As(err, &ce):
		printf(w, "localgpt: configuration error: %v\n", ce)
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(w, "localgpt: interrupted")
	default:
		msg := err.Error()
		if strings.HasPrefix(msg, "unknown command") || strings.HasPrefix(msg, "unknown flag") ||
			strings.HasPrefix(msg, "unknown shorthand flag") {
			msg += "\nRun 'localgpt --help' for usage."
		}
		printf(w, "localgpt: %s\n", msg)
	}
}
