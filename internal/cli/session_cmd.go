package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/localgpt-go/localgpt/internal/fsutil"
	"github.com/localgpt-go/localgpt/internal/session"
	"github.com/localgpt-go/localgpt/internal/termmd"
)

func newSessionCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "session",
		Aliases: []string{"sessions"},
		Short:   "List, show, search, rename, export and delete chat sessions",
		Long: `Every chat is a session, kept as one JSONL file per session in the sessions
folder of the LocalGPT home (see 'localgpt paths'). Each message, tool call
and tool result is appended and synced to disk after every turn, so a crash
loses at most the answer in flight. Continue one with 'localgpt chat
--session ID' or the latest with 'localgpt chat --resume'.

Wherever an ID is asked for, a unique prefix of it will do.`,
	}
	cmd.AddCommand(newSessionListCmd(a), newSessionShowCmd(a), newSessionExportCmd(a),
		newSessionDeleteCmd(a), newSessionSearchCmd(a), newSessionRenameCmd(a))
	return cmd
}

// sessions loads the config and returns the session store.
func (a *app) sessions() (*session.Store, error) {
	if err := a.setup(); err != nil {
		return nil, err
	}
	return &session.Store{Dir: a.paths.Sessions, Secrets: a.secrets}, nil
}

// warnSkipped reports the lines a load skipped, on stderr and in the log.
func (a *app) warnSkipped(id string, warnings []string) {
	for _, w := range warnings {
		printf(a.stderr, "localgpt: warning: session %s: %s\n", id, w)
		a.log.Warn("session line skipped", "session", id, "warning", w)
	}
}

func newSessionListCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List sessions, most recent first",
		Example: `  localgpt session list
  localgpt session list --json | jq -r '.[0].id'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := a.sessions()
			if err != nil {
				return err
			}
			infos, err := st.List()
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(a.stdout, infos)
			}
			if len(infos) == 0 {
				fmt.Fprintln(a.stdout, "No sessions yet; start one with `localgpt chat`.")
				return nil
			}
			for _, in := range infos {
				if in.Error != "" {
					printf(a.stderr, "localgpt: warning: session %s (%s) cannot be read: %s\n", in.ID, in.Path, in.Error)
				}
			}
			printSessions(a.stdout, infos)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// printSessions prints one line per session.
func printSessions(w io.Writer, infos []session.Info) {
	printf(w, "%-20s  %-16s  %5s  %-22s  %s\n", "ID", "UPDATED", "MSGS", "MODEL", "TITLE")
	for _, in := range infos {
		msgs, title := fmt.Sprint(in.Messages), oneLine(in.Title, 60)
		if in.Error != "" {
			msgs, title = "?", "(cannot be read: see the warning above)"
		}
		printf(w, "%-20s  %-16s  %5s  %-22s  %s\n", in.ID, in.Updated.Local().Format("2006-01-02 15:04"),
			msgs, oneLine(in.Model, 22), title)
	}
}

func newSessionShowCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Print a session's transcript",
		Long: `Print a session's transcript as markdown: every message, tool call and
result, the compaction summaries where they were made, and a note under each
turn that was cancelled or failed. A long session is printed as it is read.`,
		Example: `  localgpt session show 20260301-0915
  localgpt session show "$(localgpt session list --json | jq -r '.[0].id')" | less`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: a.completeSessions(false),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := a.sessions()
			if err != nil {
				return err
			}
			in, err := st.Info(args[0])
			if err != nil {
				return err
			}
			if in.Error != "" {
				return fmt.Errorf("session %s (%s) cannot be read: %s", in.ID, in.Path, in.Error)
			}
			var out io.Writer
			var done func() error
			if useColor(a.getenv, a.stdout) {
				md := termmd.New(a.stdout) // drops control characters itself
				out, done = md, md.Flush
			} else { // the text as it is to a pipe, sanitized on a terminal
				out, done = document(a.stdout)
			}
			m := session.NewMarkdown(out, in)
			warnings, err := st.Walk(in.ID, m.Entry)
			if cerr := m.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			a.warnSkipped(in.ID, warnings)
			return done()
		},
	}
}

func newSessionRenameCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "rename ID TITLE...",
		Short: "Give a session a title",
		Long: `Give a session a title, shown by 'session list' instead of its first message.
