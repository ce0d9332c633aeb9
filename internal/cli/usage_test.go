package cli

import (
	"io"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestUsageErrors: a command called the wrong way exits 1 and says what
// was wrong in the user's terms and whose --help to read, never with
// cobra's or pflag's internals, and an unknown subcommand of a group is
// an error, not its help with exit 0.
func TestUsageErrors(t *testing.T) {
	home := t.TempDir()
	run(t, home, "paths") // the first run's notes out of the way
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"memory", "frob"}, []string{`unknown command "frob" for "localgpt memory"; the commands are add, recent`, "Run 'localgpt memory --help'"}},
		{[]string{"memory", "serch", "tea"}, []string{`unknown command "serch" for "localgpt memory"; did you mean "search"?`}},
		{[]string{"session", "lst"}, []string{`did you mean "list"?`, "Run 'localgpt session --help'"}},
		{[]string{"daemon", "restart"}, []string{`unknown command "restart" for "localgpt daemon"`}},
		{[]string{"completion", "tcsh"}, []string{`unknown command "tcsh" for "localgpt completion"`}},
		{[]string{"memroy"}, []string{`unknown command "memroy" for "localgpt"; did you mean "memory"?`, "Run 'localgpt --help'"}},
		{[]string{"session", "show"}, []string{"localgpt session show needs ID\nusage:   localgpt session show ID\n"}},
		{[]string{"session", "rename", "x"}, []string{"localgpt session rename needs TITLE"}},
		{[]string{"config", "set", "a", "b", "c"}, []string{"takes KEY VALUE, got 3 arguments (put quotes around a value that has spaces)",
			"example: localgpt config set agent.default_model claude-sonnet-4-5"}},
		{[]string{"paths", "extra"}, []string{`localgpt paths takes no arguments, got "extra"`}},
		{[]string{"memory", "search", "-n", "abc", "tea"}, []string{`-n/--limit takes a whole number, got "abc"`, "Run 'localgpt memory search --help'"}},
		{[]string{"memory", "search", "--jsn", "tea"}, []string{`unknown flag --jsn for "localgpt memory search"; did you mean --json?`}},
		{[]string{"memory", "search", "-x", "tea"}, []string{`unknown flag -x for "localgpt memory search"; its one-letter flags are`, "-n/--limit"}},
		{[]string{"daemon", "start", "--timeout", "soon"}, []string{`--timeout takes a duration such as "30s"`}},
		{[]string{"ask", "-m"}, []string{"-m/--model needs a value\n"}},
		{[]string{"daemon", "stop", "--timeout", "-5s"}, []string{"localgpt: --timeout must be more than 0, such as 1m0s; got -5s\n", "Run 'localgpt daemon stop --help'"}},
		{[]string{"daemon", "start", "--timeout", "0s"}, []string{"localgpt: --timeout must be more than 0, such as 30s; got 0s\n"}},
		{[]string{"session", "search", "-n", "-5", "hi"}, []string{"localgpt: -n/--limit must be 0 (every match) or more, got -5\n"}},
		{[]string{"--json", "memory", "search", "tea"}, []string{`unknown flag --json for "localgpt"; a command's flags go after it, as in: localgpt memory search --json` + "\n"}},
		{[]string{"--json", "models"}, []string{`unknown flag --json for "localgpt"; a command's flags go after it, as in: localgpt models --json` + "\n"}},
		{[]string{"memory", "--json", "search", "tea"}, []string{`unknown flag --json for "localgpt memory"; a command's flags go after it, as in: localgpt memory search --json` + "\n"}},
		{[]string{"memory", "--bogus"}, []string{`unknown flag --bogus for "localgpt memory"` + "\n"}},
		{[]string{"--bogus", "memory", "stats"}, []string{`unknown flag --bogus for "localgpt"` + "\n"}}, // no "flags go after it": stats refuses it too
		{[]string{"-m", "x", "--no-tools", "ask", "hi"}, []string{`unknown flag --no-tools for "localgpt"; a command's flags go after it, as in: localgpt ask --no-tools` + "\n"}},
		{[]string{"help", "memroy"}, []string{`unknown command "memroy" for "localgpt"; did you mean "memory"?`, "Run 'localgpt --help'"}},
		{[]string{"help", "memory", "serch"}, []string{`unknown command "serch" for "localgpt memory"; did you mean "search"?`}},
		{[]string{"chat", "--resume", "--session", "abc"}, []string{"localgpt chat takes --resume (the latest session) or --session ID (a given one), not both\n"}},
		{[]string{"ask", "-", "review", "this"}, []string{"localgpt ask reads the whole question from standard input with -; put the other words into that input, or leave out the -\n"}},
	} {
		r := run(t, home, tc.args...)
		if r.code != ExitError || r.stdout != "" {
			t.Errorf("%v: exit %d, stdout %q; want 1 and nothing", tc.args, r.code, r.stdout)
		}
		for _, w := range tc.want {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("%v: stderr lacks %q:\n%s", tc.args, w, r.stderr)
			}
		}
		for _, internal := range []string{"arg(s)", "strconv.", "shorthand flag", "Usage:", "flags in the group"} {
			if strings.Contains(r.stderr, internal) {
				t.Errorf("%v: stderr shows %q:\n%s", tc.args, internal, r.stderr)
			}
		}
	}
	// A group alone, or with --help, is still its help.
	for _, args := range [][]string{{"memory"}, {"memory", "--help"}, {"help", "memory"}, {"help"}} {
		if r := run(t, home, args...); r.code != 0 || !strings.Contains(r.stdout, "Available Commands:") || r.stderr != "" {
			t.Errorf("%v: %+v", args, r)
		}
	}
	for _, args := range [][]string{{"help", "memory", "search"}, {"memory", "search", "--help"}} {
		if r := run(t, home, args...); r.code != 0 || !strings.Contains(r.stdout, "localgpt memory search QUERY [flags]") || r.stderr != "" {
			t.Errorf("%v: %+v", args, r)
		}
	}
}

// TestHelpHasExamples: every command that takes arguments or prints
// --json shows how in its --help, and so in its usage errors.
func TestHelpHasExamples(t *testing.T) {
	root := newRootCmd(newApp(func(string) string { return "" }, strings.NewReader(""), io.Discard, io.Discard))
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
			_, args, _ := strings.Cut(sub.Use, " ")
			takesArgs := strings.ToLower(args) != args // "ID", "KEY VALUE", "PATH[:FROM-TO]"
			if sub.Runnable() && (takesArgs || sub.Flags().Lookup("json") != nil) && sub.Example == "" {
				t.Errorf("%q has no example in its --help", sub.CommandPath())
			}
		}
	}
	walk(root)
}
