// Package mcpserver offers LocalGPT's memory to other agents over the Model
// Context Protocol (`localgpt mcp serve`): the tools memory_search,
// memory_get and memory_save, run by the same registry as LocalGPT's own
// (same argument checks, output caps and masking), and the memory files as
// resources: MEMORY.md and the daily logs. It speaks stdio, or streamable
// HTTP behind the daemon's bearer token.
package mcpserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/localgpt-go/localgpt/internal/memory"
	"github.com/localgpt-go/localgpt/internal/tools"
)

// ToolNames are the tools served.
var toolNames = []string{"memory_search", "memory_get", "memory_save"}

// ToolNames lists the tools the server offers.
func ToolNames() []string { return slices.Clone(toolNames) }

// Tools is what the server needs of the tool registry (*tools.Registry).
type Tools interface {
	Specs(ctx context.Context) []tools.Spec
	Call(ctx context.Context, name string, args json.RawMessage) tools.Result
	// Output caps and masks text as a tool result is.
	Output(text string) string
}

// Memory reads memory files for the resources (*memory.Store).
type Memory interface {
	Read(path string, from, to int) (string, error)
}

// Options configure a Server.
type Options struct {
	// Tools holds the memory tools; others it holds are not served.
	Tools Tools
	// Memory reads MEMORY.md and the daily logs; DailyLogs is their folder.
	Memory    Memory
	DailyLogs string
	Version   string
	Log       *slog.Logger
}

// Server is LocalGPT's MCP server.
type Server struct {
	o   Options
	log *slog.Logger
	srv *mcp.Server

	mu    sync.Mutex
	daily map[string]bool // the daily logs listed as resources
}

// Resource URIs.
const (
	uriBase      = "localgpt://workspace/"
	memoryURI    = uriBase + memory.MemoryFile
	dailyPrefix  = uriBase + "memory/"
	dailyPattern = dailyPrefix + "{date}.md"
	// maxDaily bounds the daily logs listed (newest first); older ones
	// are read through the template.
	maxDaily = 366
)

var dailyName = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}\.md$`)

// instructions tell the client's model what the server is for.
const instructions = "LocalGPT is the user's personal assistant with a persistent markdown memory. " +
	"Use memory_search to find what the user told it before (preferences, facts, decisions, notes), " +
	"memory_get to read the lines around a hit, and memory_save to remember something new " +
	"(long_term for durable facts). Resources: MEMORY.md and the daily logs."

// New builds the server. It fails when Tools lacks a memory tool.
func New(o Options) (*Server, error) {
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{o: o, log: log, daily: map[string]bool{}}
	s.srv = mcp.NewServer(&mcp.Implementation{Name: "localgpt", Title: "LocalGPT memory", Version: o.Version},
		&mcp.ServerOptions{Instructions: instructions, Logger: log, HasResources: true})
	specs := map[string]tools.Spec{}
	for _, sp := range o.Tools.Specs(context.Background()) {
		specs[sp.Name] = sp
	}
	for _, name := range toolNames {
		sp, ok := specs[name]
		if !ok {
			return nil, fmt.Errorf("mcpserver: the registry has no %s tool (is memory turned off?)", name)
		}
		s.srv.AddTool(&mcp.Tool{Name: sp.Name, Description: sp.Description, InputSchema: sp.Parameters,
			Annotations: annotations(name)}, s.callTool)
	}
	s.srv.AddResource(&mcp.Resource{URI: memoryURI, Name: memory.MemoryFile, Title: "Long-term memory",
		Description: "Curated knowledge about the user: preferences, facts, decisions.", MIMEType: "text/markdown"}, s.readResource)
	s.srv.AddResourceTemplate(&mcp.ResourceTemplate{URITemplate: dailyPattern, Name: "daily-log", Title: "Daily log",
		Description: "The daily log of a date (YYYY-MM-DD): what happened and was said that day.", MIMEType: "text/markdown"}, s.readResource)
	// resources/list shows the daily logs as they are now.
	s.srv.AddReceivingMiddleware(func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			if method == "resources/list" {
				s.refreshDaily()
			}
			return next(ctx, method, req)
		}
	})
	return s, nil
}

// annotations describe each tool's effects to the client.
func annotations(name string) *mcp.ToolAnnotations {
	if name == "memory_save" {
		no := false
		return &mcp.ToolAnnotations{Title: "Save to memory", DestructiveHint: &no, OpenWorldHint: &no}
	}
	closed := false
	return &mcp.ToolAnnotations{Title: strings.ReplaceAll(name, "_", " "), ReadOnlyHint: true, OpenWorldHint: &closed}
}

// callTool runs a call through the registry: bad arguments and failures
// come back as error results the client's model reads.
func (s *Server) callTool(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	res := s.o.Tools.Call(ctx, req.Params.Name, req.Params.Arguments)
	s.log.Info("mcp serve: tool call", "tool", req.Params.Name, "error", res.IsError)
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: res.Content}}, IsError: res.IsError}, nil
}

// readResource returns a memory file, masked and capped like a tool result.
func (s *Server) readResource(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	uri := req.Params.URI
	rel, ok := strings.CutPrefix(uri, uriBase)
	if !ok || rel != memory.MemoryFile && !(strings.HasPrefix(rel, "memory/") && dailyName.MatchString(strings.TrimPrefix(rel, "memory/"))) {
		return nil, mcp.ResourceNotFoundError(uri)
	}
	text, err := s.o.Memory.Read(rel, 0, 0)
	if errors.Is(err, os.ErrNotExist) || errors.Is(err, memory.ErrNotFound) {
		return nil, mcp.ResourceNotFoundError(uri)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %s", rel, s.o.Tools.Output(err.Error()))
	}
	text = s.o.Tools.Output(text)
	return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: uri, MIMEType: "text/markdown", Text: text}}}, nil
}

// refreshDaily lists the newest daily logs as resources.
func (s *Server) refreshDaily() {
	entries, err := os.ReadDir(s.o.DailyLogs)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		s.log.Warn("mcp serve: cannot list the daily logs", "err", err)
		return
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && dailyName.MatchString(e.Name()) {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	if len(names) > maxDaily {
		names = names[len(names)-maxDaily:]
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	keep := map[string]bool{}
	for _, n := range names {
		keep[n] = true
		if !s.daily[n] {
			date := strings.TrimSuffix(n, ".md")
			s.srv.AddResource(&mcp.Resource{URI: dailyPrefix + n, Name: "memory/" + n, Title: "Daily log " + date,
				MIMEType: "text/markdown"}, s.readResource)
		}
	}
	var gone []string
	for n := range s.daily {
		if !keep[n] {
			gone = append(gone, dailyPrefix+n)
		}
	}
	if len(gone) > 0 {
		s.srv.RemoveResources(gone...)
	}
	s.daily = keep
}

// ServeStdio serves one client over r and w (the process's stdin and
// stdout) until the client hangs up or ctx ends.
func (s *Server) ServeStdio(ctx context.Context, r io.ReadCloser, w io.WriteCloser) error {
	err := s.srv.Run(ctx, &mcp.IOTransport{Reader: r, Writer: w})
	if ctx.Err() != nil || errors.Is(err, io.EOF) {
		return nil
	}
	return err
}
