package sandbox

import (
	"path/filepath"
	"strings"
)

// seatbeltProfile is the macOS Seatbelt profile (SBPL) that confines a
// command to p: everything is allowed but writes outside p.Writable, the
// private temporary folder tmp and the devices a shell writes to; then
// writes to p.ReadOnly and any access to p.Hidden are denied again, and,
// with p.NoNetwork, TCP in both directions. In SBPL a later rule wins over
// an earlier one that matches the same operation, so the order matters.
// It is plain text, built (and tested) on every platform; confine_darwin.go
// runs it with sandbox-exec.
func seatbeltProfile(p Policy, tmp string) string {
	var b strings.Builder
	b.WriteString("(version 1)\n(allow default)\n(deny file-write*)\n(allow file-write*\n")
	for _, dir := range append(append([]string(nil), p.Writable...), tmp) {
		b.WriteString("  (subpath " + sbplString(realPath(dir)) + ")\n")
	}
	b.WriteString(`  (literal "/dev/null") (literal "/dev/zero") (literal "/dev/tty") (literal "/dev/dtracehelper") (subpath "/dev/fd"))` + "\n")
	rule := func(head string, paths []string) {
		if len(paths) == 0 {
			return
		}
		b.WriteString(head + "\n")
		for _, path := range paths {
			b.WriteString("  (subpath " + sbplString(realPath(path)) + ")\n")
		}
		b.WriteString(")\n")
	}
	rule("(deny file-write*", p.ReadOnly)
	rule("(deny file-read* file-write*", p.Hidden)
	if p.NoNetwork {
		b.WriteString("(deny network-outbound (remote tcp))\n(deny network-inbound (local tcp))\n")
	}
	return b.String()
}

// sbplString quotes s as an SBPL (Scheme) string literal.
func sbplString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

// realPath follows the symbolic links of p's longest existing ancestor
// (macOS's /tmp and /var are links into /private, and Seatbelt matches
// real paths), so a file that does not exist yet is still matched.
func realPath(p string) string {
	p = filepath.Clean(p)
	rest := ""
	for {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Join(r, rest)
		}
		parent := filepath.Dir(p)
		if parent == p {
			return filepath.Join(p, rest)
		}
		rest = filepath.Join(filepath.Base(p), rest)
		p = parent
	}
}
