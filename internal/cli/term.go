package cli

import (
	"io"
	"os"

	"golang.org/x/term"
)

// isTerminal reports whether w (a reader or writer) is an interactive terminal, so that output
// meant for people (colour, progress, markdown) is only used there.
func isTerminal(w any) bool {
	// See through wrappers (the secret-masking stderr).
	for {
		u, ok := w.(interface{ Unwrap() io.Writer })
		if !ok {
			break
		}
		w = u.Unwrap()
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// useColor follows https://no-color.org: colour only on a terminal, and
// never when NO_COLOR is set or TERM is "dumb".
func useColor(getenv func(string) string, w io.Writer) bool {
	return getenv("NO_COLOR") == "" && getenv("TERM") != "dumb" && isTerminal(w)
}
