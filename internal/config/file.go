package config

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/localgpt-go/localgpt/internal/fsutil"
)

//go:embed template.toml
var template []byte

// Template returns the commented config.toml that `config init` writes.
func Template() []byte { return append([]byte(nil), template...) }

// Init writes the template to path unless a file is there. With force an
// existing file is first copied to path+".bak". It reports whether it wrote.
func Init(path string, force bool) (bool, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return false, fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	if !force {
		return fsutil.CreateExclusive(path, template, 0o600)
	}
	if old, err := os.ReadFile(path); err == nil {
		if err := fsutil.WriteAtomic(path+".bak", old, 0o600); err != nil {
			return false, err
		}
	}
	return true, fsutil.WriteAtomic(path, template, 0o600)
}

// Set changes one dotted key in the file at path to value, keeping every
// other line (comments included) as it was. The value is checked against
// the key's type and the whole result is validated before the file is
// replaced atomically; on any error the file is untouched. A missing file
// is created from the template first.
func Set(path, key, value string, getenv func(string) string) error {
	k, ok := LookupKey(key)
	if !ok {
		return &Error{File: path, Key: key, Msg: unknownKeyError(key).Error()}
	}
	lit, err := literal(k, value)
	if err != nil {
		return &Error{File: path, Key: key, Msg: err.Error()}
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		data = Template()
	} else if err != nil {
		return &Error{File: path, Msg: fmt.Sprintf("cannot read config file: %v", err)}
	}
	doc, err := parseDocument(data)
	if err != nil {
		return &Error{File: path, Msg: fmt.Sprintf("the file does not parse, so it cannot be edited safely: %v; fix it by hand (`localgpt config show` points at the problem)", err)}
	}
	updated := doc.set(key, lit)
	if _, _, err := Parse(updated, path, getenv); err != nil {
		var ce *Error
		if errors.As(err, &ce) {
			ce.Msg = "not saved: " + ce.Msg
			ce.Context = ""
		}
		return err
	}
	return fsutil.WriteAtomic(path, updated, 0o600)
}
