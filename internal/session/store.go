package session

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/localgpt-go/localgpt/internal/secret"
)

// ErrNotFound is returned (wrapped) when no session matches an ID.
var ErrNotFound = errors.New("no such session")

// ErrAmbiguous is returned (wrapped) when an ID prefix matches several sessions.
var ErrAmbiguous = errors.New("is ambiguous")

// Store is the folder of session files (config.Paths.Sessions).
type Store struct {
	// Dir holds one ID.jsonl file per session.
	Dir string
	// Secrets are masked in every line written (a user may paste a key,
	// an error may echo one); nil masks nothing.
	Secrets *secret.Masker

	// indexMu serialises this process's writes of the index (index.go).
	indexMu sync.Mutex
}

// NewStore returns the store of the sessions folder dir.
func NewStore(dir string) *Store { return &Store{Dir: dir} }

// Path returns the file of session id.
func (s *Store) Path(id string) string { return filepath.Join(s.Dir, id+".jsonl") }

// ids lists the session IDs in the folder, oldest first.
func (s *Store) ids() ([]string, error) {
	entries, err := os.ReadDir(s.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list sessions in %s: %w", s.Dir, err)
	}
	var ids []string
	for _, e := range entries {
		name := e.Name()
		if e.Type().IsRegular() && strings.HasSuffix(name, ".jsonl") && !strings.HasPrefix(name, ".") {
			ids = append(ids, strings.TrimSuffix(name, ".jsonl"))
		}
	}
	sort.Strings(ids)
	return ids, nil
}

// Resolve turns an ID or a unique prefix of one into the full ID.
func (s *Store) Resolve(idOrPrefix string) (string, error) {
	if err := validID(idOrPrefix); err != nil {
		return "", fmt.Errorf("%w: %v", ErrNotFound, err)
	}
	ids, err := s.ids()
	if err != nil {
		return "", err
	}
	var matches []string
	for _, id := range ids {
		if id == idOrPrefix {
			return id, nil
		}
		if strings.HasPrefix(id, idOrPrefix) {
			matches = append(matches, id)
		}
	}
	switch len(matches) {
	case 0:
		return "", fmt.Errorf("%w %q in %s; `localgpt session list` shows the sessions there are", ErrNotFound, idOrPrefix, s.Dir)
	case 1:
		return matches[0], nil
	}
	return "", fmt.Errorf("session ID %q %w: it starts %s; type more of it", idOrPrefix, ErrAmbiguous, strings.Join(matches, ", "))
}

// Latest returns the ID of the most recently updated session that can be
// read: one whose header is corrupt is skipped (`session list` shows it
// with a warning).
func (s *Store) Latest() (string, error) {
	ids, err := s.ids()
	if err != nil {
		return "", err
	}
	type file struct {
		id  string
		mod time.Time
	}
	var files []file
	for _, id := range ids {
		if info, err := os.Stat(s.Path(id)); err == nil {
			files = append(files, file{id, info.ModTime()})
		}
	}
	sort.Slice(files, func(i, j int) bool { // newest first; on a tie, the later ID
		if !files[i].mod.Equal(files[j].mod) {
			return files[i].mod.After(files[j].mod)
		}
		return files[i].id > files[j].id
	})
	for _, f := range files {
		if _, err := readHeader(s.Path(f.id)); err == nil {
			return f.id, nil
		}
	}
	if len(files) > 0 {
		return "", fmt.Errorf("%w to resume: no session in %s can be read (`localgpt session list` says why); start a new one with `localgpt chat`", ErrNotFound, s.Dir)
	}
	return "", fmt.Errorf("%w to resume: %s holds none yet; start one with `localgpt chat`", ErrNotFound, s.Dir)
}

// readHeader reads and checks the first line of a session file.
func readHeader(path string) (Entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return Entry{}, err
	}
	defer f.Close()
	line, err := bufio.NewReaderSize(f, 4096).ReadSlice('\n')
	if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
		return Entry{}, ErrNoHeader
	}
	var h Entry
	if json.Unmarshal(line, &h) != nil || h.Type != TypeSession {
		return Entry{}, ErrNoHeader
	}
	return h, nil
}

// Load reads session id (an ID or a unique prefix) without opening it for
// writing.
func (s *Store) Load(idOrPrefix string) (*Transcript, error) {
	id, err := s.Resolve(idOrPrefix)
	if err != nil {
		return nil, err
	}
	return s.load(id)
}

func (s *Store) load(id string) (*Transcript, error) {
	t := newTranscript(Entry{})
	if err := s.read(id, t); err != nil {
		return nil, err
	}
	return t, nil
}

