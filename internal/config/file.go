package config

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/localgpt-go/localgpt/internal/fsutil"
)

//go:embed template.toml
var template []byte

// Template returns the commented config.toml that `config init` writes.
func Template() []byte { return append([]byte(nil), template...) }

// Init writes the template to path unless a file is there. With force an
// existing file is replaced, after it is copied to a backup that never
// overwrites an earlier one: path+".bak", or ".bak.1", ".bak.2", … when
// that is taken. A file that already equals the template is not backed
// up (there is nothing to lose). It reports whether it wrote, and the
// backup's name when it made one, so the user is told where the old
// settings went.
func Init(path string, force bool) (wrote bool, backedUp string, err error) {
	if err := os.MkdirAll(filepath.Dir(path), fsutil.DirMode); err != nil {
		return false, "", fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	if !force {
		wrote, err := fsutil.CreateExclusive(path, template, fsutil.FileMode)
		return wrote, "", err
	}
	old, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return false, "", fmt.Errorf("cannot read %s to back it up before replacing it: %w; fix its permissions or move it away", path, err)
	case !bytes.Equal(old, template):
		if backedUp, err = backup(path, old); err != nil {
			return false, "", err
		}
	}
	return true, backedUp, fsutil.WriteAtomic(path, template, fsutil.FileMode)
}

// maxBackups bounds the search for a free backup name.
const maxBackups = 1000

// backup writes data to the first free name of path+".bak", path+".bak.1",
// path+".bak.2", … and returns that name. An existing backup is never
// touched: the name is taken with O_EXCL, so two runs at once cannot
// write the same one.
func backup(path string, data []byte) (string, error) {
	for i := range maxBackups {
		name := path + ".bak"
		if i > 0 {
			name += "." + strconv.Itoa(i)
		}
		ok, err := fsutil.CreateExclusive(name, data, fsutil.FileMode)
		if err != nil {
			return "", fmt.Errorf("back up %s: %w", path, err)
		}
		if ok {
			return name, nil
		}
	}
	return "", fmt.Errorf("back up %s: %s.bak through .bak.%d all exist; delete the ones you no longer need", path, path, maxBackups-1)
}

// Set changes one dotted key in the file at path to value, keeping every
// other line (comments included) as it was. The value is checked against
// the key's type and the whole result is validated before the file is
// replaced atomically; on any error the file is untouched. A missing file
// is created from the template first.
func Set(path, key, value string, getenv func(string) string) error {
	return SetAll(path, []KeyValue{{key, value}}, getenv)
}

// KeyValue is one setting for SetAll.
type KeyValue struct{ Key, Value string }

// SetAll is Set for several keys at once: all of them are written in one
// atomic replacement, or none is.
func SetAll(path string, settings []KeyValue, getenv func(string) string) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		data = Template()
	} else if err != nil {
		return &Error{File: path, Msg: fmt.Sprintf("cannot read config file: %v", err)}
	}
	for _, kv := range settings {
		k, ok := LookupKey(kv.Key)
		if !ok {
			return &Error{File: path, Key: kv.Key, Msg: unknownKeyError(kv.Key).Error()}
		}
		lit, err := literal(k, kv.Value)
		if err != nil {
			return &Error{File: path, Key: kv.Key, Msg: err.Error()}
		}
		doc, err := parseDocument(data)
		if err != nil {
			return &Error{File: path, Msg: fmt.Sprintf("the file does not parse, so it cannot be edited safely: %v; fix it by hand (`localgpt config show` points at the problem)", err)}
		}
		data = doc.set(kv.Key, lit)
	}
	if _, _, err := Parse(data, path, getenv); err != nil {
		var ce *Error
		if errors.As(err, &ce) {
			ce.Msg = "not saved: " + ce.Msg
			ce.Context = ""
		}
		return err
	}
	return fsutil.WriteAtomic(path, data, fsutil.FileMode)
}
