package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/localgpt-go/localgpt/internal/daemon"
	"github.com/localgpt-go/localgpt/internal/memory"
	"github.com/localgpt-go/localgpt/internal/termmd"
)

func newMemoryCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "memory",
		Short: "Search and edit the markdown memory",
		Long: `Search and edit LocalGPT's memory: the markdown files of the workspace
(MEMORY.md, daily logs in memory/YYYY-MM-DD.md, any other notes, plus
memory.external_paths) and the search index derived from them.

The markdown is the truth; the index lives outside the workspace and can
always be rebuilt with 'localgpt memory reindex --force'.`,
	}
	cmd.AddCommand(
		newMemorySearchCmd(a),
		newMemoryReindexCmd(a),
		newMemoryStatsCmd(a),
		newMemoryRecentCmd(a),
		newMemoryAddCmd(a),
		newMemoryShowCmd(a),
	)
	return cmd
}

// openMemory loads the config and opens the memory index, telling the
// user if the index had to be recreated. The store is the invocation's
// (a.root's): callers do not close it.
func (a *app) openMemory(ctx context.Context) (*memory.Store, error) {
	if err := a.setup(); err != nil {
		return nil, err
	}
	s, err := a.root.Memory(ctx)
	if err != nil {
		return nil, err
	}
	if r := s.Recovered(); r != "" {
		printf(a.stderr, "localgpt: note: %s\n", r)
	}
	return s, nil
}

