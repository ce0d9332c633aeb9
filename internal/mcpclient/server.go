package mcpclient

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// server is one configured server and its connection, if any.
type server struct {
	cfg Config
	m   *Manager
	log *slog.Logger

	mu    sync.Mutex
	state State
	// attempt is closed when the start in flight ends; nil when none runs.
	attempt chan struct{}
	sess    *mcp.ClientSession
	cmd     *exec.Cmd
	stderr  *tail
	// ended is closed once the running session's connection has ended
	// and the server's state says why.
	ended chan struct{}
	tools []Tool
	// stale says the server announced a changed tool list.
	stale    bool
	err      error // why it is not running
	failures int   // starts failed or crashes since the last good call
	retryAt  time.Time
	startDur time.Duration
}

// kick starts the server when it should be: when it was never started,
// or when retry is set or its backoff has passed after a failure. It
// returns a channel closed when the start ends, if the caller should wait
// for it: the first start, and any start with retry set.
func (s *server) kick(retry bool) <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.state == Running || s.state == Closed:
		return nil
	case s.attempt != nil:
		if retry || s.failures == 0 {
			return s.attempt
		}
		return nil
	case s.state == Failed && !retry && time.Now().Before(s.retryAt):
		return nil
	}
	first := s.state == Idle
	s.startLocked()
	if first || retry {
		return s.attempt
	}
	return nil
}

// startLocked launches a start in the background; s.mu is held.
func (s *server) startLocked() {
	s.state = Starting
	s.attempt = make(chan struct{})
	s.m.wg.Add(1)
	go s.start(s.attempt)
}

// start connects to the server and lists its tools, within StartTimeout.
func (s *server) start(done chan struct{}) {
	defer s.m.wg.Done()
	began := time.Now()
	ctx, cancel := context.WithTimeout(s.m.ctx, s.cfg.StartTimeout)
	defer cancel()
	sess, cmd, stderr, err := s.connect(ctx)
	var tools []Tool
	if err == nil {
		tools, err = listTools(ctx, s.cfg.Name, sess)
		if err != nil {
			err = fmt.Errorf("listing its tools failed: %w", err)
			s.shutdown(sess, cmd)
		}
	}
	if err != nil && ctx.Err() == context.DeadlineExceeded {
		err = fmt.Errorf("it did not answer within %s (mcp.servers.%s.start_timeout)", s.cfg.StartTimeout, s.cfg.Name)
	}
	if err != nil && stderr != nil {
		err = withStderr(err, stderr)
	}
	s.mu.Lock()
	defer close(done)
	s.attempt = nil
	s.startDur = time.Since(began)
	if s.state == Closed { // Close came first; it waits for this goroutine
		s.mu.Unlock()
		if err == nil {
			s.shutdown(sess, cmd)
		}
		return
	}
	defer s.mu.Unlock()
	if err != nil {
		s.failLocked(fmt.Errorf("could not start: %w", err))
		return
	}
	s.state, s.sess, s.cmd, s.stderr, s.tools, s.stale, s.err = Running, sess, cmd, stderr, tools, false, nil
	s.ended = make(chan struct{})
	s.log.Info("mcp server started", "tools", len(tools), "elapsed", s.startDur)
	s.m.wg.Add(1)
	go s.watch(sess, cmd, s.ended)
}

// failLocked records a failure and when to try again; s.mu is held.
func (s *server) failLocked(err error) {
	s.state, s.err, s.sess, s.cmd = Failed, err, nil, nil
	s.failures++
	wait := backoff(s.failures)
	s.retryAt = time.Now().Add(wait)
	s.log.Warn("mcp server unavailable", "err", err, "retry_in", wait)
	if f := s.m.o.OnFailure; f != nil {
		f(s.cfg.Name, err)
	}
}

// watch waits for a running session's connection to end. When that was
// not LocalGPT's doing, the server crashed or hung up: it is reaped and
// marked failed, and the next call restarts it after the backoff.
func (s *server) watch(sess *mcp.ClientSession, cmd *exec.Cmd, ended chan struct{}) {
	defer s.m.wg.Done()
	defer close(ended)
	_ = sess.Wait()
	s.mu.Lock()
	mine := s.sess == sess && s.state == Running
	stderr := s.stderr
	s.mu.Unlock()
	if !mine {
		return // closed by LocalGPT
	}
	s.shutdown(sess, cmd)
	err := errors.New("the connection was lost")
	if cmd != nil && cmd.ProcessState != nil {
		err = fmt.Errorf("it exited (%s)", cmd.ProcessState)
	}
	err = withStderr(err, stderr)
	s.mu.Lock()
	if s.sess == sess && s.state == Running {
		s.failLocked(err)
	}
	s.mu.Unlock()
}

// shutdown closes a session. For a stdio server that closes its input,
// waits, terminates and kills it (the SDK's sequence), then kills
// anything left in its process group.
func (s *server) shutdown(sess *mcp.ClientSession, cmd *exec.Cmd) {
	_ = sess.Close()
	killGroup(cmd)
}

// close stops the server for good.
func (s *server) close() error {
	s.mu.Lock()
	sess, cmd := s.sess, s.cmd
	s.state, s.sess, s.cmd = Closed, nil, nil
	s.mu.Unlock()
	if sess != nil {
		s.shutdown(sess, cmd)
		s.log.Info("mcp server stopped")
	}
	return nil
}

