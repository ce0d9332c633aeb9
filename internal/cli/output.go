package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/localgpt-go/localgpt/internal/termmd"
)

// styled is text LocalGPT composed itself, its own escape codes included
// (a coloured ✓, a dimmed label): printf passes it through as it is.
type styled string

// printf prints for a person. The format is LocalGPT's own and may hold
// escape codes; every argument that is text — a model's answer or tool
// call, a tool's output, a line of a file or a session, a provider's
// error, a path — goes through termmd.Sanitize first, so nothing from
// outside can act on the terminal (clear it, move the cursor, write the
// clipboard with OSC 52). Text LocalGPT styled itself is passed as styled.
func printf(w io.Writer, format string, args ...any) {
	for i, arg := range args {
		switch v := arg.(type) {
		case styled:
			args[i] = string(v)
		case string:
			args[i] = termmd.Sanitize(v)
		case error:
			args[i] = termmd.Sanitize(v.Error())
		case fmt.Stringer:
			args[i] = termmd.Sanitize(v.String())
		default:
			if rv := reflect.ValueOf(arg); rv.IsValid() && rv.Kind() == reflect.String {
				args[i] = termmd.Sanitize(rv.String())
			}
		}
	}
	fmt.Fprintf(w, format, args...)
}

// document returns where to write a whole document (a memory file, a
// session) meant for w, and a function to call at the end: on a terminal
// the text goes through termmd's sanitizer; to a pipe or a file it is
// left exactly as it is.
func document(w io.Writer) (io.Writer, func() error) {
	if !isTerminal(w) {
		return w, func() error { return nil }
	}
	s := termmd.NewSanitizer(w)
	return s, s.Flush
}

// writeJSON prints v as indented JSON, the form of every --json output.
// encoding/json escapes C0 controls but leaves C1 controls and bidi
// overrides raw; they are escaped too (\u009b), which changes no value, so
// JSON printed to a terminal cannot act on it either.
func writeJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	out := buf.Bytes()
	if bytes.IndexFunc(out, termmd.Control) >= 0 {
		var b strings.Builder
		for len(out) > 0 {
			c, size := utf8.DecodeRune(out)
			if termmd.Control(c) {
				fmt.Fprintf(&b, "\\u%04x", c) // only inside strings: JSON's own syntax is ASCII
			} else {
				b.Write(out[:size])
			}
			out = out[size:]
		}
		out = []byte(b.String())
	}
	_, err := w.Write(out)
	return err
}

// readStdin reads all of r, refusing more than limit bytes rather than
// silently using a truncated text. what names the text in errors. When r
// is a terminal, a person is typing: hint is told how to end the text,
// rather than the command seeming to hang.
func readStdin(r io.Reader, hint io.Writer, limit int64, what string) (string, error) {
	if isTerminal(r) {
		fmt.Fprintf(hint, "localgpt: type %s, then press Ctrl-D on a line of its own to end it\n", what)
	}
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return "", fmt.Errorf("read %s from stdin: %w", what, err)
	}
	if int64(len(data)) > limit {
		return "", fmt.Errorf("%s on stdin is longer than %d MiB; pass a shorter text, or save it to a file in the workspace and refer to it", what, limit>>20)
	}
	return string(data), nil
}

// needArgs accepts from min to max arguments (max < 0: any number) and
// otherwise answers with the command's usage and an example, instead of
// cobra's terse count.
func needArgs(min, max int, usage, example string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) >= min && (max < 0 || len(args) <= max) {
			return nil
		}
		what := "needs an argument"
		if len(args) >= min {
			what = fmt.Sprintf("takes at most %s, got %d", count(max, "argument", "arguments"), len(args))
		}
		return &usageError{cmd: cmd.CommandPath(), msg: fmt.Sprintf("%s %s\nusage:   %s\nexample: %s", cmd.CommandPath(), what, usage, example)}
	}
}

// count is "1 skill" or "3 skills": n and the noun for one or for many.
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
