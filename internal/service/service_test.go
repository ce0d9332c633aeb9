package service

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"howett.net/plist"
)

// awkward holds characters each format must quote: space, systemd's %
// specifiers and $ variables, XML's & and <. (Quotes or a backslash in
// the executable's own path systemd refuses; TestRefusals covers that,
// an argument in TestSystemdUnitVerifies and the quote tables the
// escaping.)
const awkward = `dir with space %h $HOME & <x>`

// testSpec returns a spec whose executable is a real file under a folder
// with an awkward name (systemd-analyze checks that it is executable).
func testSpec(t *testing.T) Spec {
	t.Helper()
	dir := filepath.Join(t.TempDir(), awkward)
	exe := filepath.Join(dir, "localgpt")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return Spec{
		Executable: exe,
		Args:       []string{"--config", filepath.Join(dir, "config.toml"), "daemon", "run"},
		Env:        []string{"LOCALGPT_HOME=" + dir, "OLLAMA_HOST=http://127.0.0.1:11434"},
		LogFile:    filepath.Join(dir, "logs", "agent.log"),
	}
}

func testWhere(t *testing.T) Where {
	home := t.TempDir()
	return Where{UserHome: home, StateDir: filepath.Join(home, "state"), UID: 501, User: `HOST\ann`}
}

// TestSystemdUnitVerifies writes the unit and has systemd's own parser
// check it: `systemd-analyze verify` in user mode, offline (no running
// systemd is needed once XDG_RUNTIME_DIR exists). It exits 0 even for
// unknown keys or bad values, so any output fails the test.
func TestSystemdUnitVerifies(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Fatal("systemd-analyze is missing: install Debian's systemd package (scripts/test does)")
	}
	spec, where := testSpec(t), testWhere(t)
	p, err := systemd{}.Plan(spec, where)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(where.UserHome, ".config", "systemd", "user", UnitName); p.Path != want {
		t.Fatalf("path %s, want %s", p.Path, want)
	}
	// An argument with the characters systemd refuses in the binary's path.
	spec.Args = append([]string{"--config", `C:\"quoted" 'too'\config.toml`}, spec.Args...)
	if p, err = (systemd{}).Plan(spec, where); err != nil {
		t.Fatal(err)
	}
	if err := Install(context.Background(), p, false, recorder(t, nil)); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(analyze, "verify", "--user", "--man=no", p.Path)
	cmd.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s\nunit:\n%s", err, out, p.Content)
	}

	// The same check catches a broken unit, so the pass above means something.
	bad := filepath.Join(t.TempDir(), UnitName)
	os.WriteFile(bad, bytes.Replace(p.Content, []byte("Restart=on-failure"), []byte("Restart=sometimes"), 1), 0o644)
	cmd = exec.Command(analyze, "verify", "--user", "--man=no", bad)
	cmd.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+t.TempDir())
	if out, _ := cmd.CombinedOutput(); !bytes.Contains(out, []byte("sometimes")) {
		t.Fatalf("systemd-analyze verify accepted a bad Restart=: %s", out)
	}
}

func TestSystemdQuote(t *testing.T) {
	tests := []struct {
		in      string
		command bool
		want    string
	}{
		{"/usr/bin/localgpt", true, `"/usr/bin/localgpt"`},
		{`/a b/"c"\d`, true, `"/a b/\"c\"\\d"`},
		{"%h/$HOME", true, `"%%h/$$HOME"`},
		{"K=%h $HOME", false, `"K=%%h $HOME"`},
	}
	for _, tc := range tests {
		if got := systemdQuote(tc.in, tc.command); got != tc.want {
			t.Errorf("systemdQuote(%q, %v) = %s, want %s", tc.in, tc.command, got, tc.want)
		}
	}
}

// TestLaunchAgentParses reads the plist back with a real plist parser and
// checks every value survived.
func TestLaunchAgentParses(t *testing.T) {
	spec, where := testSpec(t), testWhere(t)
	p, err := launchd{}.Plan(spec, where)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(where.UserHome, "Library", "LaunchAgents", Label+".plist"); p.Path != want {
		t.Fatalf("path %s, want %s", p.Path, want)
	}
	var got struct {
		Label                string
		ProgramArguments     []string
		EnvironmentVariables map[string]string
		RunAtLoad            bool
		KeepAlive            map[string]bool
		ProcessType          string
		StandardOutPath      string
		StandardErrorPath    string
	}
	format, err := plist.Unmarshal(p.Content, &got)
	if err != nil {
		t.Fatalf("plist does not parse: %v\n%s", err, p.Content)
	}
	if format != plist.XMLFormat {
		t.Fatalf("format %d, want XML", format)
	}
	wantArgs := append([]string{spec.Executable}, spec.Args...)
	wantEnv := map[string]string{"LOCALGPT_HOME": filepath.Dir(spec.Executable), "OLLAMA_HOST": "http://127.0.0.1:11434"}
	if got.Label != Label || !reflect.DeepEqual(got.ProgramArguments, wantArgs) || !reflect.DeepEqual(got.EnvironmentVariables, wantEnv) ||
		!got.RunAtLoad || !reflect.DeepEqual(got.KeepAlive, map[string]bool{"SuccessfulExit": false}) || got.ProcessType != "Background" ||
		got.StandardOutPath != spec.LogFile || got.StandardErrorPath != spec.LogFile {
		t.Fatalf("plist read back as %+v\n%s", got, p.Content)
	}
	domain := "gui/501"
	if !reflect.DeepEqual(p.Start, [][]string{{"launchctl", "bootstrap", domain, p.Path}}) ||
		!reflect.DeepEqual(p.Stop, [][]string{{"launchctl", "bootout", domain + "/" + Label}}) {
		t.Fatalf("commands: start %v stop %v", p.Start, p.Stop)
	}
}

