// Package config owns LocalGPT's settings: the TOML file, its defaults,
// ${VAR} expansion, environment fallbacks, validation with precise errors,
// dotted-key access for `config get/set`, and the paths derived from them.
package config

import "time"

// DefaultModel is the model used when the config names none. LocalGPT is a
// local-only tool, so the default is an Ollama model.
const DefaultModel = "llama3.2"

// Config is the whole of config.toml after defaults, expansion and
// fallbacks have been applied. Fields tagged secret:"true" are masked
// whenever the config is shown.
type Config struct {
	Agent     Agent     `toml:"agent" json:"agent"`
	Providers Providers `toml:"providers" json:"providers"`
	Heartbeat Heartbeat `toml:"heartbeat" json:"heartbeat"`
	Memory    Memory    `toml:"memory" json:"memory"`
	Server    Server    `toml:"server" json:"server"`
	Tools     Tools     `toml:"tools" json:"tools"`
	Skills    Skills    `toml:"skills" json:"skills"`
	MCP       MCP       `toml:"mcp" json:"mcp"`
	Logging   Logging   `toml:"logging" json:"logging"`
}

// Agent configures the turn loop.
type Agent struct {
	// DefaultModel picks the provider by name (see internal/llm).
	DefaultModel string `toml:"default_model" json:"default_model"`
	// ContextWindow is the model's context size in tokens.
	ContextWindow int `toml:"context_window" json:"context_window"`
	// ReserveTokens is kept free in the window for the model's answer.
	ReserveTokens int `toml:"reserve_tokens" json:"reserve_tokens"`
	// MaxToolIterations bounds model↔tool round trips in one turn.
	MaxToolIterations int `toml:"max_tool_iterations" json:"max_tool_iterations"`
	// MaxTokens bounds each answer; 0 leaves it to the provider (Anthropic,
	// which requires a bound, then gets 8192).
	MaxTokens int `toml:"max_tokens" json:"max_tokens"`
}

// Providers holds the connection settings of each LLM provider.
type Providers struct {
	OpenAI    OpenAI    `toml:"openai" json:"openai"`
	Anthropic Anthropic `toml:"anthropic" json:"anthropic"`
	Ollama    Ollama    `toml:"ollama" json:"ollama"`
}

// OpenAI configures the OpenAI (or any OpenAI-compatible) endpoint.
type OpenAI struct {
	APIKey  string `toml:"api_key" json:"api_key" secret:"true"`
	BaseURL string `toml:"base_url" json:"base_url"`
}

// Anthropic configures the Anthropic (or any compatible) endpoint.
type Anthropic struct {
	APIKey  string `toml:"api_key" json:"api_key" secret:"true"`
	BaseURL string `toml:"base_url" json:"base_url"`
}

// Ollama configures the local Ollama server.
type Ollama struct {
	Endpoint string `toml:"endpoint" json:"endpoint"`
	// Model is the Ollama model used when a model name does not say one.
	Model string `toml:"model" json:"model"`
	// KeepAlive is how long Ollama keeps a model loaded after a call, a Go
	// duration such as "10m" ("-1s" keeps it for ever); empty leaves
	// Ollama's own default (5m).
	KeepAlive string `toml:"keep_alive" json:"keep_alive"`
	// NumCtx is the context window asked of Ollama (options.num_ctx), in
	// tokens, lowered to the model's maximum. Ollama allocates the KV cache
	// for all of it on every load, so a model's full window (128k tokens
	// for llama3.2) can take many gigabytes.
	NumCtx int `toml:"num_ctx" json:"num_ctx"`
}

