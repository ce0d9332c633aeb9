//go:build unix

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// homes are one build's LocalGPT homes: each build gets its own, so that
// neither reads an index or a session index the other wrote.
type homes struct {
	ask  string // tiny workspace, the fake LLM as default model
	mem  string // the corpus as workspace, the HTTP server on port
	sess string // the generated sessions
	port int
}

// makeHomes writes the config files of one build's homes under dir.
func makeHomes(dir, corpus string, llm *fakeLLM, sessions string) (homes, error) {
	port, err := freePort()
	if err != nil {
		return homes{}, err
	}
	h := homes{ask: filepath.Join(dir, "ask"), mem: filepath.Join(dir, "mem"), sess: filepath.Join(dir, "sess"), port: port}
	configs := map[string]string{
		h.ask:  llm.providerConfig(),
		h.mem:  llm.providerConfig() + fmt.Sprintf("[memory]\nworkspace = %q\n[server]\nport = %d\n", corpus, port),
		h.sess: llm.providerConfig(),
	}
	for home, cfg := range configs {
		if err := os.MkdirAll(home, 0o700); err != nil {
			return h, err
		}
		if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(cfg), 0o600); err != nil {
			return h, err
		}
	}
	if err := os.CopyFS(filepath.Join(h.sess, "sessions"), os.DirFS(sessions)); err != nil {
		return h, fmt.Errorf("copy the sessions: %w", err)
	}
	return h, nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// Session fixtures: many small sessions, and one long one.
const (
	smallSessions   = 1000
	smallMessages   = 8
	bigSessionMsgs  = 10000
	bigSessionIndex = smallSessions // the long one is the newest
)

// writeSessions writes the session files in the version 1 format of
// docs/sessions.md, by hand rather than with internal/session so that
// every build reads the same bytes: smallSessions sessions of
// smallMessages messages and one of bigSessionMsgs messages (questions,
// tool calls, tool results of about 0.6 KB and answers, as the session
// benchmarks use). It returns the id of the long one.
func writeSessions(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	start := time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)
	var bigID string
	for i := range smallSessions + 1 {
		at := start.Add(time.Duration(i) * time.Minute)
		id := fmt.Sprintf("%s-%04x", at.Format("20060102-150405"), i)
		n := smallMessages
		if i == bigSessionIndex {
			n, bigID = bigSessionMsgs, id
		}
		if err := writeSession(filepath.Join(dir, id+".jsonl"), id, at, n); err != nil {
			return "", err
		}
	}
	return bigID, nil
}

func writeSession(path, id string, at time.Time, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	text := strings.Repeat("Some words of a realistic chat message. ", 8) // ~320 bytes
	type m = map[string]any
	line := func(v m) { _ = enc.Encode(v) }
	ts := at.Format(time.RFC3339Nano)
	line(m{"type": "session", "at": ts, "version": 1, "id": id, "model": "openai/gpt-4o-mini"})
	for i := range n {
		var msg m
		extra := m{}
		switch i % 4 {
		case 0:
			msg = m{"role": "user", "parts": []m{{"type": "text", "text": fmt.Sprintf("question %d: %s", i, text)}}}
		case 1:
			msg = m{"role": "assistant", "parts": []m{{"type": "tool_call", "tool_call": m{"id": fmt.Sprint("c", i), "name": "memory_search", "arguments": m{"query": "garden tomatoes"}}}}}
		case 2:
			msg = m{"role": "tool", "parts": []m{{"type": "tool_result", "tool_result": m{"call_id": fmt.Sprint("c", i-1), "name": "memory_search", "content": text + text}}}}
		default:
			msg = m{"role": "assistant", "parts": []m{{"type": "text", "text": fmt.Sprintf("answer %d: %s", i, text)}}}
			extra = m{"usage": m{"prompt_tokens": 1000, "completion_tokens": 80, "total_tokens": 1080}, "context_tokens": 1000, "model": "openai/gpt-4o-mini"}
		}
		e := m{"type": "message", "at": ts, "message": msg}
		for k, v := range extra {
			e[k] = v
		}
		line(e)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