The title is kept in the session's file. An empty title ("") goes back to the
default. A session open in a chat cannot be renamed until the chat ends.`,
		Example: `  localgpt session rename 20260301-0915 Garden plans
  localgpt session rename 20260301-0915 ""`,
		Args:              cobra.MinimumNArgs(2),
		ValidArgsFunction: a.completeSessions(false),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := a.sessions()
			if err != nil {
				return err
			}
			in, err := st.Rename(args[0], strings.Join(args[1:], " "), time.Now())
			if err != nil {
				return err
			}
			printf(a.stdout, "Session %s is now titled %q\n", in.ID, in.Title)
			return nil
		},
	}
}

func newSessionExportCmd(a *app) *cobra.Command {
	var format, out string
	cmd := &cobra.Command{
		Use:   "export ID",
		Short: "Export a session as markdown or JSON",
		Long: `Export a session as markdown (the default) or JSON (--format json, or -o
FILE.json), to standard output or, with -o, to a file (written atomically: a
crash leaves the old file or the new one, never half of it). The file's
folder must exist: a missing one is an error, not created. A file or a pipe
gets the text exactly; on a terminal, control characters (escape sequences a
model or a file may hold) are removed first.`,
		Example: `  localgpt session export 20260301-0915 -o garden-chat.md
  localgpt session export 20260301-0915 --format json | jq '.entries | length'`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: a.completeSessions(false),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, t, err := a.loadSession(args[0])
			if err != nil {
				return err
			}
			if !cmd.Flags().Changed("format") && strings.EqualFold(filepath.Ext(out), ".json") {
				format = "json" // as chat's /export does
			}
			return exportSession(a, st, t, format, out)
		},
	}
	cmd.Flags().StringVar(&format, "format", "md", "md or json (json by default for -o FILE.json)")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"md", "json"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.Flags().StringVarP(&out, "output", "o", "", "write to this file instead of standard output")
	return cmd
}

// exportSession writes t as format to file, or to stdout when file is "".
func exportSession(a *app, st *session.Store, t *session.Transcript, format, file string) error {
	var buf bytes.Buffer
	var err error
	switch format {
	case "md", "markdown":
		err = session.WriteMarkdown(&buf, t)
	case "json":
		err = session.WriteJSON(&buf, t, st.Path(t.Header.ID))
	default:
		return fmt.Errorf("export session %s: unknown format %q; use md or json", t.Header.ID, format)
	}
	if err != nil {
		return err
	}
	if file == "" { // the exact text to a pipe, sanitized on a terminal
		out, done := document(a.stdout)
		if _, err := out.Write(buf.Bytes()); err != nil {
			return err
		}
		return done()
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return err
	}
	if err := exportTarget(abs, t.Header.ID, format); err != nil {
		return fmt.Errorf("export session %s: %w", t.Header.ID, err)
	}
	if err := fsutil.WriteAtomic(abs, buf.Bytes(), fsutil.FileMode); err != nil {
		return fmt.Errorf("export session %s: %w", t.Header.ID, err)
	}
	printf(a.stderr, "Exported session %s to %s\n", t.Header.ID, abs)
	return nil
}

// exportTarget refuses a file to export into that is a folder, or whose
// folder does not exist: a mistyped folder is not created silently (the
// shell's > does not create one either) and nothing is written next to a
// folder the user meant to write into.
func exportTarget(file, id, format string) error {
	if info, err := os.Stat(file); err == nil && info.IsDir() {
		ext := ".md"
		if format == "json" {
			ext = ".json"
		}
		return fmt.Errorf("%s is a folder; name a file in it, such as %s", file, filepath.Join(file, id+ext))
	}
	dir := filepath.Dir(file)
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("folder %s does not exist; create it first (mkdir -p %s) or write elsewhere", dir, dir)
	case err != nil:
		return err
	case !info.IsDir():
		return fmt.Errorf("%s is not a folder, so %s cannot be written", dir, file)
	}
	return nil
}

func newSessionDeleteCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "delete ID...",
		Short: "Delete sessions",
		Long: `Delete the named sessions' files at once, without asking. What the
assistant saved to memory from them stays in the workspace. When an ID
matches no session (or several), nothing is deleted.`,
		Example:           `  localgpt session delete 20260301-0915 20260302-1030`,
		Args:              cobra.MinimumNArgs(1),
		ValidArgsFunction: a.completeSessions(true),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := a.sessions()
			if err != nil {
				return err
			}
			var ids []string
			for _, arg := range args { // a typo in any ID deletes nothing
				id, err := st.Resolve(arg)
				if err != nil {
					return err
				}
				if !slices.Contains(ids, id) { // named twice (an ID and its prefix): deleted once
					ids = append(ids, id)
				}
			}
			for _, id := range ids {
				in, err := st.Delete(id)
				if err != nil {
					return err
				}
				printf(a.stdout, "Deleted session %s (%d messages, %q) %s\n", in.ID, in.Messages, oneLine(in.Title, 60), in.Path)
			}
			return nil
		},
	}
}

func newSessionSearchCmd(a *app) *cobra.Command {
	var limit int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "search QUERY",
		Short: "Search every session's messages",
		Long: `Find the messages of every session (tool calls and results included) that
contain QUERY, ignoring case, and the sessions whose title given with
'session rename' does. Shows the session ID, the message number (or
"title") and the matching line; newest sessions first.`,
		Example: `  localgpt session search tomato
  localgpt session search "raised beds" --json | jq -r '.[].id' | sort -u`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if limit < 0 {
				return &usageError{cmd: cmd.CommandPath(), msg: fmt.Sprintf("-n/--limit must be 0 (every match) or more, got %d", limit)}
			}
			st, err := a.sessions()
			if err != nil {
				return err
			}
			query := strings.Join(args, " ")
			hits, err := st.Search(cmd.Context(), query, limit)
			if err != nil {
				return err
			}
			if asJSON {
				if hits == nil {
					hits = []session.Hit{}
				}
				return writeJSON(a.stdout, hits)
			}
			if len(hits) == 0 {
				printf(a.stdout, "No session mentions %q.\n", query)
				return nil
			}
			for _, h := range hits {
				if h.Message < 0 {
					printf(a.stdout, "%s title     %s\n", h.ID, h.Line)
					continue
				}
				printf(a.stdout, "%s #%d %-9s %s\n", h.ID, h.Message, h.Role, h.Line)
			}
			return nil
		},
	}
	cmd.Flags().IntVarP(&limit, "limit", "n", 50, "show at most this many matches (0: all)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// loadSession reads session id (or a unique prefix) and warns about the
// lines it had to skip.
func (a *app) loadSession(id string) (*session.Store, *session.Transcript, error) {
	st, err := a.sessions()
	if err != nil {
		return nil, nil, err
	}
	t, err := st.Load(id)
	if err != nil {
		return nil, nil, err
	}
	a.warnSkipped(t.Header.ID, t.Warnings)
	return st, t, nil
}