// ensure returns the running session, starting or restarting the server
// first when needed and allowed.
func (s *server) ensure(ctx context.Context) (*mcp.ClientSession, chan struct{}, error) {
	for {
		s.mu.Lock()
		switch {
		case s.state == Running:
			sess, ended := s.sess, s.ended
			s.mu.Unlock()
			return sess, ended, nil
		case s.state == Closed:
			s.mu.Unlock()
			return nil, nil, errors.New("LocalGPT is stopping")
		case s.attempt == nil && s.state == Failed && time.Now().Before(s.retryAt):
			err := fmt.Errorf("MCP server %s is unavailable: %v; LocalGPT tries it again in %s",
				s.cfg.Name, s.err, time.Until(s.retryAt).Round(time.Second))
			s.mu.Unlock()
			return nil, nil, err
		case s.attempt == nil:
			s.startLocked()
		}
		attempt := s.attempt
		s.mu.Unlock()
		select {
		case <-attempt:
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		}
		s.mu.Lock()
		state, err := s.state, s.err
		s.mu.Unlock()
		if state == Failed {
			return nil, nil, fmt.Errorf("MCP server %s is unavailable: %v", s.cfg.Name, err)
		}
	}
}

// call runs one tool call.
func (s *server) call(ctx context.Context, tool string, args []byte) (Result, error) {
	sess, ended, err := s.ensure(ctx)
	if err != nil {
		return Result{}, err
	}
	cctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	// Close cancels calls in flight: the session waits for them to end
	// before it closes, and a stuck server would never end them.
	defer context.AfterFunc(s.m.ctx, cancel)()
	res, err := sess.CallTool(cctx, &mcp.CallToolParams{Name: tool, Arguments: rawArgs(args)})
	switch {
	case err == nil:
		s.mu.Lock()
		s.failures = 0
		s.mu.Unlock()
		return convert(res), nil
	case ctx.Err() != nil:
		return Result{}, ctx.Err()
	case s.m.ctx.Err() != nil:
		return Result{}, errors.New("LocalGPT is stopping")
	case cctx.Err() != nil:
		return Result{}, fmt.Errorf("MCP server %s did not answer %s within %s (mcp.servers.%s.timeout); the call was cancelled",
			s.cfg.Name, tool, s.cfg.Timeout, s.cfg.Name)
	}
	var rpc *jsonrpc.Error
	if errors.As(err, &rpc) { // the server answered, with an error
		return Result{}, fmt.Errorf("MCP server %s refused the call: %s", s.cfg.Name, rpc.Message)
	}
	if waitEnded(ended, 3*time.Second) { // the watcher records why, then closes ended
		s.mu.Lock()
		why, retry := s.err, time.Until(s.retryAt).Round(time.Second)
		s.mu.Unlock()
		if why == nil {
			why = err
		}
		return Result{}, fmt.Errorf("MCP server %s stopped during the call: %v; LocalGPT restarts it at the next call (in %s or later)",
			s.cfg.Name, why, max(retry, 0))
	}
	return Result{}, fmt.Errorf("the call to MCP server %s failed: %v", s.cfg.Name, err)
}

// waitEnded reports whether the connection behind ended ends within d.
func waitEnded(ended chan struct{}, d time.Duration) bool {
	if ended == nil {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ended:
		return true
	case <-t.C:
		return false
	}
}

// currentTools returns the tools of a running server, listing them again
// first when the server said they changed.
func (s *server) currentTools(ctx context.Context) []Tool {
	s.mu.Lock()
	if s.state != Running {
		s.mu.Unlock()
		return nil
	}
	sess, stale, tools := s.sess, s.stale, s.tools
	s.mu.Unlock()
	if !stale || ctx.Err() != nil {
		return tools
	}
	lctx, cancel := context.WithTimeout(ctx, s.cfg.StartTimeout)
	defer cancel()
	fresh, err := listTools(lctx, s.cfg.Name, sess)
	if err != nil {
		s.log.Warn("mcp server: listing changed tools failed; keeping the old list", "err", err)
		return tools
	}
	s.mu.Lock()
	if s.sess == sess {
		s.tools, s.stale = fresh, false
	}
	s.mu.Unlock()
	return fresh
}

// toolsChanged marks the tool list stale (notifications/tools/list_changed).
func (s *server) toolsChanged() {
	s.mu.Lock()
	s.stale = true
	s.mu.Unlock()
}

func (s *server) status(ctx context.Context) Status {
	st := Status{Name: s.cfg.Name, Transport: s.cfg.Transport(), Target: s.target(), Tools: s.currentTools(ctx)}
	s.mu.Lock()
	defer s.mu.Unlock()
	st.State = s.state
	if s.err != nil && s.state != Running {
		st.Error = s.err.Error()
	}
	if s.cmd != nil && s.cmd.Process != nil {
		st.PID = s.cmd.Process.Pid
	}
	st.StartMS = s.startDur.Milliseconds()
	if st.Tools == nil {
		st.Tools = []Tool{}
	}
	return st
}

// target is the command line or the URL, for display.
func (s *server) target() string {
	if s.cfg.URL != "" {
		return s.cfg.URL
	}
	return strings.TrimSpace(s.cfg.Command + " " + strings.Join(s.cfg.Args, " "))
}

// withStderr adds the last lines a stdio server wrote on stderr to err.
func withStderr(err error, t *tail) error {
	if t == nil {
		return err
	}
	if last := t.String(); last != "" {
		return fmt.Errorf("%w; its last output: %s", err, last)
	}
	return err
}