// read streams the file of session id into k.
func (s *Store) read(id string, k sink) error {
	path := s.Path(id)
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read session %s: %w", id, err)
	}
	defer f.Close()
	if t, ok := k.(*Transcript); ok {
		t.grow(countLines(f))
	}
	if err := read(f, k, false); err != nil {
		return fmt.Errorf("read session %s (%s): %w", id, path, err)
	}
	return nil
}

// Walk reads session id (an ID or a unique prefix) entry by entry, without
// keeping it: fn receives the header, then every committed entry, in
// order. It returns the warnings about what was skipped. Printing a long
// session this way holds only a batch of lines at a time.
func (s *Store) Walk(idOrPrefix string, fn func(Entry) error) ([]string, error) {
	id, err := s.Resolve(idOrPrefix)
	if err != nil {
		return nil, err
	}
	w := &walker{fn: fn}
	err = s.read(id, w)
	if err == nil {
		err = w.err
	}
	return w.warnings, err
}

// walker is the sink of Walk.
type walker struct {
	fn       func(Entry) error
	err      error
	warnings []string
}

func (w *walker) header(e Entry) { w.entry(e, msgRef{}) }
func (w *walker) entry(e Entry, _ msgRef) {
	if w.err == nil {
		w.err = w.fn(e)
	}
}
func (w *walker) warn(s string)   { w.warnings = append(w.warnings, s) }
func (w *walker) end(int64, bool) {}

// Info summarises one session for a listing.
type Info struct {
	ID       string    `json:"id"`
	Created  time.Time `json:"created"`
	Updated  time.Time `json:"updated"`
	Model    string    `json:"model"`
	Messages int       `json:"messages"`
	// Compactions is how many times the session was compacted.
	Compactions int    `json:"compactions"`
	Title       string `json:"title"`
	Path        string `json:"path"`
	// Warnings are the lines skipped on load.
	Warnings []string `json:"warnings,omitempty"`
	// Error says why the session cannot be read at all (its header line
	// is corrupt, say); such a session is listed but not resumed.
	Error string `json:"error,omitempty"`
	// Preview is the start of the latest message with text.
	Preview string `json:"preview,omitempty"`
}

// InfoOf summarises a loaded transcript.
func InfoOf(t *Transcript, path string) Info {
	in := Info{ID: t.Header.ID, Created: t.Header.At, Updated: t.Header.At, Model: t.Header.Model,
		Messages: len(t.messages), Compactions: t.cycle, Title: t.Title(), Path: path, Warnings: t.Warnings,
		Preview: t.Preview()}
	for i := len(t.Entries) - 1; i >= 0; i-- {
		if t.Entries[i].Type != TypeTitle { // renaming is not talking
			in.Updated = t.Entries[i].At
			break
		}
	}
	for i := len(t.Entries) - 1; i >= 0; i-- {
		if m := t.Entries[i].Model; m != "" {
			in.Model = m
			break
		}
	}
	return in
}

// unreadable describes a session file that cannot be loaded.
func unreadable(id, path string, err error) Info {
	in := Info{ID: id, Path: path, Error: err.Error()}
	if errors.Is(err, ErrNoHeader) {
		in.Error = "its first line is not a session header (the file is corrupt); it is left out of --resume"
	}
	if fi, err := os.Stat(path); err == nil {
		in.Updated = fi.ModTime().UTC()
	}
	return in
}

// Delete removes session id (an ID or a unique prefix) and returns what it was.
func (s *Store) Delete(idOrPrefix string) (Info, error) {
	id, err := s.Resolve(idOrPrefix)
	if err != nil {
		return Info{}, err
	}
	path := s.Path(id)
	in := Info{ID: id, Path: path}
	if t, err := s.load(id); err == nil {
		in = InfoOf(t, path)
	}
	if err := os.Remove(path); err != nil {
		return Info{}, fmt.Errorf("delete session %s: %w", id, err)
	}
	s.updateIndex(id, nil)
	return in, nil
}

// Rename gives session id (an ID or a unique prefix) a title, or its
// default title back when title is "", and returns the session as it is
// now. It opens the session for writing, so it fails with ErrInUse while
// another process has it open.
func (s *Store) Rename(idOrPrefix, title string, now time.Time) (Info, error) {
	sess, err := s.Open(idOrPrefix)
	if err != nil {
		return Info{}, err
	}
	defer sess.Close()
	if err := sess.SetTitle(now, title); err != nil {
		return Info{}, err
	}
	return InfoOf(sess.Transcript(), sess.Path()), nil
}
