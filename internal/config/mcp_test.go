package config

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestMCPServersParse(t *testing.T) {
	const src = `[skills]
paths = ["~/.claude/skills"]

[mcp.servers.files]
command = "npx"
args = ["-y", "@modelcontextprotocol/server-filesystem", "${DOCS}"]
env = { GITHUB_TOKEN = "${TOK}", MODE = "fast" }
allow = ["read_file"]
timeout = "5s"

[mcp.servers.web]
url = "https://example.com/mcp"
headers = { Authorization = "Bearer ${TOK}" }
trust = true
start_timeout = "1m"

[mcp.servers.off]
command = "x"
disabled = true
`
	c, warns, err := Parse([]byte(src), "c.toml", env("TOK", "tok-1234567890abcdef", "DOCS", "/home/me/docs"))
	if err != nil || len(warns) != 0 {
		t.Fatalf("%v %v", err, warns)
	}
	fs, web := c.MCP.Servers["files"], c.MCP.Servers["web"]
	if fs.Command != "npx" || fs.Args[2] != "/home/me/docs" || fs.Env["GITHUB_TOKEN"] != "tok-1234567890abcdef" ||
		fs.Timeout.Duration != 5*time.Second || !slices.Equal(fs.Allow, []string{"read_file"}) || fs.Trust {
		t.Fatalf("files: %+v", fs)
	}
	if web.Headers["Authorization"] != "Bearer tok-1234567890abcdef" || !web.Trust || web.StartTimeout.Duration != time.Minute {
		t.Fatalf("web: %+v", web)
	}
	if got := strings.Join(c.MCPServerNames(), " "); got != "files web" {
		t.Fatalf("enabled servers %q", got)
	}
	if !slices.Equal(c.Skills.Paths, []string{"~/.claude/skills"}) {
		t.Fatal(c.Skills.Paths)
	}
	secrets := c.SecretValues(env())
	if !slices.Contains(secrets, "tok-1234567890abcdef") || slices.Contains(secrets, "fast") {
		t.Fatalf("secret values %q", secrets)
	}
	m := c.Masked().MCP.Servers
	if strings.Contains(m["web"].Headers["Authorization"], "1234567890") || strings.Contains(m["files"].Env["GITHUB_TOKEN"], "1234567890") ||
		m["files"].Env["MODE"] != "fast" {
		t.Fatalf("masked: %+v", m)
	}
	if c.MCP.Servers["web"].Headers["Authorization"] != "Bearer tok-1234567890abcdef" {
		t.Fatal("Masked changed the config itself")
	}
}

func TestMCPServersInvalid(t *testing.T) {
	tests := []struct{ toml, want string }{
		{"[mcp.servers.fs]\nargs = [\"x\"]\n", "c.toml:2: mcp.servers.fs: set command"},
		{"[mcp.servers.fs]\ncommand = \"a\"\nurl = \"http://h\"\n", "not both"},
		{"[mcp.servers.fs]\nurl = \"ftp://h\"\n", `c.toml:2: mcp.servers.fs.url: "ftp://h" is not an http(s) URL`},
		{"[mcp.servers.fs]\ncommand = \"a\"\ntimeout = 60\n", "c.toml:3:11: mcp.servers.fs.timeout: expected a duration in quotes"},
		{"[mcp.servers.fs]\ncommand = \"a\"\nstart_timeout = \"soon\"\n", `"soon" is not a duration`},
		{"[mcp.servers.a__b]\ncommand = \"a\"\n", "must be 1 to 32 letters, digits and hyphens"},
		{"[mcp.servers.fs]\ncommand = \"a\"\nheaders = { A = \"b\" }\n", "headers go with url"},
		{"[mcp.servers.fs]\nurl = \"http://h\"\nenv = { A = \"b\" }\n", "args and env go with command"},
		{"[mcp.servers.fs]\ncommand = \"a\"\nallow = [\"\"]\n", "names an empty tool"},
		{"[skills]\npaths = [\"\"]\n", "skills.paths: holds an empty path"},
	}
	for _, tt := range tests {
		_, _, err := Parse([]byte(tt.toml), "c.toml", env())
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: %v, want %q", tt.toml, err, tt.want)
		}
	}
	_, warns, err := Parse([]byte("[mcp.servers.fs]\ncommand = \"a\"\ntrsut = true\n"), "c.toml", env())
	if err != nil || len(warns) != 1 || !strings.Contains(warns[0].String(), `unknown key "mcp.servers.fs.trsut"`) {
		t.Fatalf("unknown key: %v %v", err, warns)
	}
}