// Heartbeat configures the daemon's autonomous task cycle.
type Heartbeat struct {
	Enabled     bool         `toml:"enabled" json:"enabled"`
	Interval    Duration     `toml:"interval" json:"interval"`
	ActiveHours *ActiveHours `toml:"active_hours" json:"active_hours,omitempty"`
	// Timezone is an IANA name such as "Europe/Berlin"; empty means local time.
	Timezone string `toml:"timezone" json:"timezone"`
	// Model runs heartbeat cycles on another (cheaper or local) model;
	// empty means agent.default_model.
	Model string `toml:"model" json:"model"`
	// MaxTokensPerDay stops cycles for the rest of the day (in timezone)
	// once their tokens reach it; 0 means no limit.
	MaxTokensPerDay int `toml:"max_tokens_per_day" json:"max_tokens_per_day"`
	// Timeout bounds one cycle; a cycle that takes longer is cancelled.
	Timeout Duration `toml:"timeout" json:"timeout"`
	// AllowTools names tools needing approval (tools.require_approval,
	// writes outside the workspace) that heartbeat cycles may use anyway;
	// nobody is there to approve, so the others are refused.
	AllowTools []string `toml:"allow_tools" json:"allow_tools"`
}

// ActiveHours limits heartbeats to a daily window; End may be before Start
// for a window that spans midnight.
type ActiveHours struct {
	Start string `toml:"start" json:"start"`
	End   string `toml:"end" json:"end"`
}

// Memory configures the markdown workspace and its index.
type Memory struct {
	// Workspace is the folder of markdown notes; empty means HOME/workspace.
	Workspace    string `toml:"workspace" json:"workspace"`
	ChunkSize    int    `toml:"chunk_size" json:"chunk_size"`
	ChunkOverlap int    `toml:"chunk_overlap" json:"chunk_overlap"`
	// ExternalPaths are extra folders or .md files to index besides the
	// workspace; relative paths are relative to the LocalGPT home.
	ExternalPaths []string `toml:"external_paths" json:"external_paths"`
	// RecencyHalfLifeDays is how many days it takes a daily log's search
	// ranking to halve; MEMORY.md and other notes never decay.
	RecencyHalfLifeDays float64 `toml:"recency_half_life_days" json:"recency_half_life_days"`
	// MaxFileBytes: larger markdown files are skipped with a note.
	MaxFileBytes int64 `toml:"max_file_bytes" json:"max_file_bytes"`
	// Embeddings turns on semantic search (docs/memory.md).
	Embeddings Embeddings `toml:"embeddings" json:"embeddings"`
}

// Embeddings configures semantic search: a vector of each chunk, computed
// by an embedding model and ranked next to the full-text match.
type Embeddings struct {
	// Enabled is off by default: embedding needs a model that answers.
	Enabled bool `toml:"enabled" json:"enabled"`
	// Provider is "ollama" (/api/embed at providers.ollama.endpoint) or
	// "openai" (/v1/embeddings at providers.openai.base_url: OpenAI, LM
	// Studio, llama.cpp's server, vLLM).
	Provider string `toml:"provider" json:"provider"`
	// Model is the embedding model, such as "nomic-embed-text".
	Model string `toml:"model" json:"model"`
	// Dimensions asks the model for shorter vectors (OpenAI's
	// text-embedding-3, any model through Ollama); 0 keeps its own size.
	Dimensions int `toml:"dimensions" json:"dimensions"`
	// BatchSize is how many chunks one request embeds.
	BatchSize int `toml:"batch_size" json:"batch_size"`
}

// Embedding providers.
const (
	EmbedOllama = "ollama"
	EmbedOpenAI = "openai"
)

// Server configures the daemon's HTTP API.
type Server struct {
	Enabled bool   `toml:"enabled" json:"enabled"`
	Bind    string `toml:"bind" json:"bind"`
	Port    int    `toml:"port" json:"port"`
	// APIToken is required as "Authorization: Bearer …" on every request
	// but GET /health; empty means a random token kept in the state folder
	// (internal/apitoken). Binding to a non-loopback address requires one
	// set here. LOCALGPT_API_TOKEN fills it.
	APIToken string `toml:"api_token" json:"api_token" secret:"true"`
	// RequestTimeout bounds every request but the chat ones.
	RequestTimeout Duration `toml:"request_timeout" json:"request_timeout"`
	// ChatTimeout bounds one chat request, streamed or not, tools included.
	ChatTimeout Duration `toml:"chat_timeout" json:"chat_timeout"`
	// MaxBodyBytes is the largest request body accepted (413 beyond).
	MaxBodyBytes int64 `toml:"max_body_bytes" json:"max_body_bytes"`
}

