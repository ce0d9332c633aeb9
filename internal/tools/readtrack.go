package tools

import (
	"os"
	"path/filepath"
	"sync"
	"time"
)

// maxTracked bounds the files a registry remembers reading (the daemon's
// registries live long); the oldest are forgotten first.
const maxTracked = 1024

// reads remembers, per file, what it looked like when the model last read
// it (read_file), so that edit_file can refuse to edit a file that changed
// since: the model's old_string and its idea of the file may be stale,
// and its edit would erase the change. The model's own edits and writes
// of a file it read refresh the record (it knows what it wrote). A file
// never read is not checked.
type reads struct {
	mu    sync.Mutex
	seen  map[string]stamp
	order []string
}

// stamp is what a file looked like: its identity, size and time.
type stamp struct {
	fi   os.FileInfo
	size int64
	mod  time.Time
}

// key is the file's real path, so that every name of it is one entry.
func (r *reads) key(path string) string {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		return real
	}
	return path
}

// note records what path looks like: fi, or now when fi is nil.
func (r *reads) note(path string, fi os.FileInfo) { r.record(path, fi, true) }

// refresh is note for a file the model changed itself: only a file it
// read is recorded.
func (r *reads) refresh(path string) { r.record(path, nil, false) }

func (r *reads) record(path string, fi os.FileInfo, add bool) {
	if r == nil {
		return
	}
	if fi == nil {
		var err error
		if fi, err = os.Stat(path); err != nil {
			return
		}
	}
	k := r.key(path)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen == nil {
		r.seen = map[string]stamp{}
	}
	if _, ok := r.seen[k]; !ok {
		if !add {
			return
		}
		r.order = append(r.order, k)
		if len(r.order) > maxTracked {
			delete(r.seen, r.order[0])
			r.order = r.order[1:]
		}
	}
	r.seen[k] = stamp{fi: fi, size: fi.Size(), mod: fi.ModTime()}
}

// changed reports whether path differs from when it was last noted; a
// file never noted has not changed.
func (r *reads) changed(path string) bool {
	if r == nil {
		return false
	}
	r.mu.Lock()
	st, ok := r.seen[r.key(path)]
	r.mu.Unlock()
	if !ok {
		return false
	}
	fi, err := os.Stat(path)
	if err != nil {
		return true
	}
	return !os.SameFile(fi, st.fi) || fi.Size() != st.size || !fi.ModTime().Equal(st.mod)
}
