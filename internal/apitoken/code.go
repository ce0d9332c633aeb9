package apitoken

import (
	"crypto/hmac"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/localgpt-go/localgpt/internal/fsutil"
)

// CodeTTL is how long a login code stays valid.
const CodeTTL = 15 * time.Minute

// Errors of Redeem.
var (
	ErrCodeInvalid = errors.New("this is not a login code of this LocalGPT daemon")
	ErrCodeExpired = errors.New("this login code has expired")
	ErrCodeUsed    = errors.New("this login code was already used")
)

// NewCode returns a one-time login code for the web page, valid for
// CodeTTL: an expiry time and a random nonce, signed with the token.
// Whoever holds the token can make one without asking the daemon (the
// CLI does); the daemon accepts each code once.
func NewCode(token string, now time.Time) string {
	nonce := make([]byte, 12)
	_, _ = rand.Read(nonce) // crypto/rand never fails on Linux
	payload := strconv.FormatInt(now.Add(CodeTTL).Unix(), 10) + "." + hex.EncodeToString(nonce)
	return payload + "." + codeMAC(token, payload)
}

func codeMAC(token, payload string) string {
	return hex.EncodeToString(mac(token, "localgpt login "+payload)[:16])
}

// Codes remembers the login codes already used, until they expire. It is
// safe for concurrent use; the zero value is ready and remembers in
// memory only.
type Codes struct {
	// File keeps the used codes across restarts (the daemon's
	// state/login-codes, 0600): a code is valid for CodeTTL, and a link
	// seen once (in a terminal's scrollback, a browser's history) must not
	// log in again after the daemon restarted within that time.
	File string

	mu     sync.Mutex
	used   map[string]time.Time // nonce → expiry
	loaded bool
}

// load reads the codes used before this process (once), forgetting the
// expired ones. The caller holds c.mu.
func (c *Codes) load(now time.Time) {
	if c.used == nil {
		c.used = map[string]time.Time{}
	}
	if c.loaded || c.File == "" {
		return
	}
	c.loaded = true
	data, err := os.ReadFile(c.File)
	if err != nil {
		return // none yet (or unreadable: the codes of this run are still kept)
	}
	var live []string
	for _, line := range strings.Split(string(data), "\n") {
		nonce, exp, ok := strings.Cut(line, " ")
		sec, err := strconv.ParseInt(exp, 10, 64)
		if !ok || err != nil || !now.Before(time.Unix(sec, 0)) {
			continue
		}
		c.used[nonce] = time.Unix(sec, 0)
		live = append(live, line+"\n")
	}
	if len(live) < strings.Count(string(data), "\n") { // drop the expired ones
		_ = fsutil.WriteAtomic(c.File, []byte(strings.Join(live, "")), fsutil.FileMode)
	}
}

// Redeem checks a login code made with token and marks it used.
func (c *Codes) Redeem(token, code string, now time.Time) error {
	parts := strings.Split(code, ".")
	if len(parts) != 3 {
		return ErrCodeInvalid
	}
	payload := parts[0] + "." + parts[1]
	if !hmac.Equal([]byte(parts[2]), []byte(codeMAC(token, payload))) {
		return ErrCodeInvalid
	}
	sec, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil {
		return ErrCodeInvalid
	}
	exp := time.Unix(sec, 0)
	if !now.Before(exp) {
		return ErrCodeExpired
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.load(now)
	for n, e := range c.used {
		if !now.Before(e) {
			delete(c.used, n)
		}
	}
	if _, ok := c.used[parts[1]]; ok {
		return ErrCodeUsed
	}
	if c.File != "" {
		// Kept before the code is accepted: a code that cannot be marked
		// used is refused rather than left reusable.
		if err := fsutil.AppendSync(c.File, []byte(parts[1]+" "+parts[0]+"\n")); err != nil {
			return fmt.Errorf("remember the used login code: %w", err)
		}
	}
	c.used[parts[1]] = exp
	return nil
}
