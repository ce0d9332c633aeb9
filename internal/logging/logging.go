// Package logging sets up LocalGPT's log: structured slog records in
// logs/agent.log, rotated by size by the daemon alone (see File), with
// secrets redacted whatever the level:
// attributes named like a secret are blanked, and every configured secret
// is masked in each record as it is written, wherever it appears (an error
// from a provider may echo a key).
package logging

import (
	"io"
	"log/slog"
	"strings"

	"github.com/localgpt-go/localgpt/internal/secret"
)

// Options say where and how much to log.
type Options struct {
	File  string // the log file; its owner rotates it at MaxBytes
	Level string // debug, info, warn, error
	// MaxBytes and MaxBackups bound the file and the old files kept;
	// 0 means MaxSizeMB and MaxBackups.
	MaxBytes   int64
	MaxBackups int
	// Verbose lowers the level to debug and copies records to Stderr.
	Verbose bool
	Stderr  io.Writer
	// Secrets are masked in every record written to File (Stderr is the
	// caller's to mask); nil masks nothing.
	Secrets *secret.Masker
}

// Rotation limits: agent.log plus three old files of at most 10 MB each.
const (
	MaxSizeMB  = 10
	MaxBackups = 3
)

// New returns a logger and its file, which the caller closes. The file
// is opened on the first record, so commands that log nothing create
// nothing; records are appended without rotating until File.Own.
func New(o Options) (*slog.Logger, *File) {
	level := ParseLevel(o.Level)
	if o.Verbose {
		level = slog.LevelDebug
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = MaxSizeMB << 20
	}
	if o.MaxBackups <= 0 {
		o.MaxBackups = MaxBackups
	}
	file := newFile(o.File, o.MaxBytes, o.MaxBackups)
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: redact}
	// A handler writes each record in one Write, so masking per Write
	// sees whole records.
	var h slog.Handler = slog.NewJSONHandler(o.Secrets.Writer(file), opts)
	if o.Verbose && o.Stderr != nil {
		h = slog.NewMultiHandler(h, slog.NewTextHandler(o.Stderr, opts))
	}
	return slog.New(h), file
}

// ParseLevel maps a config level name to a slog level (info if unknown).
func ParseLevel(s string) slog.Level {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug
	case "warn", "warning":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// redact blanks attributes whose names say they hold a secret, so a
// careless log call can never write a key to disk. It matches secret-shaped
// names ("api_key", "token", "openai_api_key", "access_token",
// "authorization", "password"), not counts such as "prompt_tokens".
func redact(_ []string, a slog.Attr) slog.Attr {
	if isSecretName(a.Key) && a.Value.String() != "" {
		return slog.String(a.Key, "[redacted]")
	}
	return a
}

func isSecretName(key string) bool {
	k := strings.ToLower(key)
	switch k {
	case "token", "authorization", "password", "secret", "apikey", "api_key", "bearer", "cookie":
		return true
	}
	for _, suffix := range []string{"_api_key", "_apikey", "_token", "_password", "_secret", "-token", "-key"} {
		if strings.HasSuffix(k, suffix) {
			return true
		}
	}
	return false
}