// TestTaskSchedulerXML decodes the UTF-16 task and checks what schtasks
// would read.
func TestTaskSchedulerXML(t *testing.T) {
	spec, where := testSpec(t), testWhere(t)
	p, err := taskScheduler{}.Plan(spec, where)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(p.Content, []byte{0xFF, 0xFE, '<', 0}) {
		t.Fatalf("not UTF-16LE with a byte-order mark: % x", p.Content[:8])
	}
	var task struct {
		XMLName  xml.Name `xml:"http://schemas.microsoft.com/windows/2004/02/mit/task Task"`
		Triggers struct {
			Logon struct {
				Enabled bool   `xml:"Enabled"`
				UserID  string `xml:"UserId"`
			} `xml:"LogonTrigger"`
		} `xml:"Triggers"`
		Principal struct {
			UserID    string `xml:"UserId"`
			LogonType string `xml:"LogonType"`
		} `xml:"Principals>Principal"`
		TimeLimit string `xml:"Settings>ExecutionTimeLimit"`
		Exec      struct {
			Command   string `xml:"Command"`
			Arguments string `xml:"Arguments"`
		} `xml:"Actions>Exec"`
	}
	dec := xml.NewDecoder(strings.NewReader(p.Definition()))
	dec.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		if label != "UTF-16" {
			return nil, errors.New("unexpected charset " + label)
		}
		return r, nil // Definition already decoded it
	}
	if err := dec.Decode(&task); err != nil {
		t.Fatalf("task XML: %v\n%s", err, p.Definition())
	}
	dir := filepath.Dir(spec.Executable)
	wantArgs := `--config "` + strings.ReplaceAll(filepath.Join(dir, "config.toml"), `"`, `\"`) + `" daemon run`
	if task.Exec.Command != spec.Executable || task.Exec.Arguments != wantArgs || !task.Triggers.Logon.Enabled ||
		task.Triggers.Logon.UserID != `HOST\ann` || task.Principal.UserID != `HOST\ann` ||
		task.Principal.LogonType != "InteractiveToken" || task.TimeLimit != "PT0S" {
		t.Fatalf("task read back as %+v", task)
	}
	if p.Path != filepath.Join(where.StateDir, TaskFile) || !reflect.DeepEqual(p.Enable[0], []string{"schtasks", "/Create", "/TN", TaskName, "/XML", p.Path, "/F"}) {
		t.Fatalf("path %s, enable %v", p.Path, p.Enable)
	}
	if len(p.Notes) != 3 || !strings.Contains(p.Notes[1], "setx LOCALGPT_HOME") {
		t.Fatalf("notes should say Task Scheduler passes no environment: %q", p.Notes)
	}
}

