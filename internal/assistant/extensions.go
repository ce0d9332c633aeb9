package assistant

import (
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/mcpclient"
	"github.com/localgpt-go/localgpt/internal/skills"
	"github.com/localgpt-go/localgpt/internal/tools"
	"github.com/localgpt-go/localgpt/internal/version"
)

// SkillsDir is the workspace's folder of skills.
func SkillsDir(p config.Paths) string { return filepath.Join(p.Workspace, "skills") }

// SkillRoots translates [skills] into the folders skills are found in:
// the workspace's skills/ folder first (it may not exist yet), then each
// of skills.paths (~ expands; relative paths are relative to the home).
func SkillRoots(c *config.Config, p config.Paths, getenv func(string) string) []skills.Root {
	roots := []skills.Root{{Dir: SkillsDir(p), Optional: true}}
	for _, dir := range c.Skills.Paths {
		roots = append(roots, skills.Root{Dir: homePath(dir, p, getenv)})
	}
	return roots
}

// homePath resolves a configured path: ~ is the user's home folder, and a
// relative path is relative to the LocalGPT home.
func homePath(path string, p config.Paths, getenv func(string) string) string {
	if path == "~" || strings.HasPrefix(path, "~/") {
		home := ""
		if getenv != nil {
			home = getenv("HOME")
		}
		if home == "" {
			home, _ = os.UserHomeDir()
		}
		return filepath.Join(home, strings.TrimPrefix(path, "~"))
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(p.Home, path)
	}
	return filepath.Clean(path)
}

// MCPServers translates [mcp.servers] into the MCP client's servers and
// the registry's approval policy of their tools; disabled servers are
// left out.
func MCPServers(c *config.Config) ([]mcpclient.Config, map[string]tools.MCPPolicy) {
	var servers []mcpclient.Config
	policy := map[string]tools.MCPPolicy{}
	for _, name := range c.MCPServerNames() {
		s := c.MCP.Servers[name]
		servers = append(servers, mcpclient.Config{
			Name: name, Command: s.Command, Args: s.Args, Env: s.Env, URL: s.URL, Headers: s.Headers,
			Timeout: s.Timeout.Duration, StartTimeout: s.StartTimeout.Duration,
		})
		policy[name] = tools.MCPPolicy{Trust: s.Trust, Allow: s.Allow}
	}
	return servers, policy
}

// ServerEnviron is the environment MCP servers inherit: LocalGPT's own,
// without its credentials.
func ServerEnviron() []string {
	var out []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		secret := false
		for _, s := range config.SecretEnv() {
			secret = secret || name == s
		}
		if !secret {
			out = append(out, kv)
		}
	}
	return out
}

// Skills is the catalog of the workspace's skills and skills.paths'.
func (r *Root) Skills() *skills.Catalog { return r.skills }

// MCP returns the process's MCP client of [mcp.servers], made on first
// use (it starts nothing until a turn needs the tools), or nil when no
// server is configured or the Root is closed. Close stops its servers.
func (r *Root) MCP() *mcpclient.Manager {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.mcp != nil || r.closed {
		return r.mcp
	}
	servers, _ := MCPServers(r.o.Config)
	if len(servers) == 0 {
		return nil
	}
	r.mcp = mcpclient.New(mcpclient.Options{Servers: servers, Environ: ServerEnviron(), Version: version.String(),
		Log: r.o.Log, OnFailure: r.o.OnMCPFailure})
	return r.mcp
}

// MemoryTools builds a registry of the memory tools alone
// (memory_search, memory_get, memory_save) over mem, with the same
// options as an assistant's: what `localgpt mcp serve` offers.
func (r *Root) MemoryTools(mem tools.Memory) (*tools.Registry, error) {
	memoryTools := []string{"memory_search", "memory_get", "memory_save"}
	var exclude []string
	for _, name := range tools.BuiltinNames() {
		if !slices.Contains(memoryTools, name) {
			exclude = append(exclude, name)
		}
	}
	to := r.toolOptions()
	to.Memory, to.Exclude = mem, exclude
	return tools.New(to)
}
