package service

import (
	"fmt"
	"path/filepath"
	"strings"
)

// UnitName is the systemd user unit `localgpt daemon install` writes.
const UnitName = "localgpt.service"

// systemd writes a user unit into ~/.config/systemd/user and enables it
// with `systemctl --user`, so the daemon starts with the user's session.
type systemd struct{}

func (systemd) Plan(s Spec, w Where) (Plan, error) {
	if err := checkSpec(s); err != nil {
		return Plan{}, err
	}
	dir := w.ConfigHome
	if dir == "" {
		dir = filepath.Join(w.UserHome, ".config")
	}
	var b strings.Builder
	b.WriteString("# Written by `localgpt daemon install`; remove it with `localgpt daemon uninstall`.\n")
	b.WriteString("[Unit]\nDescription=LocalGPT daemon (heartbeat, memory watcher, HTTP API)\n")
	b.WriteString("Documentation=https://github.com/localgpt-go/localgpt/blob/main/docs/daemon.md\n\n")
	b.WriteString("[Service]\nType=simple\n")
	// systemd refuses an executable path with a quote or a backslash
	// ("contains special characters"), and expands no variables in it.
	if strings.ContainsAny(s.Executable, `"'\`) {
		return Plan{}, fmt.Errorf("systemd cannot run a binary whose path has a quote or a backslash (%s); move localgpt to another folder", s.Executable)
	}
	words := []string{systemdQuote(s.Executable, false)}
	for _, a := range s.Args {
		words = append(words, systemdQuote(a, true))
	}
	fmt.Fprintf(&b, "ExecStart=%s\n", strings.Join(words, " "))
	b.WriteString("ExecReload=/bin/kill -HUP $MAINPID\n")
	for _, kv := range s.Env {
		fmt.Fprintf(&b, "Environment=%s\n", systemdQuote(kv, false))
	}
	// A clean stop (`localgpt daemon stop`, SIGTERM) exits 0 and stays
	// stopped; a crash is restarted after a pause.
	b.WriteString("Restart=on-failure\nRestartSec=5s\n\n")
	b.WriteString("[Install]\nWantedBy=default.target\n")

	ctl := func(args ...string) []string { return append([]string{"systemctl", "--user"}, args...) }
	return Plan{
		Kind:        "systemd user unit",
		Path:        filepath.Join(dir, "systemd", "user", UnitName),
		Content:     []byte(b.String()),
		Enable:      [][]string{ctl("daemon-reload"), ctl("enable", UnitName)},
		Start:       [][]string{ctl("start", UnitName)},
		Stop:        [][]string{ctl("disable", "--now", UnitName)},
		AfterRemove: [][]string{ctl("daemon-reload")},
		Notes: []string{
			"systemd stops user services when your last session ends; to keep the daemon running without a login (a server), run `loginctl enable-linger $USER`.",
			"Its output beyond logs/agent.log goes to the journal: `journalctl --user -u " + UnitName + "`.",
		},
	}, nil
}

// systemdQuote quotes one word of a unit file (systemd.syntax(7)): inside
// double quotes, backslash and quote are escaped, % specifiers are
// doubled, and, in command arguments, $ too (no variable expansion).
func systemdQuote(s string, command bool) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "%", "%%")
	s = r.Replace(s)
	if command {
		s = strings.ReplaceAll(s, "$", "$$")
	}
	return `"` + s + `"`
}
