package config

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestInitForceKeepsEveryBackup: each forced init keeps what it replaced
// in a backup of its own; none overwrites an earlier backup, and the bare
// template is not backed up.
func TestInitForceKeepsEveryBackup(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	mine := func(v string) []byte { return []byte("[agent]\ndefault_model = \"" + v + "\"\n") }
	steps := []struct {
		name   string
		before []byte // written to config.toml first; nil leaves it
		backup string // the backup Init reports making, "" for none
		want   map[string]string
	}{
		{"first init", nil, "", map[string]string{"config.toml": string(template)}},
		{"force over the untouched template keeps no backup", nil, "", map[string]string{"config.toml": string(template)}},
		{"force over an edited file backs it up", mine("one"), "config.toml.bak", map[string]string{
			"config.toml": string(template), "config.toml.bak": string(mine("one"))}},
		{"force again keeps the first backup", mine("two"), "config.toml.bak.1", map[string]string{
			"config.toml": string(template), "config.toml.bak": string(mine("one")), "config.toml.bak.1": string(mine("two"))}},
		{"force over the template again adds nothing", nil, "", map[string]string{
			"config.toml": string(template), "config.toml.bak": string(mine("one")), "config.toml.bak.1": string(mine("two"))}},
		{"and a third edit gets the next name", mine("three"), "config.toml.bak.2", map[string]string{
			"config.toml": string(template), "config.toml.bak": string(mine("one")), "config.toml.bak.1": string(mine("two")),
			"config.toml.bak.2": string(mine("three"))}},
	}
	for i, s := range steps {
		if s.before != nil {
			if err := os.WriteFile(path, s.before, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		ok, backedUp, err := Init(path, i > 0)
		if !ok || err != nil {
			t.Fatalf("%s: Init = %v, %v", s.name, ok, err)
		}
		if want := map[bool]string{true: filepath.Join(dir, s.backup)}[s.backup != ""]; backedUp != want {
			t.Fatalf("%s: Init reports the backup %q, want %q", s.name, backedUp, want)
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		var want []string
		for name, content := range s.want {
			want = append(want, name)
			got, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil || string(got) != content {
				t.Fatalf("%s: %s = %q, %v; want %q", s.name, name, got, err, content)
			}
			if fi, _ := os.Stat(filepath.Join(dir, name)); fi.Mode().Perm() != 0o600 {
				t.Fatalf("%s: %s has mode %v; it may hold API keys, want 0600", s.name, name, fi.Mode().Perm())
			}
		}
		slices.Sort(want)
		if !slices.Equal(names, want) {
			t.Fatalf("%s: files %v, want %v", s.name, names, want)
		}
	}
}

// TestInitForceRefusesAnUnreadableFile: a file that cannot be backed up
// is not replaced.
func TestInitForceRefusesAnUnreadableFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.Mkdir(path, 0o755); err != nil { // unreadable as a file, even for root
		t.Fatal(err)
	}
	if ok, _, err := Init(path, true); ok || err == nil {
		t.Fatalf("Init over an unreadable config = %v, %v; want an error", ok, err)
	}
	if fi, err := os.Stat(path); err != nil || !fi.IsDir() {
		t.Fatalf("the unreadable path was replaced: %v %v", fi, err)
	}
}
