package apitoken

import (
	"crypto/hmac"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"
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
// safe for concurrent use; the zero value is ready.
type Codes struct {
	mu   sync.Mutex
	used map[string]time.Time // nonce → expiry
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
	if c.used == nil {
		c.used = map[string]time.Time{}
	}
	for n, e := range c.used {
		if !now.Before(e) {
			delete(c.used, n)
		}
	}
	if _, ok := c.used[parts[1]]; ok {
		return ErrCodeUsed
	}
	c.used[parts[1]] = exp
	return nil
}
