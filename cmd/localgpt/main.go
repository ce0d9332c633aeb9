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

// stopProfile ends the CPU profile of a bench/pgo.sh build (pgoprofile.go)
// before the process exits; it does nothing in other builds.
var stopProfile = func() {}

func main() {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	ctx := cli.WithInterrupts(context.Background(), sigs)
	ctx = cli.WithSignalNotify(ctx, func(sig os.Signal) (<-chan os.Signal, func()) {
		c := make(chan os.Signal, 1)
		signal.Notify(c, sig)
		return c, func() { signal.Stop(c) }
	})
	code := cli.Main(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stopProfile()
	os.Exit(code)
}
