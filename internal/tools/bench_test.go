package tools

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/tools/webfetch"
)

// BenchmarkNew measures building the whole registry, which the agent
// does for every invocation.
func BenchmarkNew(b *testing.B) {
	ws := b.TempDir()
	cfg := config.Default()
	mem := openMemory(b, ws, filepath.Join(b.TempDir(), "i.sqlite"))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(withConfig(cfg, Options{Paths: config.Paths{Home: ws, Workspace: ws}, Memory: mem})); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadFile measures a read_file call of a 2,000-line file.
func BenchmarkReadFile(b *testing.B) {
	ws := b.TempDir()
	var sb strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&sb, "line %d of a fairly ordinary text file\n", i)
	}
	if err := os.WriteFile(filepath.Join(ws, "f.txt"), []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	reg, err := New(withConfig(config.Default(), Options{Paths: config.Paths{Home: ws, Workspace: ws}}))
	if err != nil {
		b.Fatal(err)
	}
	args := []byte(`{"path":"f.txt"}`)
	b.ReportAllocs()
	for b.Loop() {
		if r := reg.Call(context.Background(), "read_file", args); r.IsError {
			b.Fatal(r.Content)
		}
	}
}

// BenchmarkBashEcho measures the overhead of one bash call (fork, exec,
// pipe, process-group cleanup).
func BenchmarkBashEcho(b *testing.B) {
	ws := b.TempDir()
	cfg := config.Default()
	cfg.Tools.RequireApproval = nil
	reg, err := New(withConfig(cfg, Options{Paths: config.Paths{Home: ws, Workspace: ws}}))
	if err != nil {
		b.Fatal(err)
	}
	args := []byte(`{"command":"echo hi"}`)
	for b.Loop() {
		if r := reg.Call(context.Background(), "bash", args); r.IsError {
			b.Fatal(r.Content)
		}
	}
}

// BenchmarkHTMLToText measures reducing a 100 KB HTML page to text.
func BenchmarkHTMLToText(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("<html><head><title>Bench</title><style>p{}</style></head><body>")
	for sb.Len() < 100<<10 {
		sb.WriteString(`<h2>Section</h2><p>Some <b>text</b> with <a href="/x">a link</a>.</p><ul><li>one</li><li>two</li></ul>`)
	}
	page := sb.String()
	b.SetBytes(int64(len(page)))
	for b.Loop() {
		webfetch.HTMLToText(page, nil)
	}
}

// BenchmarkPathChecks measures the policy's verdict on one path, as every
// file tool call pays it: a write in the workspace, a read of an ordinary
// file and of a credentials folder, in a home with LocalGPT's files.
func BenchmarkPathChecks(b *testing.B) {
	tr := newTreeIn(b, b.TempDir())
	p := tr.policy(tr.ws)
	for _, bc := range []struct {
		name string
		run  func() verdict
	}{
		{"write", func() verdict {
			real, err := realPath(filepath.Join(tr.ws, "notes", "new.md"))
			if err != nil {
				b.Fatal(err)
			}
			return p.checkWrite(real)
		}},
		{"read", func() verdict {
			abs := filepath.Join(tr.ws, "notes", "a.md")
			real, _ := filepath.EvalSymlinks(abs)
			return p.checkRead(abs, real)
		}},
		{"read-credentials", func() verdict {
			abs := filepath.Join(tr.user, ".ssh", "id_rsa")
			real, _ := filepath.EvalSymlinks(abs)
			return p.checkRead(abs, real)
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bc.run()
			}
		})
	}
}

// BenchmarkUnattendedPolicy measures the sandbox policy of a heartbeat's
// command, which walks the workspace for dot-entries at every call: a
// workspace of 1,000 and of 10,000 folders, one in ten holding a
// repository.
func BenchmarkUnattendedPolicy(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("folders=%d", n), func(b *testing.B) {
			tr := newTreeIn(b, b.TempDir())
			for i := range n {
				dir := filepath.Join(tr.ws, "projects", fmt.Sprintf("p%d", i/100), fmt.Sprintf("d%d", i))
				os.MkdirAll(dir, 0o700)
				os.WriteFile(filepath.Join(dir, "note.md"), []byte("x"), 0o600)
				if i%10 == 0 {
					os.MkdirAll(filepath.Join(dir, ".git", "hooks"), 0o700)
				}
			}
			bash := &Bash{Paths: tr.policy(tr.ws), Confine: true, Unattended: true}
			b.ReportAllocs()
			for b.Loop() {
				if pol, _ := bash.policy(); len(pol.ReadOnly) < n/10 {
					b.Fatalf("%d read-only entries", len(pol.ReadOnly))
				}
			}
		})
	}
}
