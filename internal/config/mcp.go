package config

import (
	"net/url"
	"reflect"
	"regexp"
	"sort"
	"strings"
)

// Skills configures Agent Skills (folders with a SKILL.md).
type Skills struct {
	// Paths are folders of skills besides the workspace's skills/ folder,
	// such as another agent's; ~ expands, relative paths are relative to
	// the LocalGPT home.
	Paths []string `toml:"paths" json:"paths"`
}

// MCP configures the Model Context Protocol servers whose tools the agent
// may use.
type MCP struct {
	// Servers maps a name (used in tool names: NAME__TOOL) to a server.
	Servers map[string]MCPServer `toml:"servers" json:"servers"`
}

// MCPServer is one MCP server: a command spoken to over stdio, or a URL
// spoken to with streamable HTTP.
type MCPServer struct {
	Command string            `toml:"command" json:"command,omitempty"`
	Args    []string          `toml:"args" json:"args,omitempty"`
	Env     map[string]string `toml:"env" json:"env,omitempty"`
	URL     string            `toml:"url" json:"url,omitempty"`
	// Headers go with every HTTP request (Authorization, say); their
	// values are secrets.
	Headers map[string]string `toml:"headers" json:"headers,omitempty"`
	// Trust lets every tool of the server run without approval; Allow
	// names the tools (as the server names them) that may.
	Trust bool     `toml:"trust" json:"trust"`
	Allow []string `toml:"allow" json:"allow,omitempty"`
	// Timeout bounds one call (default 60s); StartTimeout bounds starting
	// the server and listing its tools (default 30s).
	Timeout      Duration `toml:"timeout" json:"timeout"`
	StartTimeout Duration `toml:"start_timeout" json:"start_timeout"`
	// Disabled keeps the server configured but unused.
	Disabled bool `toml:"disabled" json:"disabled"`
}

