// Package apitoken owns the credential of the daemon's HTTP API, so that
// the API has an owner even on loopback, where any other account or
// container of the machine can connect. The token is random, created on
// first use in the home's state folder (readable by the user alone), and
// read by the CLI whenever it needs it; server.api_token (or
// LOCALGPT_API_TOKEN) replaces it.
//
// A browser cannot send a bearer token by itself, so the web page logs in
// once with a one-time code (NewCode) that the server exchanges for an
// HttpOnly cookie (CookieValue): the token never appears in a URL, a
// browser's history or the page's JavaScript.
package apitoken

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/localgpt-go/localgpt/internal/fsutil"
)

// FileName is the token's file in the state folder.
const FileName = "api-token"

// Path returns the token file of a state folder.
func Path(stateDir string) string { return filepath.Join(stateDir, FileName) }

// Read returns the token stored at path, "" when there is none.
func Read(path string) (string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the API token %s: %w", path, err)
	}
	tok := strings.TrimSpace(string(data))
	if len(tok) < 16 {
		return "", fmt.Errorf("the API token in %s is too short; delete the file and a new token is made on the next daemon start", path)
	}
	return tok, nil
}

// Ensure returns the token stored at path, creating a random one (256
// bits, hex) when there is none. The file is written whole under a
// temporary name and linked into place, so concurrent callers end up
// with the same token and nobody ever reads half of one.
func Ensure(path string) (string, error) {
	if tok, err := Read(path); err != nil || tok != "" {
		return tok, err
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return "", fmt.Errorf("make an API token: %w", err)
	}
	tok := hex.EncodeToString(buf)
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, fsutil.DirMode); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, "."+FileName+".tmp-*")
	if err != nil {
		return "", fmt.Errorf("write the API token: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(tok + "\n")
	if err == nil {
		err = tmp.Chmod(fsutil.FileMode)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("write the API token %s: %w", path, err)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("write the API token %s: %w", path, err)
	}
	if err := fsutil.SyncDir(dir); err != nil {
		return "", err
	}
	return Read(path) // ours, or the one another process linked first
}

// Resolve returns the API's token: configured (server.api_token or
// LOCALGPT_API_TOKEN) when set, otherwise the one stored at path, made
// there first when create is set. Without create and without a token it
// returns "".
func Resolve(configured, path string, create bool) (string, error) {
	if configured != "" {
		return configured, nil
	}
	if create {
		return Ensure(path)
	}
	return Read(path)
}

// CookieValue is the value of the web page's session cookie for token: a
// keyed hash of it, so the cookie is not the token itself and every
// cookie stops working when the token changes.
func CookieValue(token string) string {
	return hex.EncodeToString(mac(token, "localgpt web session"))
}

func mac(key, msg string) []byte {
	h := hmac.New(sha256.New, []byte(key))
	h.Write([]byte(msg))
	return h.Sum(nil)
}