// TestWindowsQuote checks the quoting against CommandLineToArgvW's rules
// as Microsoft documents them ("Parsing C++ command-line arguments").
func TestWindowsQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"run", "run"},
		{"", `""`},
		{`C:\Program Files\x`, `"C:\Program Files\x"`},
		{`a"b`, `"a\"b"`},
		{`a\"b`, `"a\\\"b"`},
		{`C:\dir with space\`, `"C:\dir with space\\"`},
		{`a\\b c`, `"a\\b c"`},
	}
	for _, tc := range tests {
		if got := windowsQuote(tc.in); got != tc.want {
			t.Errorf("windowsQuote(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// recorder is a Runner that records commands; fail makes the named
// commands (argv joined by spaces) fail.
func recorder(t *testing.T, ran *[]string, fail ...string) Runner {
	return func(_ context.Context, argv []string) ([]byte, error) {
		line := strings.Join(argv, " ")
		if ran != nil {
			*ran = append(*ran, line)
		}
		for _, f := range fail {
			if f == line {
				return []byte("Failed to connect to bus"), errors.New("exit status 1")
			}
		}
		return nil, nil
	}
}

func TestInstallQueryUninstall(t *testing.T) {
	ctx := context.Background()
	spec, where := testSpec(t), testWhere(t)
	p, err := systemd{}.Plan(spec, where)
	if err != nil {
		t.Fatal(err)
	}
	if st := Query(ctx, p, recorder(t, nil)); st.Installed {
		t.Fatalf("installed before install: %+v", st)
	}
	tests := []struct {
		name  string
		start bool
		want  []string
	}{
		{"daemon not running: enabled and started", true, []string{"systemctl --user daemon-reload", "systemctl --user enable localgpt.service", "systemctl --user start localgpt.service"}},
		{"daemon running: only enabled", false, []string{"systemctl --user daemon-reload", "systemctl --user enable localgpt.service"}},
	}
	for _, tc := range tests {
		var ran []string
		if err := Install(ctx, p, tc.start, recorder(t, &ran)); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !reflect.DeepEqual(ran, tc.want) {
			t.Fatalf("%s: ran %q, want %q", tc.name, ran, tc.want)
		}
	}
	if st := Query(ctx, p, recorder(t, nil)); !st.Installed || !st.Current || st.Path != p.Path {
		t.Fatalf("after install: %+v", st)
	}
	other := spec
	other.Args = []string{"daemon", "run"}
	p2, _ := systemd{}.Plan(other, where)
	if st := Query(ctx, p2, recorder(t, nil)); !st.Installed || st.Current {
		t.Fatalf("another configuration should be installed but not current: %+v", st)
	}

	var ran []string
	warnings, err := Uninstall(ctx, p, recorder(t, &ran, "systemctl --user disable --now localgpt.service"))
	if err != nil || len(warnings) != 1 || !strings.Contains(warnings[0], "Failed to connect to bus") {
		t.Fatalf("uninstall: %v, warnings %q", err, warnings)
	}
	if _, err := os.Stat(p.Path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("unit still there: %v", err)
	}
	if want := []string{"systemctl --user disable --now localgpt.service", "systemctl --user daemon-reload"}; !reflect.DeepEqual(ran, want) {
		t.Fatalf("uninstall ran %q, want %q", ran, want)
	}
}

func TestInstallReportsAFailingManager(t *testing.T) {
	spec, where := testSpec(t), testWhere(t)
	p, _ := systemd{}.Plan(spec, where)
	err := Install(context.Background(), p, true, recorder(t, nil, "systemctl --user daemon-reload"))
	if err == nil || !strings.Contains(err.Error(), "wrote "+p.Path) || !strings.Contains(err.Error(), "Failed to connect to bus") ||
		!strings.Contains(err.Error(), "localgpt daemon uninstall") {
		t.Fatalf("error %v should say what was written, what failed and what to do", err)
	}
}

// TestLaunchdReinstallUnloadsFirst: bootstrap fails when the agent is
// loaded, so a start unloads it first and ignores that failing.
func TestLaunchdReinstallUnloadsFirst(t *testing.T) {
	p, _ := launchd{}.Plan(testSpec(t), testWhere(t))
	var ran []string
	if err := Install(context.Background(), p, true, recorder(t, &ran, "launchctl bootout gui/501/"+Label)); err != nil {
		t.Fatal(err)
	}
	want := []string{"launchctl bootout gui/501/" + Label, "launchctl bootstrap gui/501 " + p.Path}
	if !reflect.DeepEqual(ran, want) {
		t.Fatalf("ran %q, want %q", ran, want)
	}
}

// TestTaskQueryAsksTaskScheduler: a task deleted in Task Scheduler's own
// window is not installed, whatever file is left.
func TestTaskQueryAsksTaskScheduler(t *testing.T) {
	p, _ := taskScheduler{}.Plan(testSpec(t), testWhere(t))
	if err := Install(context.Background(), p, false, recorder(t, nil)); err != nil {
		t.Fatal(err)
	}
	if st := Query(context.Background(), p, recorder(t, nil)); !st.Installed || !st.Current {
		t.Fatalf("registered task: %+v", st)
	}
	if st := Query(context.Background(), p, recorder(t, nil, "schtasks /Query /TN "+TaskName)); st.Installed {
		t.Fatalf("task gone from Task Scheduler still installed: %+v", st)
	}
}

func TestRefusals(t *testing.T) {
	where := testWhere(t)
	tests := []struct {
		name string
		spec Spec
		want string
	}{
		{"relative binary", Spec{Executable: "localgpt"}, "not absolute"},
		{"line break", Spec{Executable: "/bin/localgpt", Env: []string{"LOCALGPT_HOME=/a\nb"}}, "line break"},
		{"bad env", Spec{Executable: "/bin/localgpt", Env: []string{"=x"}}, "KEY=VALUE"},
	}
	if _, err := (systemd{}).Plan(Spec{Executable: `/opt/it's/localgpt`}, where); err == nil || !strings.Contains(err.Error(), "move localgpt") {
		t.Errorf("systemd with a quote in the binary's path: %v", err)
	}
	for _, tc := range tests {
		for _, m := range []Manager{systemd{}, launchd{}, taskScheduler{}} {
			if _, err := m.Plan(tc.spec, where); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s %T: %v, want %q", tc.name, m, err, tc.want)
			}
		}
	}
	if _, err := For("plan9"); err == nil || !strings.Contains(err.Error(), "plan9") {
		t.Errorf("For(plan9): %v", err)
	}
}