func newMemorySearchCmd(a *app) *cobra.Command {
	var limit int
	var asJSON, noRefresh bool
	var modeFlag string
	cmd := &cobra.Command{
		Use:   "search QUERY",
		Short: "Search the memory",
		Long: `Search the memory for QUERY. Words are matched as prefixes and must all
appear (if no chunk has them all, any may appear); "quoted phrases" must
appear as written. Nothing in QUERY is special syntax: AND, OR, -, * and
parentheses are ordinary text. Results show file:lines, the heading, a
snippet with the matches marked «like this», and a score from 0 to 1.

Files changed since the last search are reindexed first: the folders whose
time changed are listed again and the files edited lately are checked (a
few milliseconds for 3,000 files); a file rewritten in place without its
folder changing is found by the whole check made every 5 minutes, or by
'localgpt memory reindex'. While the daemon runs, its watcher keeps the
index current within a second of every change, so the check is skipped.
--no-refresh skips it always.

With semantic search on (memory.embeddings.enabled), results are ranked by
meaning as well as by words (--mode hybrid, the default): "what do I drink
in the morning" finds "I prefer tea to coffee". --mode vector ranks by
meaning alone, --mode text by words alone. When the embedding model cannot
be reached, or some chunks have no vector yet, the search says so on
stderr ("text only: …") and ranks those by their words. Without a daemon,
chunks waiting for a vector are embedded first when one request can take
them all; 'localgpt memory reindex' embeds the rest.`,
		Example: `  localgpt memory search garden plans
  localgpt memory search '"raised beds"' -n 3 --json
  localgpt memory search --mode vector what do I drink in the morning`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if limit < 1 {
				return fmt.Errorf("-n must be at least 1, got %d", limit)
			}
			mode, err := memory.ParseMode(modeFlag)
			if err != nil {
				return err
			}
			query := strings.Join(args, " ")
			ctx := cmd.Context()
			s, err := a.openMemory(ctx)
			if err != nil {
				return err
			}
			// The daemon's watcher keeps the index of the default home
			// current, and its embedder the vectors.
			watched := a.configFlag == "" && daemon.Running(a.paths)
			if !noRefresh && !watched {
				if _, err := s.Refresh(ctx); err != nil {
					return err
				}
				if mode != memory.ModeText {
					if _, err := s.CatchUp(ctx); err != nil {
						a.log.Warn("memory: waiting chunks not embedded before search", "err", err)
					}
				}
			}
			found, err := s.Find(ctx, query, memory.FindOptions{Limit: limit, Mode: mode})
			if errors.Is(err, memory.ErrEmptyQuery) {
				return fmt.Errorf("nothing to search for in %q: give at least one word", oneLine(query, 80))
			}
			if err != nil {
				return err
			}
			rs := found.Results
			if found.TextOnly != "" {
				printf(a.stderr, "localgpt: %s\n", termmd.Sanitize(found.TextOnly))
			}
			if note := memory.QueryNote(query); note != "" {
				printf(a.stderr, "localgpt: %s\n", note)
			}
			if asJSON {
				if rs == nil {
					rs = []memory.Result{}
				}
				return writeJSON(a.stdout, rs)
			}
			if len(rs) == 0 {
				printf(a.stderr, "localgpt: no matches for %q\n", oneLine(query, 80))
				return nil
			}
			printResults(a.stdout, rs, useColor(a.getenv, a.stdout))
			return nil
		},
	}
	cmd.Flags().IntVarP(&limit, "limit", "n", 10, "maximum number of results")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print results as JSON")
	cmd.Flags().BoolVar(&noRefresh, "no-refresh", false, "do not check for edited files first")
	cmd.Flags().StringVar(&modeFlag, "mode", "", "rank by text, vector (meaning) or hybrid (both; the default with memory.embeddings on)")
	_ = cmd.RegisterFlagCompletionFunc("mode", cobra.FixedCompletions([]string{"hybrid", "text", "vector"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// ANSI styles for terminal output.
const (
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiCyan   = "\x1b[36m"
	ansiYellow = "\x1b[1;33m"
	ansiReset  = "\x1b[0m"
)

func printResults(w io.Writer, rs []memory.Result, color bool) {
	for i, r := range rs {
		if i > 0 {
			fmt.Fprintln(w)
		}
		// The file's text is sanitized before LocalGPT's own styles go in.
		loc := styled(termmd.Sanitize(fmt.Sprintf("%s:%d-%d", r.File, r.LineStart, r.LineEnd)))
		snippet := styled(termmd.Sanitize(r.Snippet))
		if color {
			loc = ansiCyan + loc + ansiReset
			snippet = styled(strings.NewReplacer(memory.MarkStart, ansiYellow, memory.MarkEnd, ansiReset).Replace(string(snippet)))
		}
		printf(w, "%s  %.2f\n", loc, r.Score)
		if r.Heading != "" {
			if color {
				printf(w, "  "+ansiBold+"%s"+ansiReset+"\n", r.Heading)
			} else {
				printf(w, "  %s\n", r.Heading)
			}
		}
		printf(w, "  %s\n", snippet)
	}
}

func newMemoryReindexCmd(a *app) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "reindex",
		Short: "Bring the memory index up to date",
		Long: `Index new and changed markdown and drop deleted files. Unchanged files
(same size and modification time) are not read. --force rebuilds the index
from scratch. A progress bar is shown when stderr is a terminal.

With semantic search on (memory.embeddings.enabled), the chunks that have
no vector yet are then embedded, in batches of memory.embeddings.batch_size,
with a second progress bar: only text that changed (a rebuild keeps every
vector), and a pass stopped by Ctrl-C or a failure resumes where it
stopped. When the daemon is embedding, this waits for it. A change of
memory.embeddings.model embeds every chunk again, and says so. Exit code 3
when the embedding model fails (the text index is up to date then).`,
		Example: `  localgpt memory reindex
  localgpt memory reindex --force`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			s, err := a.openMemory(ctx)
			if err != nil {
				return err
			}
			progress, finish := a.progressBar("indexing")
			defer finish()
			restore := bulkGC()
			st, err := s.Reindex(ctx, force, progress)
			restore()
			for _, n := range st.Notes {
				printf(a.stderr, "localgpt: note: %s\n", n)
			}
			if err != nil {
				return err
			}
			printf(a.stdout, "indexed %s (%.1f MB), %d unchanged, %d skipped, %d removed; %s written in %s\n",
				count(st.Indexed, "file", "files"), float64(st.Bytes)/1e6, st.Unchanged, st.Skipped, st.Removed,
				count(st.Chunks, "chunk", "chunks"), st.Duration.Round(time.Millisecond))
			if !s.Embeddings() {
				return nil
			}
			return a.embedAll(ctx, s)
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "rebuild the whole index")
	return cmd
}

// progressBar returns a progress callback drawing a bar named what on
// stderr, and the finish that clears it; off a terminal the callback is nil
// (nothing drawn) and finish does nothing.
func (a *app) progressBar(what string) (progress func(done, total int), finish func()) {
	if !isTerminal(a.stderr) {
		return nil, func() {}
	}
	bar := progressbar.NewOptions(-1,
		progressbar.OptionSetWriter(a.stderr),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(80*time.Millisecond),
	)
	return func(done, total int) {
		if bar.GetMax() != total {
			bar.ChangeMax(total)
		}
		bar.Set(done)
	}, func() { bar.Finish() }
}

// bulkGCPercent is the garbage collector's pace during a reindex (Go's
// default is 100).
const bulkGCPercent = 300

// bulkGC lets the heap grow to four times what stays live between
// collections until restore is called, unless GOGC already allows more
// (or turns the collector off). A full reindex allocates about six times
// the markdown it reads (file contents, their text, chunks, statement
// arguments: 170 MB for the 29.5 MB benchmark corpus) while little of it
// stays live, so at the default pace the collector took about a tenth of
// the time: full reindex of 3,000 notes 1.17 → 1.06 s (medians of 6,
// load 15–18), peak RSS 62 → 75 MB.
func bulkGC() (restore func()) {
	old := debug.SetGCPercent(bulkGCPercent)
	if old < 0 || old >= bulkGCPercent {
		debug.SetGCPercent(old)
		return func() {}
	}
	return func() { debug.SetGCPercent(old) }
}

// embedAll embeds the chunks without a vector, with a progress bar on a
// terminal, waiting for another process's pass (the daemon's) if needed.
func (a *app) embedAll(ctx context.Context, s *memory.Store) error {
	progress, finish := a.progressBar("embedding")
	defer finish()
	o := memory.EmbedOptions{Progress: progress}
	st, err := s.Embed(ctx, o)
	if err == nil && st.Busy {
		printf(a.stderr, "localgpt: another LocalGPT process (the daemon?) is computing embeddings; waiting for it (Ctrl-C leaves the rest to it)\n")
		o.Wait = true
		st, err = s.Embed(ctx, o)
	}
	if st.Replaced != "" {
		printf(a.stderr, "localgpt: note: the embedding model changed from %s to %s: every chunk is embedded again\n", st.Replaced, st.Model)
	}
	if err != nil {
		printf(a.stdout, "embedded %s (%d reused) with %s before it failed; %d of %s have a vector\n",
			count(st.Embedded, "chunk", "chunks"), st.Reused, st.Model, st.Covered, count(st.Chunks, "chunk", "chunks"))
		return fmt.Errorf("%w\nThe text index is up to date; searches rank the chunks without a vector by their words until 'localgpt memory reindex' embeds them", err)
	}
	printf(a.stdout, "embedded %s (%d reused) with %s in %s, %s; %d of %s have a vector\n",
		count(st.Embedded, "chunk", "chunks"), st.Reused, st.Model, count(st.Requests, "request", "requests"),
		st.Duration.Round(time.Millisecond), st.Covered, count(st.Chunks, "chunk", "chunks"))
	return nil
}

func newMemoryStatsCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "stats",
		Short: "Show what the memory index holds",
		Long: `Show the index: the workspace and the external paths it covers, how many
files and chunks it holds (and files skipped as binary or too large), its
size on disk and when a reindex last changed it. With semantic search on
(memory.embeddings.enabled), also the embedding model and vector size, how
many chunks have a vector, and when the last embedding pass ended or why
it failed ('localgpt memory reindex' embeds the chunks still waiting).
With --json, times the index has never had are left out.`,
		Example: `  localgpt memory stats
  localgpt memory stats --json | jq .embeddings.embedded`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := a.openMemory(cmd.Context())
			if err != nil {
				return err
			}
			st, err := s.Stats(cmd.Context())
			if err != nil {
				return err
			}
			if st.Embeddings != nil { // the provider's error may echo its key, and this is stdout
				st.Embeddings.LastError = a.secrets.Mask(st.Embeddings.LastError)
			}
			if asJSON {
				return writeJSON(a.stdout, st)
			}
			last := "never"
			if !st.LastIndexed.IsZero() {
				last = st.LastIndexed.Local().Format("2006-01-02 15:04:05")
			}
			printf(a.stdout, "workspace     %s\nindex         %s\nfiles         %d\nskipped       %d\nchunks        %d\nindex size    %.1f MB\nlast indexed  %s\n",
				st.Workspace, st.Index, st.Files, st.Skipped, st.Chunks, float64(st.IndexBytes)/1e6, last)
			for _, e := range st.ExternalPaths {
				if _, err := os.Stat(e); errors.Is(err, fs.ErrNotExist) { // reindex skips it with a note
					e += " (does not exist: nothing of it is indexed)"
				}
				printf(a.stdout, "external      %s\n", e)
			}
			printEmbedStatus(a.stdout, st.Embeddings)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

// printEmbedStatus prints the lines of memory stats about semantic search.
func printEmbedStatus(w io.Writer, es *memory.EmbedStatus) {
	if es == nil {
		printf(w, "embeddings    off (memory.embeddings.enabled)\n")
		return
	}
	size := "size not known yet"
	if es.Dims > 0 {
		size = fmt.Sprintf("%d dimensions", es.Dims)
	}
	printf(w, "embeddings    %s, %s\n", es.Model, size)
	pct := 100.0
	if es.Chunks > 0 {
		pct = 100 * float64(es.Embedded) / float64(es.Chunks)
	}
	printf(w, "embedded      %d of %d chunks (%.0f%%)\n", es.Embedded, es.Chunks, pct)
	if es.IndexModel != "" {
		printf(w, "index holds   vectors of %s (the next embedding pass replaces them)\n", es.IndexModel)
	}
	printf(w, "vectors       %d (%.1f MB)\n", es.Vectors, float64(es.VectorBytes)/1e6)
	last := "never"
	if !es.LastPass.IsZero() {
		last = es.LastPass.Local().Format("2006-01-02 15:04:05")
	}
	printf(w, "last pass     %s\n", last)
	if es.LastError != "" {
		printf(w, "last error    %s %s\n", es.LastErrorAt.Local().Format("2006-01-02 15:04:05"), termmd.Sanitize(es.LastError))
	}
}

func newMemoryRecentCmd(a *app) *cobra.Command {
	var n int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "recent",
		Short: "Show the latest daily-log entries",
		Long: `Show the latest entries of the daily logs (memory/YYYY-MM-DD.md), newest
first: what 'memory add', memory_save and the heartbeat wrote lately.`,
		Example: `  localgpt memory recent
  localgpt memory recent -n 20 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if n < 1 {
				return fmt.Errorf("-n must be at least 1, got %d", n)
			}
			s, err := a.openMemory(cmd.Context())
			if err != nil {
				return err
			}
			es, err := s.Recent(n)
			if err != nil {
				return err
			}
			if asJSON {
				if es == nil {
					es = []memory.Entry{}
				}
				return writeJSON(a.stdout, es)
			}
			if len(es) == 0 {
				fmt.Fprintln(a.stderr, "localgpt: the daily logs are empty; add an entry with 'localgpt memory add TEXT'")
				return nil
			}
			color := useColor(a.getenv, a.stdout)
			for i, e := range es {
				if i > 0 {
					fmt.Fprintln(a.stdout)
				}
				head := termmd.Sanitize(strings.TrimSpace(e.Date + " " + e.Time))
				loc := termmd.Sanitize(e.File + ":" + strconv.Itoa(e.Line))
				if color {
					head = ansiBold + head + ansiReset + ansiDim + "  " + loc + ansiReset
				} else {
					head += "  " + loc
				}
				printf(a.stdout, "%s\n%s\n", styled(head), e.Text)
			}
			return nil
		},
	}
	cmd.Flags().IntVarP(&n, "limit", "n", 5, "number of entries")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

func newMemoryAddCmd(a *app) *cobra.Command {
	var longTerm bool
	cmd := &cobra.Command{
		Use:   "add TEXT",
		Short: "Add an entry to today's log (or MEMORY.md)",
		Long: `Append TEXT to today's daily log (memory/YYYY-MM-DD.md) under a "## HH:MM"
heading, or with --long-term to MEMORY.md. "-" reads the text from stdin.`,
		Example: `  localgpt memory add "Booked the dentist for March 3"
  localgpt memory add --long-term "I prefer tea to coffee"
  git log -1 --format=%B | localgpt memory add -`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			text := strings.Join(args, " ")
			if text == "-" {
				var err error
				if text, err = readStdin(a.stdin, a.stderr, 1<<20, "the text"); err != nil {
					return err
				}
			}
			if strings.TrimSpace(text) == "" {
				return errors.New("nothing to add: the text is empty")
			}
			ctx := cmd.Context()
			s, err := a.openMemory(ctx)
			if err != nil {
				return err
			}
			now := time.Now()
			var rel string
			if longTerm {
				rel, err = s.AppendLongTerm(ctx, text, now)
			} else {
				rel, err = s.AppendDaily(ctx, text, now)
			}
			if err != nil {
				return err
			}
			printf(a.stdout, "Added to %s\n", rel)
			return nil
		},
	}
	cmd.Flags().BoolVar(&longTerm, "long-term", false, "append to MEMORY.md instead of today's log")
	return cmd
}

func newMemoryShowCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "show PATH[:FROM-TO]",
		Short: "Print a memory file or a range of its lines",
		Long: `Print a file of the workspace (or of an external path), whole or lines
FROM to TO (1-based, inclusive; "PATH:FROM" prints one line, "PATH:FROM-"
to the end). PATH is relative to the workspace, as search prints it.`,
		Example: `  localgpt memory show MEMORY.md
  localgpt memory show projects/garden.md:10-20
  localgpt memory show memory/2026-03-01.md:5-`,
		Args: needArgs(1, 1, "localgpt memory show PATH[:FROM-TO]   (PATH relative to the workspace, as search prints it)",
			"localgpt memory show MEMORY.md:1-20"),
		ValidArgsFunction: a.completeMemoryPaths,
		RunE: func(cmd *cobra.Command, args []string) error {
			path, from, to, err := parseLineRange(args[0])
			if err != nil {
				return err
			}
			s, err := a.openMemory(cmd.Context())
			if err != nil {
				return err
			}
			text, err := s.Read(path, from, to)
			if errors.Is(err, memory.ErrNotFound) {
				if fi, serr := os.Stat(filepath.Join(s.Workspace(), path)); serr == nil && fi.IsDir() && filepath.IsLocal(path) {
					return fmt.Errorf("%s is a folder of the memory workspace; name a markdown file in it, such as %s/… (Tab completes them)", path, strings.TrimRight(path, "/"))
				}
				return fmt.Errorf("%s is not a file of the memory workspace (%s); 'localgpt memory search' prints the paths it knows", path, s.Workspace())
			}
			if err != nil {
				return err
			}
			out, done := document(a.stdout)
			_, err = io.WriteString(out, text)
			if err == nil && text != "" && !strings.HasSuffix(text, "\n") {
				_, err = io.WriteString(out, "\n")
			}
			if ferr := done(); err == nil {
				err = ferr
			}
			return err
		},
	}
}

// parseLineRange splits "PATH:FROM-TO", "PATH:FROM-", "PATH:FROM" or
// "PATH". A suffix that is not a line range is part of the path.
func parseLineRange(arg string) (path string, from, to int, err error) {
	i := strings.LastIndexByte(arg, ':')
	if i < 0 {
		return arg, 0, 0, nil
	}
	spec := arg[i+1:]
	if spec == "" || strings.Trim(spec, "0123456789-") != "" {
		return arg, 0, 0, nil
	}
	a, b, isRange := strings.Cut(spec, "-")
	from, err = strconv.Atoi(a)
	if err != nil || from < 1 {
		return "", 0, 0, fmt.Errorf("bad line range %q in %q: lines are numbered from 1, as in PATH:10-20", spec, arg)
	}
	to = from
	if isRange {
		to = 0
		if b != "" {
			if to, err = strconv.Atoi(b); err != nil || to < from {
				return "", 0, 0, fmt.Errorf("bad line range %q in %q: give FROM-TO with FROM <= TO, as in PATH:10-20", spec, arg)
			}
		}
	}
	return arg[:i], from, to, nil
}
