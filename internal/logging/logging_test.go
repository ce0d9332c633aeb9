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
	log, lf := New(Options{File: file, Level: "info"})
	log.Debug("hidden detail")
	log.Info("calling provider", "api_key", "sk-very-secret", "Authorization", "Bearer abc", "model", "gpt-4o")
	if err := lf.Close(); err != nil {
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
	log, lf := New(Options{File: file, Level: "error", Verbose: true, Stderr: &stderr})
	log.Debug("step", "token", "t0ken")
	lf.Close()
	if !strings.Contains(stderr.String(), "step") || strings.Contains(stderr.String(), "t0ken") {
		t.Fatalf("stderr: %q", stderr.String())
	}
}

func TestNoFileUntilFirstRecord(t *testing.T) {
	file := filepath.Join(t.TempDir(), "agent.log")
	_, lf := New(Options{File: file})
	lf.Close()
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
	log, lf := New(Options{File: file, Level: "info", Secrets: secret.New(key)})
	log.Warn("provider said "+key, "err", errors.New(`401: "Incorrect API key provided: `+key+`"`), "url", "https://x/?k="+key)
	lf.Close()
	data, _ := os.ReadFile(file)
	if strings.Contains(string(data), key) || strings.Count(string(data), secret.Display(key)) != 3 {
		t.Fatalf("log: %s", data)
	}
}

// TestOwnerRotation: the owner rotates a file that is over the limit,
// even one that others filled before it started, keeps the newest
// backups only, and never loses a record to a name collision.
func TestOwnerRotation(t *testing.T) {
	tests := []struct {
		name        string
		existing    int // bytes in the file before the owner starts
		records     int
		maxBackups  int
		wantBackups int
	}{
		{"a file filled before the daemon started is rotated first", 10 << 10, 1, 3, 1},
		{"rotations within one millisecond keep every backup", 0, 200, 100, 0}, // counted below
		{"only the newest backups are kept", 0, 200, 2, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "agent.log")
			if tt.existing > 0 {
				if err := os.WriteFile(path, bytes.Repeat([]byte("{}\n"), tt.existing/3), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			log, lf := New(Options{File: path, MaxBytes: 4 << 10, MaxBackups: tt.maxBackups})
			lf.Own()
			for i := range tt.records {
				log.Info("record", "seq", i, "pad", strings.Repeat("x", 200))
			}
			if err := lf.Close(); err != nil {
				t.Fatal(err)
			}
			backups, err := filepath.Glob(filepath.Join(dir, "agent-*.log"))
			if err != nil {
				t.Fatal(err)
			}
			want := tt.wantBackups
			if want == 0 { // every rotation kept: about 250 bytes a record, 4 KiB a file
				want = len(backups)
				if want < tt.records*250/(4<<10)-1 {
					t.Fatalf("%d backups for %d records", want, tt.records)
				}
				var lines int
				for _, b := range append(backups, path) {
					data, _ := os.ReadFile(b)
					lines += bytes.Count(data, []byte("\n"))
				}
				if lines != tt.records {
					t.Fatalf("%d records in the files, %d written", lines, tt.records)
				}
			}
			if len(backups) != want {
				t.Fatalf("%d backups, want %d: %v", len(backups), want, backups)
			}
			info, err := os.Stat(path)
			if err != nil || info.Size() > 4<<10 {
				t.Fatalf("live file: %v %v", info, err)
			}
		})
	}
}
