package logging

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/internal/secret"
)

func TestLogRedactsSecretsAndHonoursLevel(t *testing.T) {
	file := filepath.Join(t.TempDir(), "logs", "agent.log")
	log, closeLog := New(Options{File: file, Level: "info"})
	log.Debug("hidden detail")
	log.Info("calling provider", "api_key", "sk-very-secret", "Authorization", "Bearer abc", "model", "gpt-4o")
	if err := closeLog(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	if strings.Contains(s, "sk-very-secret") || strings.Contains(s, "Bearer abc") {
		t.Fatalf("secret written to the log: %s", s)
	}
	if !strings.Contains(s, "[redacted]") || !strings.Contains(s, "gpt-4o") {
		t.Fatalf("log lacks the record: %s", s)
	}
	if strings.Contains(s, "hidden detail") {
		t.Fatal("debug record written at info level")
	}
}

func TestVerboseCopiesToStderr(t *testing.T) {
	var stderr bytes.Buffer
	file := filepath.Join(t.TempDir(), "agent.log")
	log, closeLog := New(Options{File: file, Level: "error", Verbose: true, Stderr: &stderr})
	log.Debug("step", "token", "t0ken")
	closeLog()
	if !strings.Contains(stderr.String(), "step") || strings.Contains(stderr.String(), "t0ken") {
		t.Fatalf("stderr: %q", stderr.String())
	}
}

func TestNoFileUntilFirstRecord(t *testing.T) {
	file := filepath.Join(t.TempDir(), "agent.log")
	_, closeLog := New(Options{File: file})
	closeLog()
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Fatal("log file created although nothing was logged")
	}
}

func TestParseLevel(t *testing.T) {
	for in, want := range map[string]string{"debug": "DEBUG", "WARN": "WARN", "warning": "WARN", "error": "ERROR", "": "INFO", "x": "INFO"} {
		if got := ParseLevel(in).String(); got != want {
			t.Errorf("ParseLevel(%q) = %s", in, got)
		}
	}
}

func TestSecretNames(t *testing.T) {
	for _, k := range []string{"api_key", "API_KEY", "token", "api_token", "access_token", "openai_api_key", "Authorization", "password", "x-api-key"} {
		if !isSecretName(k) {
			t.Errorf("%q not treated as a secret", k)
		}
	}
	for _, k := range []string{"prompt_tokens", "completion_tokens", "max_tokens_per_day", "tokens", "model", "key_count"} {
		if isSecretName(k) {
			t.Errorf("%q treated as a secret", k)
		}
	}
}

// TestLogMasksConfiguredSecrets: a provider error echoing a key, logged
// as an error value, a message or inside another attribute, is masked.
func TestLogMasksConfiguredSecrets(t *testing.T) {
	const key = "sk-proj-Zq8xVbN3mK7pL2wR9tY4uI6o"
	file := filepath.Join(t.TempDir(), "agent.log")
	log, closeLog := New(Options{File: file, Level: "info", Secrets: secret.New(key)})
	log.Warn("provider said "+key, "err", errors.New(`401: "Incorrect API key provided: `+key+`"`), "url", "https://x/?k="+key)
	closeLog()
	data, _ := os.ReadFile(file)
	if strings.Contains(string(data), key) || strings.Count(string(data), secret.Display(key)) != 3 {
		t.Fatalf("log: %s", data)
	}
}
