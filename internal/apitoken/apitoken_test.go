package apitoken

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestEnsureCreatesOnePrivateToken(t *testing.T) {
	state := filepath.Join(t.TempDir(), "home", "state")
	path := Path(state)
	if tok, err := Read(path); tok != "" || err != nil {
		t.Fatalf("Read of a missing token: %q %v", tok, err)
	}
	var wg sync.WaitGroup
	toks := make([]string, 8)
	for i := range toks {
		wg.Go(func() {
			tok, err := Ensure(path)
			if err != nil {
				t.Error(err)
			}
			toks[i] = tok
		})
	}
	wg.Wait()
	for _, tok := range toks {
		if tok != toks[0] || len(tok) != 64 {
			t.Fatalf("tokens differ or are malformed: %q", toks)
		}
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file mode %v, %v", fi.Mode(), err)
	}
	if di, _ := os.Stat(state); di.Mode().Perm() != 0o700 {
		t.Fatalf("state folder mode %v", di.Mode())
	}
	entries, _ := os.ReadDir(state)
	if len(entries) != 1 {
		t.Fatalf("temporary files left: %v", entries)
	}
	if tok, _ := Resolve("configured-token-123", path, true); tok != "configured-token-123" {
		t.Fatal("the configured token does not win")
	}
	if tok, _ := Resolve("", path, false); tok != toks[0] {
		t.Fatal("Resolve does not read the file")
	}
	os.WriteFile(path, []byte("short\n"), 0o600)
	if _, err := Read(path); err == nil || !strings.Contains(err.Error(), "delete the file") {
		t.Fatalf("a damaged token file: %v", err)
	}
}

func TestLoginCodes(t *testing.T) {
	const tok = "0123456789abcdef0123456789abcdef"
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var c Codes
	code := NewCode(tok, now)
	tests := []struct {
		name  string
		token string
		code  string
		at    time.Time
		want  error
	}{
		{"another daemon's code", "another-token-0000000000000000", code, now, ErrCodeInvalid},
		{"garbage", tok, "not-a-code", now, ErrCodeInvalid},
		{"tampered expiry", tok, "9" + code, now, ErrCodeInvalid},
		{"expired", tok, code, now.Add(CodeTTL), ErrCodeExpired},
		{"valid", tok, code, now.Add(time.Minute), nil},
		{"used twice", tok, code, now.Add(2 * time.Minute), ErrCodeUsed},
		{"another fresh code", tok, NewCode(tok, now), now, nil},
	}
	for _, tt := range tests {
		if err := c.Redeem(tt.token, tt.code, tt.at); err != tt.want {
			t.Errorf("%s: Redeem = %v, want %v", tt.name, err, tt.want)
		}
	}
	if c.Redeem(tok, NewCode(tok, now), now.Add(time.Hour)) != ErrCodeExpired || len(c.used) != 2 {
		t.Fatalf("used codes: %v", c.used)
	}
	c.Redeem(tok, NewCode(tok, now.Add(time.Hour)), now.Add(time.Hour))
	if len(c.used) != 1 {
		t.Fatalf("expired codes are not forgotten: %v", c.used)
	}
	if CookieValue(tok) == CookieValue(tok+"x") || strings.Contains(CookieValue(tok), tok) {
		t.Fatal("cookie value")
	}
}

// TestCodesSurviveRestart: a used login code stays used for a new Codes
// on the same file (a restarted daemon), and expired ones are forgotten.
func TestCodesSurviveRestart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "login-codes")
	now := time.Now()
	code := NewCode("0123456789abcdef0123", now)
	first := &Codes{File: file}
	if err := first.Redeem("0123456789abcdef0123", code, now); err != nil {
		t.Fatal(err)
	}
	again := &Codes{File: file}
	if err := again.Redeem("0123456789abcdef0123", code, now); !errors.Is(err, ErrCodeUsed) {
		t.Fatalf("a used code logged in again after a restart: %v", err)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the file of used codes: %v %v", fi, err)
	}
	later := &Codes{File: file}
	fresh := NewCode("0123456789abcdef0123", now.Add(CodeTTL+time.Minute))
	if err := later.Redeem("0123456789abcdef0123", fresh, now.Add(CodeTTL+time.Minute)); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(file); strings.Count(string(data), "\n") != 1 {
		t.Fatalf("expired codes were kept:\n%s", data)
	}
}
