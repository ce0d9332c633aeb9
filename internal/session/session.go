package session

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/localgpt-go/localgpt/internal/fsutil"
	"github.com/localgpt-go/localgpt/internal/keylock"
	"github.com/localgpt-go/localgpt/internal/secret"
)

// Session is a session file open for appending, with its transcript in
// memory. Its methods are safe for concurrent use.
type Session struct {
	id   string
	path string
	st   *Store // its index is updated after each append

	mu      sync.Mutex
	f       *os.File
	t       *Transcript
	secrets *secret.Masker
	// withdrawn holds the withdrawal Withdraw applied to t, written with
	// the next turn.
	withdrawn []Entry
}

// Create starts a new session file with its header, fsynced.
func (s *Store) Create(model string, now time.Time) (*Session, error) {
	if err := os.MkdirAll(s.Dir, fsutil.DirMode); err != nil {
		return nil, fmt.Errorf("create the sessions folder %s: %w", s.Dir, err)
	}
	for range 5 {
		id := NewID(now)
		path := s.Path(id)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_EXCL, fsutil.FileMode)
		if errors.Is(err, fs.ErrExist) {
			continue // same second, same suffix: draw again
		}
		if err != nil {
			return nil, fmt.Errorf("create session file %s: %w", path, err)
		}
		if err := lockFile(f, id); err != nil {
			f.Close()
			return nil, err
		}
		header := Entry{Type: TypeSession, At: now.UTC(), Version: FormatVersion, ID: id, Model: model}
		t := newTranscript(header)
		t.commits = true
		sess := &Session{id: id, path: path, st: s, f: f, t: t, secrets: s.Secrets}
		if err := sess.write([]Entry{header}); err != nil {
			f.Close()
			os.Remove(path)
			return nil, err
		}
		sess.t.Header = header
		if err := fsutil.SyncDir(s.Dir); err != nil {
			f.Close()
			return nil, err
		}
		sess.index()
		return sess, nil
	}
	return nil, fmt.Errorf("create a session in %s: could not find a free ID", s.Dir)
}

// Open opens session id (an ID or a unique prefix) for appending. A torn
// last line left by a crash is cut off before the first append, so new
// lines never join it; the transcript's Warnings say what was skipped.
func (s *Store) Open(idOrPrefix string) (*Session, error) {
	id, err := s.Resolve(idOrPrefix)
	if err != nil {
		return nil, err
	}
	path := s.Path(id)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0)
	if err != nil {
		return nil, fmt.Errorf("open session %s for writing: %w", id, err)
	}
	// Lock before reading: what looks like a torn last line may be another
	// writer's append in progress, and must not be cut.
	if err := lockFile(f, id); err != nil {
		f.Close()
		return nil, err
	}
	// Messages are decoded when first needed, from this file (lazy.go).
	t := newTranscript(Entry{})
	t.lazy = &lazyMessages{src: f}
	t.grow(countLines(f))
	if err := read(io.NewSectionReader(f, 0, math.MaxInt64), t, true); err != nil {
		f.Close()
		return nil, fmt.Errorf("read session %s (%s): %w", id, path, err)
	}
	sess := &Session{id: id, path: path, st: s, f: f, t: t, secrets: s.Secrets}
	if info, err := f.Stat(); err == nil && info.Size() > t.Size {
		if err := f.Truncate(t.Size); err != nil {
			f.Close()
			return nil, fmt.Errorf("cut the incomplete last line of session %s: %w", id, err)
		}
		sess.index()
	}
	return sess, nil
}

// ErrInUse means another open Session (another process, usually) is
// writing to the same session file.
var ErrInUse = errors.New("is open in another localgpt process")

// lockFile takes the exclusive file lock on the open session file for as
// long as it stays open, so two processes (say `chat --resume` and the
// daemon's web API) never append to one session with different ideas of
// its end.
func lockFile(f *os.File, id string) error {
	if err := keylock.TryLockOpen(f); err != nil {
		if errors.Is(err, keylock.ErrLocked) {
			return fmt.Errorf("session %s %w; finish that chat first, or start a new session", id, ErrInUse)
		}
		return fmt.Errorf("lock session %s: %w", id, err)
	}
	return nil
}

// ID returns the session's ID.
func (s *Session) ID() string { return s.id }

// Path returns the session's file.
func (s *Session) Path() string { return s.path }

// Transcript returns the session as written so far. It is shared with the
// Session: read it, do not keep it across appends from other goroutines.
func (s *Session) Transcript() *Transcript {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.t
}