// Tools configures the agent's built-in tools.
type Tools struct {
	BashTimeoutMS      int      `toml:"bash_timeout_ms" json:"bash_timeout_ms"`
	ToolOutputMaxChars int      `toml:"tool_output_max_chars" json:"tool_output_max_chars"`
	RequireApproval    []string `toml:"require_approval" json:"require_approval"`
	// AllowedPaths are folders besides the workspace where write_file and
	// edit_file may write without asking; relative paths are relative to
	// the LocalGPT home, ~ expands.
	AllowedPaths []string `toml:"allowed_paths" json:"allowed_paths"`
	// WebFetchAllowPrivate lets web_fetch reach loopback, private,
	// link-local and cloud metadata addresses (refused by default).
	WebFetchAllowPrivate bool `toml:"web_fetch_allow_private" json:"web_fetch_allow_private"`
	// BashSandbox confines bash commands (Landlock on Linux): writes only
	// to the workspace, allowed_paths and a private temp folder, and
	// LocalGPT's own files unreadable.
	BashSandbox bool `toml:"bash_sandbox" json:"bash_sandbox"`
	// BashNetwork lets sandboxed bash commands use TCP.
	BashNetwork bool `toml:"bash_network" json:"bash_network"`
	// BashUnixSockets lets sandboxed bash commands open Unix sockets
	// (ssh-agent, gpg-agent), and so drive the user's tmux, systemd or
	// Docker to run something outside the sandbox.
	BashUnixSockets bool `toml:"bash_unix_sockets" json:"bash_unix_sockets"`
	// MaxCallsPerReply bounds the tool calls run for one model reply; the
	// rest are answered with an error the model reads.
	MaxCallsPerReply int `toml:"max_calls_per_reply" json:"max_calls_per_reply"`
	// MaxParallel bounds the tool calls running at once.
	MaxParallel int `toml:"max_parallel" json:"max_parallel"`
	// MaxOutputPerTurn bounds the bytes of tool output given to the
	// model in one turn, all calls together.
	MaxOutputPerTurn int `toml:"max_output_per_turn" json:"max_output_per_turn"`
}

// Logging configures logs/agent.log.
type Logging struct {
	Level string `toml:"level" json:"level"`
	// File is the log file; empty means HOME/logs/agent.log.
	File string `toml:"file" json:"file"`
}

// Default returns the configuration used for every key the file leaves out.
func Default() *Config {
	return &Config{
		Agent: Agent{
			DefaultModel:      DefaultModel,
			ContextWindow:     128000,
			ReserveTokens:     8000,
			MaxToolIterations: 25,
		},
		Providers: Providers{
			OpenAI:    OpenAI{BaseURL: "https://api.openai.com/v1"},
			Anthropic: Anthropic{BaseURL: "https://api.anthropic.com"},
			Ollama:    Ollama{Endpoint: "http://localhost:11434", NumCtx: 16384},
		},
		Heartbeat: Heartbeat{
			Enabled: true, Interval: Duration{30 * time.Minute},
			MaxTokensPerDay: 200000, Timeout: Duration{5 * time.Minute}, AllowTools: []string{},
		},
		Memory: Memory{
			ChunkSize: 400, ChunkOverlap: 80, ExternalPaths: []string{},
			RecencyHalfLifeDays: 30, MaxFileBytes: 10 << 20,
			Embeddings: Embeddings{Provider: EmbedOllama, Model: "nomic-embed-text", BatchSize: 32},
		},
		Server: Server{Enabled: true, Bind: "127.0.0.1", Port: 31327, RequestTimeout: Duration{30 * time.Second},
			ChatTimeout: Duration{10 * time.Minute}, MaxBodyBytes: 1 << 20},
		Tools: Tools{
			BashTimeoutMS:      120000,
			ToolOutputMaxChars: 50000,
			RequireApproval:    []string{"bash"},
			AllowedPaths:       []string{},
			BashSandbox:        true,
			BashNetwork:        true,
			MaxCallsPerReply:   32,
			MaxParallel:        4,
			MaxOutputPerTurn:   200000,
		},
		Skills:  Skills{Paths: []string{}},
		MCP:     MCP{Servers: map[string]MCPServer{}},
		Logging: Logging{Level: "info"},
	}
}
