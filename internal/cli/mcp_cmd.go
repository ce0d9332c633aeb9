package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/localgpt-go/localgpt/internal/assistant"
	"github.com/localgpt-go/localgpt/internal/daemon"
	"github.com/localgpt-go/localgpt/internal/mcpclient"
	"github.com/localgpt-go/localgpt/internal/mcpserver"
	"github.com/localgpt-go/localgpt/internal/memory"
	"github.com/localgpt-go/localgpt/internal/termmd"
	"github.com/localgpt-go/localgpt/internal/tools"
	"github.com/localgpt-go/localgpt/internal/version"
)

func newMCPCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mcp",
		Short: "Serve LocalGPT's memory over MCP, and list the MCP servers it uses",
		Long: `LocalGPT speaks the Model Context Protocol both ways:

  localgpt mcp serve   gives other agents (Claude Desktop, Claude Code, Cursor,
                       Continue) LocalGPT's memory: memory_search, memory_get,
                       memory_save, and MEMORY.md and the daily logs as resources
  localgpt mcp list    shows the servers of [mcp.servers.NAME], whose tools
                       LocalGPT's assistant may use, and their tools

See docs/mcp.md for each client's configuration.`,
	}
	cmd.AddCommand(newMCPServeCmd(a), newMCPListCmd(a))
	return cmd
}

// mcpFailed tells the user of an MCP server that could not start or that
// stopped (assistant.RootOptions.OnMCPFailure).
func (a *app) mcpFailed(server string, err error) {
	if a.mcpReported {
		return
	}
	a.mcpWarnMu.Lock()
	defer a.mcpWarnMu.Unlock()
	fmt.Fprintf(a.stderr, "localgpt: warning: MCP server %s: %s\n", server, termmd.Sanitize(err.Error()))
}

func newMCPServeCmd(a *app) *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve LocalGPT's memory to other agents over MCP",
		Long: `Serve LocalGPT's memory over the Model Context Protocol: the tools
memory_search, memory_get and memory_save (LocalGPT's own, with the same
argument checks, output cap and masking of your keys), and MEMORY.md and the
daily logs as resources (localgpt://workspace/MEMORY.md,
localgpt://workspace/memory/YYYY-MM-DD.md).

By default it speaks over standard input and output: an MCP client starts
it, for example in Claude Desktop's claude_desktop_config.json:

  {"mcpServers": {"localgpt": {"command": "/usr/local/bin/localgpt", "args": ["mcp", "serve"]}}}

With --http ADDR it serves streamable HTTP on ADDR instead (such as
127.0.0.1:31328), and every request needs "Authorization: Bearer TOKEN"
with the daemon's API token, as the daemon's HTTP API does: 'localgpt daemon
token' prints it. Ctrl-C stops it.`,
		Example: `  localgpt mcp serve --http 127.0.0.1:31328
  claude mcp add --scope user localgpt -- localgpt mcp serve`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			store, err := a.openMemory(ctx)
			if err != nil {
				return err
			}
			// The daemon's watcher keeps the index of the default home current.
			refresh := a.configFlag != "" || !daemon.Running(a.paths)
			srv, err := a.mcpServer(servedMemory{Store: store, refresh: refresh, log: a.log})
			if err != nil {
				return err
			}
			if addr == "" {
				a.log.Info("mcp serve: serving over stdio")
				if isTerminal(a.stdin) { // a person, not a client: say what this waits for
					fmt.Fprintln(a.stderr, "localgpt: waiting for an MCP client's JSON-RPC on standard input; an MCP client starts this command itself (see docs/mcp.md). Ctrl-D or Ctrl-C stops")
				}
				err := srv.ServeStdio(ctx, readCloser{a.stdin}, writeCloser{a.stdout})
				if se := new(json.SyntaxError); errors.As(err, &se) {
					return fmt.Errorf("mcp serve: standard input is not MCP's JSON-RPC (%w); an MCP client starts this command and speaks it (see docs/mcp.md)", err)
				}
				return err
			}
			token, err := a.apiToken() // the daemon's: the same rule as its HTTP API
			if err != nil {
				return err
			}
			if err := checkServeAddr(addr); err != nil {
				return err
			}
			return srv.ServeHTTP(ctx, addr, token, func(at net.Addr) {
				fmt.Fprintf(a.stderr, "localgpt: serving MCP on http://%s/ (Authorization: Bearer $(localgpt daemon token)); Ctrl-C stops\n", at)
			})
		},
	}
	cmd.Flags().StringVar(&addr, "http", "", "serve streamable HTTP on `ADDR` (host:port) instead of stdio")
	return cmd
}

