// Command localgpt is a local-only AI assistant with persistent markdown
// memory. All behaviour lives in internal/cli; main only connects it to the
// process: arguments, environment, standard streams, signals, exit code.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/localgpt-go/localgpt/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
