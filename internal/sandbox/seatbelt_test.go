package sandbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSeatbeltProfile checks the macOS profile's rules and their order
// (in SBPL the later of two matching rules wins). sandbox-exec itself
// exists only on macOS; there the bash tests run the profile for real.
func TestSeatbeltProfile(t *testing.T) {
	root, err := filepath.EvalSymlinks(t.TempDir()) // /var is a link on macOS
	if err != nil {
		t.Fatal(err)
	}
	ws := filepath.Join(root, `my "notes" \ dir`)
	os.MkdirAll(ws, 0o700)
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(ws, link); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(link, "tmp", "missing") // resolved through its existing ancestor
	pol := Policy{Confine: true, Writable: []string{link}, ReadOnly: []string{filepath.Join(ws, "HEARTBEAT.md")},
		Hidden: []string{filepath.Join(root, "home", "config.toml")}}
	quoted := `"` + strings.ReplaceAll(ws, `\`, `\\`) + `"`
	quoted = strings.Replace(quoted, `"notes"`, `\"notes\"`, 1)
	tests := []struct {
		name      string
		noNetwork bool
		order     []string
		absent    []string
	}{
		{"network allowed", false, []string{
			"(version 1)\n(allow default)\n(deny file-write*)\n(allow file-write*\n",
			"  (subpath " + quoted + ")\n", // the link followed to the real folder
			"  (subpath " + quoted[:len(quoted)-1] + `/tmp/missing")`,
			`(literal "/dev/null")`,
			"(deny file-write*\n  (subpath " + quoted[:len(quoted)-1] + `/HEARTBEAT.md")`,
			"(deny file-read* file-write*\n  (subpath \"" + filepath.Join(root, "home", "config.toml") + "\")\n)",
		}, []string{"network", link + `"`}},
		{"no network", true, []string{
			"(deny file-read* file-write*",
			"(deny network-outbound (remote tcp))\n(deny network-inbound (local tcp))\n",
		}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := pol
			p.NoNetwork = tc.noNetwork
			prof := seatbeltProfile(p, tmp)
			at := 0
			for _, want := range tc.order {
				i := strings.Index(prof[at:], want)
				if i < 0 {
					t.Fatalf("profile lacks %q after byte %d:\n%s", want, at, prof)
				}
				at += i + len(want)
			}
			for _, no := range tc.absent {
				if strings.Contains(prof, no) {
					t.Fatalf("profile has %q:\n%s", no, prof)
				}
			}
			if strings.Count(prof, "(") != strings.Count(prof, ")") {
				t.Fatalf("unbalanced parentheses:\n%s", prof)
			}
		})
	}
}

func TestSBPLString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/Users/ann/notes", `"/Users/ann/notes"`},
		{`/a "b" \c`, `"/a \"b\" \\c"`},
		{"/x\ny", `"/x\ny"`},
	}
	for _, tc := range tests {
		if got := sbplString(tc.in); got != tc.want {
			t.Errorf("sbplString(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