// Append writes entries as lines in one write and fsyncs the file before
// returning: once it returns, the entries survive a crash. A failed write
// leaves the file as it was. Message entries must come as a whole turn
// ended by its commit record (see AppendTurn); other records stand alone.
func (s *Session) Append(entries ...Entry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return fmt.Errorf("append to session %s: it is closed", s.id)
	}
	queued := s.withdrawn
	if len(queued) > 0 {
		if len(entries) == 0 || entries[0].Type != TypeMessage {
			return fmt.Errorf("append to session %s: a withdrawn turn must be followed by the turn that replaces it", s.id)
		}
		entries = append(append([]Entry(nil), queued...), entries...)
	}
	if !s.t.commits && len(entries) > 0 {
		// A version 1 file continues in version 2: say so once, first.
		entries = append([]Entry{{Type: TypeFormat, At: entries[0].At, Version: FormatVersion}}, entries...)
	}
	if err := s.write(entries); err != nil {
		return err
	}
	s.withdrawn = nil
	for _, e := range entries {
		if e.Type != TypeWithdraw { // applied already by Withdraw
			s.t.add(e)
		}
	}
	s.index()
	return nil
}

// Withdraw takes back the last turn, to replace it (regenerate an answer,
// edit and resend the last message): from now on the transcript reads as
// if it had never happened. The withdrawal is written together with the
// next turn, so a crash or a turn that saves nothing leaves the file with
// the old turn in place. It fails when there is no turn to take back or
// the conversation was compacted after it.
func (s *Session) Withdraw(at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.t.CanWithdraw(); err != nil {
		return fmt.Errorf("session %s: %w", s.id, err)
	}
	e := Entry{Type: TypeWithdraw, At: at.UTC()}
	s.t.add(e)
	s.withdrawn = append(s.withdrawn, e)
	return nil
}

// SetTitle names the session; "" gives it back its default name (the
// first line of its first message). The title is cleaned to one line of
// at most MaxTitle characters.
func (s *Session) SetTitle(at time.Time, title string) error {
	return s.Append(Entry{Type: TypeTitle, At: at.UTC(), Title: CleanTitle(title)})
}

// MaxTitle is the longest title kept, in characters.
const MaxTitle = 200

// CleanTitle makes title one line of at most MaxTitle characters, without
// control characters.
func CleanTitle(title string) string {
	title = strings.Join(strings.FieldsFunc(title, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
	if r := []rune(title); len(r) > MaxTitle {
		title = strings.TrimSpace(string(r[:MaxTitle-1])) + "…"
	}
	return title
}

// index brings the session's index record up to date; the caller holds mu
// or owns s.
func (s *Session) index() {
	if fi, err := s.f.Stat(); err == nil && s.st != nil {
		rec := record(s.t, fi)
		s.st.updateIndex(s.id, &rec)
	}
}

// AppendTurn appends a turn: its messages and the commit record that
// makes them part of the session, in one write. A crash in the middle
// leaves lines without a commit, which loading drops.
func (s *Session) AppendTurn(at time.Time, status, errText string, messages ...Entry) error {
	all := make([]Entry, 0, len(messages)+1)
	all = append(all, messages...)
	all = append(all, Entry{Type: TypeCommit, At: at.UTC(), Count: len(messages), Status: status, Error: errText})
	return s.Append(all...)
}

// write encodes and appends entries, fsynced, with the secrets masked in
// the encoded lines; the caller holds mu or owns s. On any failure the
// file is cut back to its previous size (the flock is held all along), so
// it never ends in half a turn.
func (s *Session) write(entries []Entry) error {
	data, err := encodeLines(entries)
	if err != nil {
		return fmt.Errorf("session %s: %w", s.id, err)
	}
	data = s.secrets.MaskBytes(data)
	n, err := s.f.Write(data)
	if err == nil {
		err = s.f.Sync()
	}
	if err != nil {
		s.rollback(n)
		return fmt.Errorf("append to session %s (%s): %w; nothing of it was kept (is the disk full?)", s.id, s.path, err)
	}
	s.t.Size += int64(n)
	return nil
}

// rollback removes the part of a failed write, so the file ends where it
// did before it.
func (s *Session) rollback(written int) {
	if written > 0 {
		if s.f.Truncate(s.t.Size) == nil {
			_ = s.f.Sync()
		}
	}
}

// Close closes the file. The session stays readable with Load.
func (s *Session) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}

// encodeLines renders entries as JSONL, one line each.
func encodeLines(entries []Entry) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, e := range entries {
		if err := enc.Encode(e); err != nil { // Encode ends each line with \n
			return nil, fmt.Errorf("encode a %s line: %w", e.Type, err)
		}
	}
	return buf.Bytes(), nil
}
