package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/localgpt-go/localgpt/internal/fuzzy"
)

// Usage errors: a command called the wrong way (an unknown subcommand or
// flag, a missing or extra argument, a flag value of the wrong type) says
// what was wrong in the user's terms, how to call the command, and whose
// --help to read, instead of cobra's and pflag's terse internals
// ("accepts 1 arg(s), received 0", "strconv.ParseInt: parsing …"). They
// exit with code 1.

// usageError is a command called the wrong way. Main prints it with a
// pointer to the command's own --help.
type usageError struct {
	cmd string // "localgpt session show"
	msg string
}

func (e *usageError) Error() string { return e.msg }

// polishUsage makes every command of the tree report its usage errors as
// usageErrors, and stops the shell from offering file names for the
// arguments of commands that complete none of their own (questions,
// queries, names): no argument of localgpt is a file. Called once the
// tree is complete.
func polishUsage(root *cobra.Command) {
	root.InitDefaultHelpCmd()
	strictHelp(root)
	root.InitDefaultCompletionCmd()
	root.SetFlagErrorFunc(flagError)
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Args != nil {
			c.Args = explainArgs(c.Args)
		}
		if c.ValidArgsFunction == nil && len(c.ValidArgs) == 0 {
			c.ValidArgsFunction = cobra.NoFileCompletions
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// strictHelp makes "localgpt help frob" the usage error "localgpt frob"
// is: cobra's help command prints "Unknown help topic" and the root's
// usage, and exits 0.
func strictHelp(root *cobra.Command) {
	for _, help := range root.Commands() {
		if help.Name() != "help" || help.Run == nil {
			continue
		}
		show := help.Run
		help.Run = nil
		help.RunE = func(c *cobra.Command, args []string) error {
			if err := unknownSubcommand(root, args); err != nil {
				return err
			}
			if _, _, err := root.Find(args); err != nil {
				return &usageError{cmd: root.CommandPath(), msg: err.Error()}
			}
			show(c, args)
			return nil
		}
	}
}

// unknownSubcommand catches "localgpt memory frob": cobra shows a
// command group's help and exits 0 when the subcommand is unknown (it
// checks only the root's), which hides the typo from the user and from
// scripts.
func unknownSubcommand(root *cobra.Command, args []string) error {
	if len(args) > 0 && strings.HasPrefix(args[0], "__complete") {
		return nil // the shell asking for completions (a command cobra adds later)
	}
	c, rest, err := root.Find(args)
	if err != nil && c != root || c == nil || c.Runnable() || !c.HasAvailableSubCommands() {
		return nil
	}
	if perr := c.ParseFlags(rest); perr != nil {
		if !errors.Is(perr, pflag.ErrHelp) {
			if ferr := flagBeforeCommand(root, c, args, perr); ferr != nil {
				return ferr
			}
		}
		return nil // Execute reports the flag error
	}
	if help, _ := c.Flags().GetBool("help"); help {
		return nil
	}
	pos := c.Flags().Args()
	if len(pos) == 0 {
		return nil
	}
	var names []string
	for _, sub := range c.Commands() {
		if sub.IsAvailableCommand() {
			names = append(names, sub.Name())
		}
	}
	msg := fmt.Sprintf("unknown command %q for %q", pos[0], c.CommandPath())
	if near := fuzzy.Nearest(pos[0], names, 1); len(near) > 0 {
		msg += fmt.Sprintf("; did you mean %q?", near[0])
	} else {
		msg += "; the commands are " + strings.Join(names, ", ")
	}
	return &usageError{cmd: c.CommandPath(), msg: msg}
}

// flagBeforeCommand explains a command's flag given before the command
// ("localgpt --json memory search tea", "localgpt memory --json search"):
// cobra, not knowing the flag at group, takes the next word for its value
// and then reports a wrong "unknown command", or the flag alone. The
// error names the flag, and where it goes instead when the command takes
// it; nil when no command follows the flag (cobra's own error says it
// then).
func flagBeforeCommand(root, group *cobra.Command, args []string, perr error) error {
	global := root.PersistentFlags()
	c, flag := root, ""
	for _, a := range args {
		switch {
		case strings.HasPrefix(a, "-"):
			name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
			known := global.Lookup(name) != nil || len(name) == 1 && global.ShorthandLookup(name) != nil ||
				name == "version" || name == "help" || name == "h" // cobra adds these later
			if flag == "" && !known {
				flag = a
			}
		default:
			if sub, _, ferr := c.Find([]string{a}); ferr == nil && sub != c {
				c = sub
			}
		}
	}
	if c == group || c == root || flag == "" {
		return nil
	}
	err := flagError(group, perr)
	var ue *usageError
	if errors.As(err, &ue) && hasFlag(c, flag) {
		ue.msg += fmt.Sprintf("; a command's flags go after it, as in: %s %s", c.CommandPath(), flag)
	}
	return err
}

// hasFlag reports whether cmd takes arg ("--json", "--limit=3", "-n",
// "-n3"): the hint to move a flag after cmd must not name one that cmd
// refuses there too.
func hasFlag(cmd *cobra.Command, arg string) bool {
	if name, ok := strings.CutPrefix(arg, "--"); ok {
		name, _, _ = strings.Cut(name, "=")
		return cmd.Flags().Lookup(name) != nil || cmd.InheritedFlags().Lookup(name) != nil
	}
	short := strings.TrimPrefix(arg, "-")
	if short == "" {
		return false
	}
	return cmd.Flags().ShorthandLookup(short[:1]) != nil || cmd.InheritedFlags().ShorthandLookup(short[:1]) != nil
}

// explainArgs wraps a command's argument check so that a wrong count
// names the missing argument or the extra one, with the usage line and
// the command's first example.
func explainArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		err := check(cmd, args)
		var ue *usageError
		if err == nil || errors.As(err, &ue) {
			return err
		}
		return argsError(cmd, args)
	}
}

