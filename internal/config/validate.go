package config

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"

	_ "github.com/localgpt-go/localgpt/internal/tzdata" // timezones work on machines without a zoneinfo folder
)

// validationError is a bad value of one key; Parse adds the file and line.
type validationError struct{ key, msg string }

func (e *validationError) Error() string { return e.key + ": " + e.msg }

func bad(key, format string, args ...any) error {
	return &validationError{key: key, msg: fmt.Sprintf(format, args...)}
}

// validate checks every value that the type system cannot.
func (c *Config) validate() error {
	a := c.Agent
	switch {
	case a.ContextWindow < 1024:
		return bad("agent.context_window", "must be at least 1024 tokens, got %d", a.ContextWindow)
	case a.ReserveTokens < 0 || a.ReserveTokens >= a.ContextWindow:
		return bad("agent.reserve_tokens", "must be between 0 and context_window (%d), got %d", a.ContextWindow, a.ReserveTokens)
	case a.MaxToolIterations < 1 || a.MaxToolIterations > 1000:
		return bad("agent.max_tool_iterations", "must be between 1 and 1000, got %d", a.MaxToolIterations)
	case a.MaxTokens < 0:
		return bad("agent.max_tokens", "must be 0 (the provider's default) or more, got %d", a.MaxTokens)
	}
	for _, u := range []struct{ key, value string }{
		{"providers.openai.base_url", c.Providers.OpenAI.BaseURL},
		{"providers.anthropic.base_url", c.Providers.Anthropic.BaseURL},
		{"providers.ollama.endpoint", c.Providers.Ollama.Endpoint},
	} {
		if err := checkURL(u.key, u.value); err != nil {
			return err
		}
	}
	if n := c.Providers.Ollama.NumCtx; n < 256 {
		return bad("providers.ollama.num_ctx", "must be at least 256 tokens, got %d (16384 is a good start; `localgpt doctor` shows each model's maximum and memory)", n)
	}
	if ka := c.Providers.Ollama.KeepAlive; ka != "" {
		if _, err := time.ParseDuration(ka); err != nil {
			return bad("providers.ollama.keep_alive", "%q is not a duration; write it like \"10m\", or \"-1s\" to keep the model loaded", ka)
		}
	}
	h := c.Heartbeat
	if h.Interval.Duration < time.Second {
		return bad("heartbeat.interval", "must be at least 1s, got %s", h.Interval)
	}
	if h.MaxTokensPerDay < 0 {
		return bad("heartbeat.max_tokens_per_day", "must be 0 (no limit) or more, got %d", h.MaxTokensPerDay)
	}
	if h.Timeout.Duration < time.Second {
		return bad("heartbeat.timeout", "must be at least 1s, got %s", h.Timeout)
	}
	if h.ActiveHours != nil {
		start, err := ParseClock(h.ActiveHours.Start)
		if err != nil {
			return bad("heartbeat.active_hours.start", "%v", err)
		}
		end, err := ParseClock(h.ActiveHours.End)
		if err != nil {
			return bad("heartbeat.active_hours.end", "%v", err)
		}
		if start == end {
			return bad("heartbeat.active_hours", "start and end are both %s; remove active_hours to run at any hour", h.ActiveHours.Start)
		}
	}
	if _, err := c.Location(); err != nil {
		return bad("heartbeat.timezone", "unknown time zone %q; use an IANA name such as \"Europe/Berlin\" or leave it empty for local time", h.Timezone)
	}
	m := c.Memory
	if m.ChunkSize < 32 || m.ChunkSize > 8192 {
		return bad("memory.chunk_size", "must be between 32 and 8192 tokens, got %d", m.ChunkSize)
	}
	if m.ChunkOverlap < 0 || m.ChunkOverlap >= m.ChunkSize {
		return bad("memory.chunk_overlap", "must be at least 0 and less than chunk_size (%d), got %d", m.ChunkSize, m.ChunkOverlap)
	}
	if m.RecencyHalfLifeDays <= 0 {
		return bad("memory.recency_half_life_days", "must be a positive number of days, got %v", m.RecencyHalfLifeDays)
	}
	if m.MaxFileBytes < 1024 {
		return bad("memory.max_file_bytes", "must be at least 1024, got %d", m.MaxFileBytes)
	}
	if err := m.Embeddings.validate(); err != nil {
		return err
	}
	if c.Server.Port < 1 || c.Server.Port > 65535 {
		return bad("server.port", "must be between 1 and 65535, got %d", c.Server.Port)
	}
	if c.Server.RequestTimeout.Duration < time.Second || c.Server.ChatTimeout.Duration < time.Second {
		return bad("server.request_timeout", "request_timeout and chat_timeout must be at least 1s, got %s and %s", c.Server.RequestTimeout, c.Server.ChatTimeout)
	}
	if c.Server.MaxBodyBytes < 1024 {
		return bad("server.max_body_bytes", "must be at least 1024, got %d", c.Server.MaxBodyBytes)
	}
	if c.Tools.BashTimeoutMS < 1 {
		return bad("tools.bash_timeout_ms", "must be positive, got %d", c.Tools.BashTimeoutMS)
	}
	if c.Tools.ToolOutputMaxChars < 100 {
		return bad("tools.tool_output_max_chars", "must be at least 100, got %d", c.Tools.ToolOutputMaxChars)
	}
	if c.Tools.MaxCallsPerReply < 1 {
		return bad("tools.max_calls_per_reply", "must be at least 1, got %d", c.Tools.MaxCallsPerReply)
	}
	if c.Tools.MaxParallel < 1 {
		return bad("tools.max_parallel", "must be at least 1, got %d", c.Tools.MaxParallel)
	}
	if c.Tools.MaxOutputPerTurn < c.Tools.ToolOutputMaxChars {
		return bad("tools.max_output_per_turn", "must be at least tools.tool_output_max_chars (%d), got %d", c.Tools.ToolOutputMaxChars, c.Tools.MaxOutputPerTurn)
	}
	if levels := []string{"debug", "info", "warn", "error"}; !slices.Contains(levels, c.Logging.Level) {
		return bad("logging.level", "must be one of debug, info, warn, error; got %q", c.Logging.Level)
	}
	return c.validateMCP()
}

