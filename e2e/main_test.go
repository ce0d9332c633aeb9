//go:build e2e

// Package e2e runs the built localgpt binary against a real Ollama server
// (scripts/ollama-peer.sh) serving a generated, deterministic model
// (e2e/gguf/scripted), through each of the three providers: Ollama
// natively, OpenAI at Ollama's /v1, Anthropic at its root. Run with `go test -tags e2e ./e2e/...`; docs/e2e.md has the details.
//
// The tests never skip: when the peer cannot be built or started, they fail.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// suite is what TestMain prepares for every test; it is written once,
// before any test runs, and only read afterwards.
type suite struct {
	repo    string // the repository root
	bin     string // the built localgpt binary
	peer    string // the script that builds and runs Ollama
	url     string // the Ollama server
	model   string // the scripted model's name on the server
	embed   string // the embedding model's (e2e/gguf/embedding)
	tmp     string
	stopped string // the peer folder to stop at the end, if we started it
}

func TestMain(m *testing.M) {
	s, err := setUp()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		if s != nil {
			s.tearDown()
		}
		os.Exit(1)
	}
	the = s
	code := m.Run()
	s.tearDown()
	os.Exit(code)
}

// the is the suite of this test binary. TestMain sets it before m.Run.
var the *suite

func setUp() (*suite, error) {
	repo, err := filepath.Abs("..")
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "localgpt-e2e-")
	if err != nil {
		return nil, err
	}
	s := &suite{repo: repo, tmp: tmp, peer: filepath.Join(repo, "scripts", "ollama-peer.sh"),
		bin: filepath.Join(tmp, "localgpt")}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()

	build := exec.CommandContext(ctx, "go", "build", "-o", s.bin, "./cmd/localgpt")
	build.Dir = repo
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return s, fmt.Errorf("building localgpt with CGO_ENABLED=0: %w\n%s", err, out)
	}

	s.model = os.Getenv("LOCALGPT_E2E_MODEL")
	if s.model == "" {
		s.model = "localgpt-e2e"
	}
	if s.embed = os.Getenv("LOCALGPT_E2E_EMBED_MODEL"); s.embed == "" {
		s.embed = "localgpt-e2e-embed"
	}
	if u := os.Getenv("LOCALGPT_E2E_OLLAMA_URL"); u != "" {
		s.url = strings.TrimRight(u, "/")
		return s, nil
	}
	dir := filepath.Join(tmp, "peer")
	url, err := s.startPeer(ctx, dir)
	if err != nil {
		return s, err
	}
	s.url, s.stopped = url, dir
	return s, nil
}

// startPeer starts an Ollama server with the scripted model in dir (the
// first time, this builds Ollama: minutes) and returns its URL.
func (s *suite) startPeer(ctx context.Context, dir string) (string, error) {
	cmd := exec.CommandContext(ctx, s.peer, "start", dir)
	cmd.Dir = s.repo
	// Should this test binary die (Ctrl-C, a test timeout) before TearDown,
	// the script's watcher stops the server.
	cmd.Env = append(os.Environ(), fmt.Sprintf("LOCALGPT_PEER_OWNER=%d", os.Getpid()))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("the Ollama peer did not start (%s start %s): %w\n%s", s.peer, dir, err, stderr.String())
	}
	lines := strings.Fields(stdout.String())
	if len(lines) == 0 || !strings.HasPrefix(lines[len(lines)-1], "http://") {
		return "", fmt.Errorf("the Ollama peer printed no URL: %q\n%s", stdout.String(), stderr.String())
	}
	return lines[len(lines)-1], nil
}

func (s *suite) stopPeer(dir string) error {
	cmd := exec.Command(s.peer, "stop", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("stopping the Ollama peer in %s: %w\n%s", dir, err, out)
	}
	return nil
}

func (s *suite) tearDown() {
	if s.stopped != "" {
		if err := s.stopPeer(s.stopped); err != nil {
			fmt.Fprintln(os.Stderr, "e2e:", err)
		}
	}
	os.RemoveAll(s.tmp)
}

// serverLog returns the log of the peer the suite started ("" for a peer
// given by LOCALGPT_E2E_OLLAMA_URL).
func (s *suite) serverLog() string {
	if s.stopped == "" {
		return ""
	}
	b, _ := os.ReadFile(filepath.Join(s.stopped, "server.log"))
	return string(b)
}

// failWithLog ends the test, with the tail of the Ollama server's log.
func failWithLog(t *testing.T, format string, args ...any) {
	t.Helper()
	log := the.serverLog()
	if len(log) > 4000 {
		log = log[len(log)-4000:]
	}
	t.Fatalf(format+"\n--- tail of the Ollama server log ---\n%s", append(args, log)...)
}