// argsError explains a wrong number of arguments from the command's Use
// line ("rename ID TITLE...": ID and TITLE are required).
func argsError(cmd *cobra.Command, args []string) error {
	var required, optional []string
	for _, f := range strings.Fields(cmd.Use)[1:] {
		switch {
		case f == "[flags]":
		case strings.HasPrefix(f, "["):
			optional = append(optional, f)
		default:
			required = append(required, strings.TrimRight(f, ".…"))
		}
	}
	var what string
	switch {
	case len(args) < len(required):
		what = "needs " + strings.Join(required[len(args):], " and ")
	case len(required)+len(optional) == 0:
		what = fmt.Sprintf("takes no arguments, got %q", args[0])
	default:
		what = fmt.Sprintf("takes %s, got %d arguments", strings.Join(append(required, optional...), " "), len(args))
		if len(required) > 0 {
			what += " (put quotes around a value that has spaces)"
		}
	}
	return usage(cmd, what)
}

// usage is the error "localgpt CMD <what>", with the command's usage
// line and its first example.
func usage(cmd *cobra.Command, what string) error {
	msg := fmt.Sprintf("%s %s\nusage:   %s", cmd.CommandPath(), what, strings.TrimSuffix(cmd.UseLine(), " [flags]"))
	if ex := strings.TrimSpace(strings.SplitN(cmd.Example, "\n", 2)[0]); ex != "" {
		msg += "\nexample: " + ex
	}
	return &usageError{cmd: cmd.CommandPath(), msg: msg}
}

// flagError explains a flag cobra could not parse.
func flagError(cmd *cobra.Command, err error) error {
	var (
		notExist *pflag.NotExistError
		invalid  *pflag.InvalidValueError
		required *pflag.ValueRequiredError
	)
	msg := err.Error()
	switch {
	case errors.As(err, &notExist):
		name := notExist.GetSpecifiedName()
		var names []string
		if notExist.GetSpecifiedShortnames() != "" { // -x, or x within -abx
			msg = fmt.Sprintf("unknown flag -%s for %q", name, cmd.CommandPath())
			cmd.Flags().VisitAll(func(f *pflag.Flag) {
				if f.Shorthand != "" {
					names = append(names, "-"+f.Shorthand+"/--"+f.Name)
				}
			})
			if len(names) > 0 {
				msg += "; its one-letter flags are " + strings.Join(names, ", ")
			}
			break
		}
		msg = fmt.Sprintf("unknown flag --%s for %q", name, cmd.CommandPath())
		cmd.Flags().VisitAll(func(f *pflag.Flag) { names = append(names, f.Name) })
		if near := fuzzy.Nearest(name, names, 1); len(near) > 0 {
			msg += fmt.Sprintf("; did you mean --%s?", near[0])
		}
	case errors.As(err, &invalid):
		msg = fmt.Sprintf("%s takes %s, got %q", flagName(invalid.GetFlag()), valueKind(invalid.GetFlag()), invalid.GetValue())
	case errors.As(err, &required):
		msg = fmt.Sprintf("%s needs a value", flagName(required.GetFlag()))
		if kind := valueKind(required.GetFlag()); kind != "a string" {
			msg += ": " + kind
		}
	}
	return &usageError{cmd: cmd.CommandPath(), msg: msg}
}

// flagName is "-n/--limit" or "--json".
func flagName(f *pflag.Flag) string {
	if f.Shorthand != "" {
		return "-" + f.Shorthand + "/--" + f.Name
	}
	return "--" + f.Name
}

// valueKind says what a flag's value must look like.
func valueKind(f *pflag.Flag) string {
	switch f.Value.Type() {
	case "int", "int64", "uint", "uint64":
		return "a whole number"
	case "float64":
		return "a number"
	case "duration":
		return `a duration such as "30s", "2m" or "1h30m"`
	case "bool":
		return "true or false"
	}
	if name, _ := pflag.UnquoteUsage(f); name != "" && name != "string" {
		return name
	}
	return "a " + f.Value.Type()
}
