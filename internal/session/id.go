package session

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// NewID returns a new session ID: the UTC time to the second and four
// random hex digits, "20250314-091502-a1b2". IDs sort by creation time and
// are short enough to type; prefixes are accepted where an ID is asked for.
func NewID(now time.Time) string {
	var b [2]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return now.UTC().Format("20060102-150405") + "-" + hex.EncodeToString(b[:])
}

// validID reports whether id can name a session file: no path separators,
// no dots leading anywhere else, nothing but letters, digits, - and _.
func validID(id string) error {
	if id == "" {
		return fmt.Errorf("empty session ID")
	}
	if strings.Trim(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != "" {
		return fmt.Errorf("session ID %q may hold only letters, digits, - and _", id)
	}
	return nil
}
