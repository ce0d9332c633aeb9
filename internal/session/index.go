package session

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// The session index keeps every session's Info in one small file of the
// sessions folder, so that listing reads no transcript. It is a cache,
// rebuilt from the transcripts whenever it disagrees with them:
//
//   - each record holds the size and modification time (in nanoseconds)
//     the transcript had when the record was made;
//   - an append updates the record of its session right after its fsync;
//   - List stats every transcript, and a record whose size or time differs
//     from its file's (an append whose update was lost to a crash or to a
//     concurrent writer, a file copied in by hand), or that is missing, is
//     rebuilt by reading that one transcript; records of files that are
//     gone are dropped; a missing or unreadable index is rebuilt whole.
//
// The file is replaced atomically (temporary file, rename) but not
// fsynced: after a power cut it may be stale or empty, and then it is
// rebuilt. Writers in one process take the Store's lock; between
// processes the last writer wins and the size-and-time check repairs
// what it lost.

// indexName is the index file in the sessions folder; its name does not
// end in .jsonl, so it is never taken for a session.
const indexName = ".index.json"

// indexVersion changes when a record's meaning does: an index of another
// version is rebuilt.
const indexVersion = 1

type indexRecord struct {
	Info
	Size  int64 `json:"size"`
	MTime int64 `json:"mtime_ns"`
}

type indexFile struct {
	Version  int                    `json:"version"`
	Sessions map[string]indexRecord `json:"sessions"`
}

func (s *Store) indexPath() string { return filepath.Join(s.Dir, indexName) }

// readIndex returns the index's records; a missing, unreadable or other
// version's index is empty.
func (s *Store) readIndex() map[string]indexRecord {
	data, err := os.ReadFile(s.indexPath())
	if err != nil {
		return map[string]indexRecord{}
	}
	var f indexFile
	if json.Unmarshal(data, &f) != nil || f.Version != indexVersion || f.Sessions == nil {
		return map[string]indexRecord{}
	}
	return f.Sessions
}

// writeIndex replaces the index with recs; the caller holds indexMu.
func (s *Store) writeIndex(recs map[string]indexRecord) error {
	data, err := json.Marshal(indexFile{Version: indexVersion, Sessions: recs})
	if err != nil {
		return err
	}
	// Titles and previews come from the transcript in memory, which holds
	// what the user typed: mask as the session file is masked.
	data = s.Secrets.MaskBytes(data)
	tmp, err := os.CreateTemp(s.Dir, indexName+".tmp-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), s.indexPath()); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

// record makes the index record of a transcript whose file is fi.
func record(t *Transcript, fi fs.FileInfo) indexRecord {
	return indexRecord{Info: InfoOf(t, ""), Size: fi.Size(), MTime: fi.ModTime().UnixNano()}
}

// updateIndex sets (or, with rec nil, removes) the record of id. Failing
// to is not an error for the caller: the next List rebuilds the record.
func (s *Store) updateIndex(id string, rec *indexRecord) {
	s.indexMu.Lock()
	defer s.indexMu.Unlock()
	recs := s.readIndex()
	if rec == nil {
		if _, ok := recs[id]; !ok {
			return
		}
		delete(recs, id)
	} else {
		recs[id] = *rec
	}
	_ = s.writeIndex(recs)
}

// List returns every session, most recently updated first, from the
// index; records that disagree with their transcript are rebuilt first
// (see above). A file that cannot be read is listed with its Error, so it
// does not silently vanish.
func (s *Store) List() ([]Info, error) {
	entries, err := os.ReadDir(s.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return []Info{}, nil
	}
	if err != nil {
		return nil, err
	}
	s.indexMu.Lock()
	defer s.indexMu.Unlock()
	recs := s.readIndex()
	fresh := make(map[string]indexRecord, len(recs))
	changed := false
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasSuffix(name, ".jsonl") || strings.HasPrefix(name, ".") {
			continue
		}
		id := strings.TrimSuffix(name, ".jsonl")
		fi, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		if fi.Size() == 0 {
			// Created, but its header never written: the process was
			// killed in Store.Create (or is in it now). No session to list.
			continue
		}
		if rec, ok := recs[id]; ok && rec.Size == fi.Size() && rec.MTime == fi.ModTime().UnixNano() {
			fresh[id] = rec
			continue
		}
		changed = true
		fresh[id] = s.rebuild(id, fi)
	}
	if changed || len(fresh) != len(recs) {
		_ = s.writeIndex(fresh)
	}
	out := make([]Info, 0, len(fresh))
	for id, rec := range fresh {
		in := rec.Info
		in.ID, in.Path = id, s.Path(id)
		out = append(out, in)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Updated.Equal(out[j].Updated) {
			return out[i].Updated.After(out[j].Updated)
		}
		return out[i].ID > out[j].ID
	})
	return out, nil
}

// rebuild reads transcript id (whose file is fi) for its index record.
func (s *Store) rebuild(id string, fi fs.FileInfo) indexRecord {
	t, err := s.load(id)
	if err != nil {
		rec := indexRecord{Info: unreadable(id, s.Path(id), err)}
		rec.Size, rec.MTime = fi.Size(), fi.ModTime().UnixNano()
		return rec
	}
	return record(t, fi)
}

// Info returns the listing of session id (an ID or a unique prefix), from
// the index when it is up to date.
func (s *Store) Info(idOrPrefix string) (Info, error) {
	id, err := s.Resolve(idOrPrefix)
	if err != nil {
		return Info{}, err
	}
	fi, err := os.Stat(s.Path(id))
	if err != nil {
		return Info{}, err
	}
	s.indexMu.Lock()
	rec, ok := s.readIndex()[id]
	s.indexMu.Unlock()
	if !ok || rec.Size != fi.Size() || rec.MTime != fi.ModTime().UnixNano() {
		rec = s.rebuild(id, fi)
		s.updateIndex(id, &rec)
	}
	in := rec.Info
	in.ID, in.Path = id, s.Path(id)
	return in, nil
}
