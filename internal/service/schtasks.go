package service

import (
	"encoding/binary"
	"fmt"
	"path/filepath"
	"strings"
	"unicode/utf16"
)

// TaskName is the Task Scheduler task `localgpt daemon install` creates.
const TaskName = "LocalGPT"

// TaskFile is the task's definition, kept in the state folder: Task
// Scheduler keeps its own copy, and this one says what was installed.
const TaskFile = "localgpt-task.xml"

// taskScheduler registers a task that runs at the user's logon with
// `schtasks /Create /XML`, the one form that sets every option we need
// (restart on failure, no time limit, battery) without the GUI.
type taskScheduler struct{}

func (taskScheduler) Plan(s Spec, w Where) (Plan, error) {
	if err := checkSpec(s); err != nil {
		return Plan{}, err
	}
	if w.User == "" {
		return Plan{}, fmt.Errorf("cannot tell which account's logon should start the daemon")
	}
	args := make([]string, len(s.Args))
	for i, a := range s.Args {
		args[i] = windowsQuote(a)
	}
	user := xmlText(w.User)
	doc := `<?xml version="1.0" encoding="UTF-16"?>
<!-- Written by ` + "`localgpt daemon install`; remove it with `localgpt daemon uninstall`" + `. -->
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Description>LocalGPT daemon: heartbeat, memory watcher, HTTP API</Description>
    <URI>\` + TaskName + `</URI>
  </RegistrationInfo>
  <Triggers>
    <LogonTrigger>
      <Enabled>true</Enabled>
      <UserId>` + user + `</UserId>
    </LogonTrigger>
  </Triggers>
  <Principals>
    <Principal id="Author">
      <UserId>` + user + `</UserId>
      <LogonType>InteractiveToken</LogonType>
      <RunLevel>LeastPrivilege</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>
    <RestartOnFailure>
      <Interval>PT1M</Interval>
      <Count>3</Count>
    </RestartOnFailure>
    <Hidden>true</Hidden>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>` + xmlText(s.Executable) + `</Command>
      <Arguments>` + xmlText(strings.Join(args, " ")) + `</Arguments>
    </Exec>
  </Actions>
</Task>
`
	notes := []string{"Task Scheduler starts it at your logon; `schtasks /Query /TN " + TaskName + " /V` shows its state."}
	for _, kv := range s.Env {
		k, v, _ := strings.Cut(kv, "=")
		notes = append(notes, fmt.Sprintf("Task Scheduler passes no environment of its own: the daemon sees %s only if it is set for your account (`setx %s %s`).", k, k, windowsQuote(v)))
	}
	path := filepath.Join(w.StateDir, TaskFile)
	st := func(args ...string) []string { return append([]string{"schtasks"}, args...) }
	return Plan{
		Kind:    "Task Scheduler task",
		Path:    path,
		Content: utf16LE(strings.ReplaceAll(doc, "\n", "\r\n")),
		Enable:  [][]string{st("/Create", "/TN", TaskName, "/XML", path, "/F")},
		Start:   [][]string{st("/Run", "/TN", TaskName)},
		Stop:    [][]string{st("/End", "/TN", TaskName), st("/Delete", "/TN", TaskName, "/F")},
		Notes:   notes,
		query:   st("/Query", "/TN", TaskName),
	}, nil
}

// utf16LE encodes s as UTF-16 little-endian with a byte-order mark, the
// encoding schtasks expects of a task's XML.
func utf16LE(s string) []byte {
	units := utf16.Encode([]rune(s))
	out := make([]byte, 2, 2+2*len(units))
	out[0], out[1] = 0xFF, 0xFE
	for _, u := range units {
		out = binary.LittleEndian.AppendUint16(out, u)
	}
	return out
}

// windowsQuote quotes one argument so that CommandLineToArgvW (and Go's
// os.Args on Windows) reads it back unchanged.
func windowsQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\"") {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	slashes := 0 // backslashes just written
	for _, c := range []byte(s) {
		switch c {
		case '\\':
			slashes++
		case '"':
			// Backslashes before a quote are doubled, then the quote escaped.
			b.WriteString(strings.Repeat(`\`, slashes+1))
			slashes = 0
		default:
			slashes = 0
		}
		b.WriteByte(c)
	}
	// Backslashes before the closing quote are doubled too.
	b.WriteString(strings.Repeat(`\`, slashes))
	b.WriteByte('"')
	return b.String()
}