// mcpServer builds the MCP server over store: the memory tools alone,
// built as an assistant's are.
func (a *app) mcpServer(store servedMemory) (*mcpserver.Server, error) {
	reg, err := a.root.MemoryTools(store)
	if err != nil {
		return nil, err
	}
	return mcpserver.New(mcpserver.Options{Tools: reg, Memory: store, DailyLogs: a.paths.DailyLogs,
		Version: version.String(), Log: a.log})
}

// checkServeAddr refuses an address that is not host:port.
func checkServeAddr(addr string) error {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return fmt.Errorf("--http %q is not host:port, such as 127.0.0.1:31328: %v", addr, err)
	}
	return nil
}

func newMCPListCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "Start each configured MCP server and show its state and tools",
		Long: `Start every server of [mcp.servers.NAME] (as a turn would) and show its
state, how long it took to start, and its tools as the model sees them
(NAME__TOOL), with "ask" for those that need approval and the reason for any
tool that is not offered. A server that fails is listed with the reason
(the exit code stays 0; 'localgpt doctor' fails for it). The servers are
stopped when it exits.`,
		Example: `  localgpt mcp list
  localgpt mcp list --json | jq -r '.[] | .name + " " + .state'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a.mcpReported = true
			if err := a.setup(); err != nil {
				return err
			}
			m := a.root.MCP()
			if m == nil {
				if asJSON {
					return writeJSON(a.stdout, []mcpclient.Status{})
				}
				fmt.Fprintln(a.stdout, "No MCP servers are configured. Add one as [mcp.servers.NAME] in config.toml (see docs/mcp.md).")
				return nil
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 2*time.Minute)
			defer cancel()
			st := m.Status(ctx)
			for i := range st { // a URL's key, quoted by a connection error too (stdout: mask here)
				st[i].Target, st[i].Error = a.secrets.Mask(st[i].Target), a.secrets.Mask(st[i].Error)
			}
			if asJSON {
				return writeJSON(a.stdout, st)
			}
			_, policy := assistant.MCPServers(a.cfg)
			printMCPStatus(a, st, policy)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

// printMCPStatus prints each server and its tools.
func printMCPStatus(a *app, servers []mcpclient.Status, policy map[string]tools.MCPPolicy) {
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	for i, s := range servers {
		if i > 0 {
			fmt.Fprintln(tw)
		}
		line := fmt.Sprintf("%s\t%s\t%s", s.Name, s.State, s.Transport)
		if s.State == mcpclient.Running {
			line += fmt.Sprintf("\tstarted in %d ms, %d tools", s.StartMS, len(s.Tools))
		}
		fmt.Fprintln(tw, termmd.Sanitize(line))
		fmt.Fprintf(tw, "  %s\n", termmd.Sanitize(s.Target))
		if s.Error != "" {
			fmt.Fprintf(tw, "  error: %s\n", termmd.Sanitize(s.Error))
		}
		p := policy[s.Name]
		for _, t := range s.Tools {
			name := tools.MCPToolName(s.Name, t.Name)
			switch {
			case t.Problem != "":
				fmt.Fprintf(tw, "  %s\tnot offered: %s\n", termmd.Sanitize(name), termmd.Sanitize(t.Problem))
			case p.Trust || slices.Contains(p.Allow, t.Name):
				fmt.Fprintf(tw, "  %s\tallowed\t%s\n", termmd.Sanitize(name), termmd.Sanitize(oneLine(t.Description, 70)))
			default:
				fmt.Fprintf(tw, "  %s\task\t%s\n", termmd.Sanitize(name), termmd.Sanitize(oneLine(t.Description, 70)))
			}
		}
	}
	tw.Flush()
}

// servedMemory is the memory store as mcp serve's tools see it: unless the
// daemon's watcher keeps the index current, each search first brings it
// up to date with the markdown (a stat per file when nothing changed) and
// embeds the few chunks that wait (one request at most), so a note edited
// while the server runs is found.
type servedMemory struct {
	*memory.Store
	refresh bool
	log     *slog.Logger
}

// Find implements tools.Memory.
func (m servedMemory) Find(ctx context.Context, query string, o memory.FindOptions) (memory.Found, error) {
	if m.refresh {
		if _, err := m.Reindex(ctx, false, nil); err != nil {
			m.log.Warn("mcp serve: memory index not refreshed before search", "err", err)
		}
		if _, err := m.CatchUp(ctx); err != nil {
			m.log.Warn("mcp serve: waiting chunks not embedded before search", "err", err)
		}
	}
	return m.Store.Find(ctx, query, o)
}

// readCloser and writeCloser give standard input and output the Close the
// MCP transport calls; the process's own streams stay open.
type readCloser struct{ io.Reader }

func (readCloser) Close() error { return nil }

type writeCloser struct{ io.Writer }

func (writeCloser) Close() error { return nil }