// MaxEmbedBatch bounds memory.embeddings.batch_size: OpenAI takes at most
// 2,048 inputs per request.
const MaxEmbedBatch = 2048

func (e Embeddings) validate() error {
	switch {
	case e.Provider != EmbedOllama && e.Provider != EmbedOpenAI:
		return bad("memory.embeddings.provider", "must be %q or %q (any OpenAI-compatible server: set providers.openai.base_url), got %q", EmbedOllama, EmbedOpenAI, e.Provider)
	case e.Enabled && e.Model == "":
		return bad("memory.embeddings.model", "is empty; name an embedding model, such as \"nomic-embed-text\" (`ollama pull nomic-embed-text`)")
	case e.Dimensions < 0 || e.Dimensions > 16384:
		return bad("memory.embeddings.dimensions", "must be 0 (the model's own size) or up to 16384, got %d", e.Dimensions)
	case e.BatchSize < 1 || e.BatchSize > MaxEmbedBatch:
		return bad("memory.embeddings.batch_size", "must be between 1 and %d chunks per request, got %d", MaxEmbedBatch, e.BatchSize)
	}
	return nil
}

func checkURL(key, value string) error {
	u, err := url.Parse(value)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return bad(key, "%q is not an http(s) URL, such as \"http://localhost:11434\"", value)
	}
	return nil
}

// ParseClock parses "HH:MM" (00:00 to 23:59, or 24:00 for the end of the
// day) into minutes after midnight.
func ParseClock(s string) (int, error) {
	bad := fmt.Errorf("%q is not a time of day; write HH:MM, such as \"09:00\"", s)
	if len(s) != 5 || s[2] != ':' {
		return 0, bad
	}
	h, err1 := strconv.Atoi(s[:2])
	m, err2 := strconv.Atoi(s[3:])
	if err1 != nil || err2 != nil || s[0] == '-' || s[3] == '-' || s[0] == '+' || s[3] == '+' ||
		h > 24 || m > 59 || (h == 24 && m != 0) {
		return 0, bad
	}
	return h*60 + m, nil
}

// Location returns the heartbeat's time zone: heartbeat.timezone, or local time.
func (c *Config) Location() (*time.Location, error) {
	if c.Heartbeat.Timezone == "" {
		return time.Local, nil
	}
	return time.LoadLocation(c.Heartbeat.Timezone)
}
