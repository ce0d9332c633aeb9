package service

import (
	"encoding/xml"
	"fmt"
	"path/filepath"
	"strings"
)

// Label is the LaunchAgent's label; the plist is ~/Library/LaunchAgents/Label.plist.
const Label = "io.github.localgpt-go.localgpt"

// launchd writes a LaunchAgent, which launchd starts at every login, and
// loads it into the user's GUI domain with `launchctl bootstrap`.
type launchd struct{}

func (launchd) Plan(s Spec, w Where) (Plan, error) {
	if err := checkSpec(s); err != nil {
		return Plan{}, err
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<!-- Written by ` + "`localgpt daemon install`; remove it with `localgpt daemon uninstall`" + `. -->
<plist version="1.0">
<dict>
`)
	key := func(k string) { fmt.Fprintf(&b, "\t<key>%s</key>\n", k) }
	str := func(indent, v string) { fmt.Fprintf(&b, "%s<string>%s</string>\n", indent, xmlText(v)) }
	key("Label")
	str("\t", Label)
	key("ProgramArguments")
	b.WriteString("\t<array>\n")
	for _, a := range append([]string{s.Executable}, s.Args...) {
		str("\t\t", a)
	}
	b.WriteString("\t</array>\n")
	if len(s.Env) > 0 {
		key("EnvironmentVariables")
		b.WriteString("\t<dict>\n")
		for _, kv := range s.Env {
			k, v, _ := strings.Cut(kv, "=")
			fmt.Fprintf(&b, "\t\t<key>%s</key>\n", xmlText(k))
			str("\t\t", v)
		}
		b.WriteString("\t</dict>\n")
	}
	// Start at login; restart after a crash but not after a clean stop
	// (`localgpt daemon stop`), which exits 0.
	key("RunAtLoad")
	b.WriteString("\t<true/>\n")
	key("KeepAlive")
	b.WriteString("\t<dict>\n\t\t<key>SuccessfulExit</key>\n\t\t<false/>\n\t</dict>\n")
	key("ProcessType")
	str("\t", "Background")
	if s.LogFile != "" {
		key("StandardOutPath")
		str("\t", s.LogFile)
		key("StandardErrorPath")
		str("\t", s.LogFile)
	}
	b.WriteString("</dict>\n</plist>\n")

	path := filepath.Join(w.UserHome, "Library", "LaunchAgents", Label+".plist")
	domain := fmt.Sprintf("gui/%d", w.UID)
	return Plan{
		Kind:    "LaunchAgent",
		Path:    path,
		Content: []byte(b.String()),
		// launchd reads ~/Library/LaunchAgents at every login by itself.
		Unload: [][]string{{"launchctl", "bootout", domain + "/" + Label}},
		Start:  [][]string{{"launchctl", "bootstrap", domain, path}},
		Stop:   [][]string{{"launchctl", "bootout", domain + "/" + Label}},
		Notes: []string{
			"launchd starts it at every login; `launchctl print " + domain + "/" + Label + "` shows its state.",
		},
	}, nil
}

// xmlText escapes s for XML character data.
func xmlText(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