// MCPServerNames lists the configured servers that are not disabled, in
// name order.
func (c *Config) MCPServerNames() []string {
	var names []string
	for name, s := range c.MCP.Servers {
		if !s.Disabled {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// validServerName keeps NAME__TOOL a valid tool name for every provider.
var validServerName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,31}$`)

// validateMCP checks [mcp.servers.*] and [skills].
func (c *Config) validateMCP() error {
	names := make([]string, 0, len(c.MCP.Servers))
	for name := range c.MCP.Servers {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		s := c.MCP.Servers[name]
		key := "mcp.servers." + name
		switch {
		case !validServerName.MatchString(name):
			return bad(key, "the server name %q must be 1 to 32 letters, digits and hyphens (it prefixes its tools' names: %s__TOOL)", name, name)
		case s.Command == "" && s.URL == "":
			return bad(key, "set command (a program spoken to over stdio) or url (a streamable HTTP endpoint)")
		case s.Command != "" && s.URL != "":
			return bad(key, "set either command or url, not both")
		case s.URL == "" && len(s.Headers) > 0:
			return bad(key+".headers", "headers go with url; a stdio server takes env instead")
		case s.URL != "" && (len(s.Args) > 0 || len(s.Env) > 0):
			return bad(key, "args and env go with command; an HTTP server takes headers instead")
		case s.Timeout.Duration < 0 || s.StartTimeout.Duration < 0:
			return bad(key+".timeout", "timeouts must be positive durations such as \"60s\"")
		}
		if s.URL != "" {
			if u, err := url.Parse(s.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return bad(key+".url", "%q is not an http(s) URL, such as \"http://127.0.0.1:8080/mcp\"", s.URL)
			}
		}
		for _, t := range s.Allow {
			if strings.TrimSpace(t) == "" {
				return bad(key+".allow", "names an empty tool; list tools as the server names them, such as [\"read_file\"]")
			}
		}
	}
	for _, p := range c.Skills.Paths {
		if strings.TrimSpace(p) == "" {
			return bad("skills.paths", "holds an empty path")
		}
	}
	return nil
}

// mcpSecretValues are the credentials in [mcp.servers.*]: every header
// value, and env values whose names say they hold one (…KEY, …TOKEN,
// …SECRET, …PASSWORD).
func (c *Config) mcpSecretValues() []string {
	var out []string
	for _, s := range c.MCP.Servers {
		out = append(out, urlSecrets(s.URL)...)
		for _, v := range s.Headers {
			out = append(out, v, strings.TrimSpace(strings.TrimPrefix(v, "Bearer ")))
		}
		for k, v := range s.Env {
			if secretName(k) {
				out = append(out, v)
			}
		}
	}
	return out
}

// urlSecrets returns the credentials an MCP server's URL carries — the
// password of its user information, query values named like a secret
// (hosted servers take ?api_key=…), and any part that looks like a token
// (at least 16 characters mixing letters and digits: a user name, a query
// value, a path segment, where some put the key) —
// and, when it carries any, the URL itself, which connection errors quote
// whole. Those errors reach the model as tool results.
func urlSecrets(raw string) []string {
	u, err := url.Parse(raw)
	if raw == "" || err != nil {
		return nil
	}
	var out []string
	if u.User != nil {
		if p, ok := u.User.Password(); ok {
			out = append(out, p)
		} else if tokenLike(u.User.Username()) { // https://TOKEN@host/
			out = append(out, u.User.Username())
		}
	}
	for k, vs := range u.Query() {
		for _, v := range vs {
			if secretName(k) || tokenLike(v) {
				out = append(out, v)
			}
		}
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if tokenLike(seg) {
			out = append(out, seg)
		}
	}
	if len(out) > 0 {
		out = append(out, raw)
	}
	return out
}

// tokenLike reports whether a URL path segment looks like a key rather
// than a word: long, with letters and digits.
func tokenLike(s string) bool {
	return len(s) >= 16 && strings.ContainsAny(s, "0123456789") &&
		strings.ContainsAny(strings.ToLower(s), "abcdefghijklmnopqrstuvwxyz")
}

// secretName reports whether an environment variable's name says it holds
// a credential.
func secretName(name string) bool {
	n := strings.ToUpper(name)
	for _, w := range []string{"KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "AUTH"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// maskedMCP returns a copy of servers with secret values masked.
func maskedMCP(servers map[string]MCPServer) map[string]MCPServer {
	if servers == nil {
		return nil
	}
	out := make(map[string]MCPServer, len(servers))
	for name, s := range servers {
		if s.Headers != nil {
			h := make(map[string]string, len(s.Headers))
			for k, v := range s.Headers {
				h[k] = MaskSecret(v)
			}
			s.Headers = h
		}
		for _, v := range urlSecrets(s.URL) {
			if v != s.URL {
				s.URL = strings.ReplaceAll(s.URL, v, MaskSecret(v))
			}
		}
		if s.Env != nil {
			e := make(map[string]string, len(s.Env))
			for k, v := range s.Env {
				if secretName(k) {
					v = MaskSecret(v)
				}
				e[k] = v
			}
			s.Env = e
		}
		out[name] = s
	}
	return out
}

// expandMap expands ${VAR} in every string inside a map value (the
// servers of [mcp.servers]): command, args, url, env and header values.
func expandMap(v reflect.Value, sub func(string) string) {
	for _, k := range v.MapKeys() {
		elem := reflect.New(v.Type().Elem()).Elem()
		elem.Set(v.MapIndex(k))
		expandValue(elem, sub)
		v.SetMapIndex(k, elem)
	}
}

func expandValue(v reflect.Value, sub func(string) string) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(sub(v.String()))
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.String {
			for i := range v.Len() {
				v.Index(i).SetString(sub(v.Index(i).String()))
			}
		}
	case reflect.Map:
		if v.Type().Elem().Kind() == reflect.String || v.Type().Elem().Kind() == reflect.Struct {
			expandMap(v, sub)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				expandValue(v.Field(i), sub)
			}
		}
	}
}
