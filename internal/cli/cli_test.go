package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
)

// result is what one in-process localgpt invocation printed and returned.
type result struct {
	stdout, stderr string
	code           int
}

// runEnv runs localgpt in-process with exactly the given environment
// (plus HOME inside the temp dir, so no real home is ever touched).
func runEnv(t *testing.T, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	if env["HOME"] == "" {
		env["HOME"] = filepath.Join(env["LOCALGPT_HOME"], "user-home")
	}
	var out, errOut bytes.Buffer
	code := Main(context.Background(), args, func(k string) string { return env[k] },
		strings.NewReader(stdin), &out, &errOut)
	return result{out.String(), errOut.String(), code}
}

// run runs localgpt in-process with LOCALGPT_HOME=home.
func run(t *testing.T, home string, args ...string) result {
	t.Helper()
	return runEnv(t, map[string]string{"LOCALGPT_HOME": home, "NO_COLOR": "1"}, "", args...)
}

func TestFirstRunCreatesTreeOnceAndNeverOverwrites(t *testing.T) {
	home := t.TempDir()
	r := run(t, home, "paths")
	if r.code != 0 {
		t.Fatalf("paths: %+v", r)
	}
	for _, p := range []string{"config.toml", "workspace/MEMORY.md", "workspace/HEARTBEAT.md", "workspace/SOUL.md", "workspace/memory", "logs"} {
		if _, err := os.Stat(filepath.Join(home, p)); err != nil {
			t.Errorf("first run did not create %s", p)
		}
	}
	if !strings.Contains(r.stderr, "created config.toml") {
		t.Errorf("first run should say what it created: %q", r.stderr)
	}
	os.WriteFile(filepath.Join(home, "workspace", "MEMORY.md"), []byte("mine"), 0o644)
	r = run(t, home, "paths")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("second run: %+v", r)
	}
	if data, _ := os.ReadFile(filepath.Join(home, "workspace", "MEMORY.md")); string(data) != "mine" {
		t.Fatal("MEMORY.md overwritten")
	}
}

// TestUnusableHome: a LocalGPT home that cannot be made (a file is in
// the way) is an error naming the home and what to do, for every command
// that needs it, and the file in the way is left as it was.
func TestUnusableHome(t *testing.T) {
	file := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(file, []byte("mine"), 0o600)
	for _, tc := range []struct {
		name string
		home string
		args []string
	}{
		{"home is a file", file, []string{"paths"}},
		{"home is under a file", filepath.Join(file, "localgpt"), []string{"session", "list"}},
		{"doctor", file, []string{"doctor"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, tc.home, tc.args...)
			if r.code != ExitError {
				t.Fatalf("exit %d, want %d: %+v", r.code, ExitError, r)
			}
			for _, want := range []string{"cannot set up the LocalGPT home " + tc.home, "not a directory", "set LOCALGPT_HOME to one"} {
				if !strings.Contains(r.stdout+r.stderr, want) {
					t.Errorf("output lacks %q: %+v", want, r)
				}
			}
			if data, err := os.ReadFile(file); err != nil || string(data) != "mine" {
				t.Fatalf("the file in the way changed: %q %v", data, err)
			}
		})
	}
}

func TestPaths(t *testing.T) {
	home := t.TempDir()
	r := run(t, home, "paths", "--json")
	var p map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil || r.code != 0 {
		t.Fatalf("%v: %+v", err, r)
	}
	want := map[string]string{
		"home": home, "config": filepath.Join(home, "config.toml"), "workspace": filepath.Join(home, "workspace"),
		"log_file": filepath.Join(home, "logs", "agent.log"), "sessions": filepath.Join(home, "sessions"),
	}
	for k, v := range want {
		if p[k] != v {
			t.Errorf("%s = %q, want %q", k, p[k], v)
		}
	}
	r = run(t, home, "paths")
	if !strings.Contains(r.stdout, "workspace   "+filepath.Join(home, "workspace")) {
		t.Errorf("table output: %q", r.stdout)
	}
}

func TestWorkspaceSettingMovesWorkspace(t *testing.T) {
	home := t.TempDir()
	notes := filepath.Join(t.TempDir(), "notes")
	if r := run(t, home, "config", "set", "memory.workspace", notes); r.code != 0 {
		t.Fatalf("%+v", r)
	}
	r := run(t, home, "paths", "--json")
	if !strings.Contains(r.stdout, `"workspace": "`+notes+`"`) {
		t.Fatalf("%s", r.stdout)
	}
	if _, err := os.Stat(filepath.Join(notes, "MEMORY.md")); err != nil {
		t.Fatal("moved workspace not created")
	}
}

func TestConfigInit(t *testing.T) {
	home := t.TempDir()
	r := run(t, home, "config", "init")
	if r.code != 0 || !strings.Contains(r.stdout, "Wrote "+filepath.Join(home, "config.toml")) {
		t.Fatalf("%+v", r)
	}
	r = run(t, home, "config", "init")
	if r.code != 0 || !strings.Contains(r.stdout, "already exists; left unchanged") {
		t.Fatalf("second init: %+v", r)
	}
	other := filepath.Join(t.TempDir(), "alt.toml")
	r = run(t, home, "-c", other, "config", "init")
	if _, err := os.Stat(other); err != nil || r.code != 0 {
		t.Fatalf("init with -c: %+v", r)
	}
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte("# edited\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = run(t, home, "config", "init", "--force")
	if b, err := os.ReadFile(filepath.Join(home, "config.toml.bak")); err != nil || string(b) != "# edited\n" || r.code != 0 {
		t.Fatalf("--force: %+v", r)
	}
	// Where the old settings went is said; a template replaced by itself
	// has no backup to speak of.
	for _, tc := range []struct {
		name, want, notWant string
	}{
		{"an edited file", "The old one is kept as " + filepath.Join(home, "config.toml.bak.1") + "\n", ""},
		{"the template", "Wrote ", "kept as"},
	} {
		if tc.name == "an edited file" {
			os.WriteFile(filepath.Join(home, "config.toml"), []byte("# edited again\n"), 0o600)
		}
		r := run(t, home, "config", "init", "--force")
		if r.code != 0 || !strings.Contains(r.stdout, tc.want) || tc.notWant != "" && strings.Contains(r.stdout, tc.notWant) {
			t.Errorf("--force over %s: %+v", tc.name, r)
		}
	}
}

func TestConfigShowMasksSecrets(t *testing.T) {
	home := t.TempDir()
	env := map[string]string{"LOCALGPT_HOME": home, "OPENAI_API_KEY": "sk-proj-0123456789abcdef"}
	r := runEnv(t, env, "", "config", "show")
	if r.code != 0 || strings.Contains(r.stdout, "0123456789") || !strings.Contains(r.stdout, "sk-…cdef") {
		t.Fatalf("%+v", r)
	}
	r = runEnv(t, env, "", "config", "show", "--json")
	var c map[string]map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &c); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	if c["agent"]["default_model"] != "llama3.2" || strings.Contains(r.stdout, "0123456789") {
		t.Fatalf("%s", r.stdout)
	}
	r = runEnv(t, env, "", "config", "get", "providers.openai.api_key")
	if strings.TrimSpace(r.stdout) != "sk-…cdef" {
		t.Fatalf("get secret: %+v", r)
	}
}

func TestConfigGetSet(t *testing.T) {
	home := t.TempDir()
	steps := []struct {
		args       []string
		code       int
		stdout     string // substring
		stderrPart string
	}{
		{[]string{"config", "get", "agent.default_model"}, 0, "llama3.2\n", ""},
		{[]string{"config", "set", "agent.default_model", "qwen3:4b"}, 0, "Set agent.default_model = qwen3:4b", ""},
		{[]string{"config", "get", "agent.default_model"}, 0, "qwen3:4b\n", ""},
		{[]string{"-m", "claude-sonnet-4-5", "config", "get", "agent.default_model"}, 0, "claude-sonnet-4-5\n", ""},
		{[]string{"config", "get", "tools.require_approval"}, 0, "[\"bash\"]\n", ""},
		{[]string{"config", "get", "heartbeat"}, 0, "interval = '30m'", ""},
		{[]string{"config", "get", "heartbeat.interval", "--json"}, 0, "\"30m\"", ""},
		{[]string{"config", "get", "heartbeat.interval"}, 0, "30m\n", ""},
		{[]string{"config", "get", "server.chat_timeout"}, 0, "10m\n", ""},
		{[]string{"config", "get", "heartbeat"}, 0, "[heartbeat]\nenabled = true\n", ""},
		{[]string{"config", "get", "providers.openai"}, 0, "[providers.openai]\napi_key = ''\n", ""},
		{[]string{"config", "get", "heartbeat.active_hours"}, 0, "", "heartbeat.active_hours is not set"},
		{[]string{"config", "set", "providers.anthropic.api_key", "sk-ant-0123456789"}, 0, "sk-…6789", ""},
		{[]string{"config", "set", "providers.anthropic.api_key", "${MY_ANTHROPIC_KEY}"}, 0, "Set providers.anthropic.api_key = ${MY_ANTHROPIC_KEY} in ", ""},
		{[]string{"config", "set", "providers.anthropic.api_key", "${K:-sk-ant-0123456789}"}, 0, "Set providers.anthropic.api_key = ${K…789} in ", ""},
		{[]string{"config", "set", "agent.default_model", ""}, 0, "Set agent.default_model = \"\" in ", ""},
		{[]string{"config", "get", "agent.default_model"}, 0, "llama3.2\n", ""},
		{[]string{"config", "set", "agent.context_window", "lots"}, 2, "", "expected a whole number"},
		{[]string{"config", "set", "agent.default_modle", "x"}, 2, "", `did you mean "agent.default_model"`},
		{[]string{"config", "get", "nope.key"}, 2, "", "unknown key"},
		{[]string{"config", "set", "agent.default_model"}, 1, "", "localgpt config set needs VALUE"},
	}
	for _, s := range steps {
		r := run(t, home, s.args...)
		if r.code != s.code || !strings.Contains(r.stdout, s.stdout) || !strings.Contains(r.stderr, s.stderrPart) {
			t.Fatalf("localgpt %s: %+v", strings.Join(s.args, " "), r)
		}
	}
	data, _ := os.ReadFile(filepath.Join(home, "config.toml"))
	if strings.Contains(string(data), "lots") || !strings.Contains(string(data), "# LocalGPT configuration") {
		t.Fatalf("config file:\n%s", data)
	}
}

func TestBrokenConfigExitsTwoWithLocation(t *testing.T) {
	home := t.TempDir()
	tests := []struct{ name, toml, want string }{
		{"syntax", "[agent\n", "config.toml:1:7: expected ']'"},
		{"type", "[agent]\nmax_tool_iterations = \"many\"\n", "config.toml:2:23: agent.max_tool_iterations: expected a whole number, got a string"},
		{"value", "[server]\nport = 0\n", "config.toml:2: server.port: must be between 1 and 65535"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			os.WriteFile(filepath.Join(home, "config.toml"), []byte(tt.toml), 0o600)
			for _, args := range [][]string{{"paths"}, {"config", "show"}, {"config", "get", "agent"}} {
				r := run(t, home, args...)
				if r.code != ExitConfig || !strings.Contains(r.stderr, tt.want) {
					t.Fatalf("%v: %+v", args, r)
				}
			}
			// config path and init still work, so the user can find and fix it
			if r := run(t, home, "config", "path"); r.code != 0 {
				t.Fatalf("config path: %+v", r)
			}
		})
	}
	r := run(t, home, "-c", filepath.Join(home, "missing.toml"), "paths")
	if r.code != ExitConfig || !strings.Contains(r.stderr, "config file not found") {
		t.Fatalf("missing -c file: %+v", r)
	}
}

func TestUnknownKeyWarns(t *testing.T) {
	home := t.TempDir()
	os.WriteFile(filepath.Join(home, "config.toml"), []byte("[agent]\ncontext_windw = 4096\n"), 0o600)
	r := run(t, home, "paths")
	if r.code != 0 || !strings.Contains(r.stderr, `config.toml:2: unknown key "agent.context_windw" is ignored (did you mean "agent.context_window"?)`) {
		t.Fatalf("%+v", r)
	}
}

func TestCompletion(t *testing.T) {
	home := t.TempDir()
	for shell, marker := range map[string]string{"bash": "__start_localgpt", "zsh": "#compdef localgpt", "fish": "complete -c localgpt"} {
		r := run(t, home, "completion", shell)
		if r.code != 0 || !strings.Contains(r.stdout, marker) {
			t.Errorf("completion %s: code %d, %d bytes, stderr %q", shell, r.code, len(r.stdout), r.stderr)
		}
	}
	r := run(t, home, "__complete", "config", "get", "agent.d")
	if !strings.Contains(r.stdout, "agent.default_model") {
		t.Errorf("key completion: %q", r.stdout)
	}
	if _, err := os.Stat(filepath.Join(home, "config.toml")); err == nil {
		t.Error("completion must not create files")
	}
}

func TestVersionHelpAndUsageErrors(t *testing.T) {
	home := t.TempDir()
	flag := run(t, home, "--version")
	if flag.code != 0 || !strings.HasPrefix(flag.stdout, "localgpt version ") {
		t.Fatalf("--version: %+v", flag)
	}
	// `localgpt version` is the same line, and --json the same facts.
	if r := run(t, home, "version"); r.code != 0 || r.stdout != flag.stdout {
		t.Fatalf("version: %+v, want %q", r, flag.stdout)
	}
	r := run(t, home, "version", "--json")
	var info struct{ Version, Go, Platform string }
	if err := json.Unmarshal([]byte(r.stdout), &info); err != nil || r.code != 0 ||
		info.Version == "" || !strings.Contains(flag.stdout, info.Version+" (") || !strings.Contains(flag.stdout, info.Go+", "+info.Platform) {
		t.Fatalf("version --json: %v %+v", err, r)
	}
	if _, err := os.Stat(filepath.Join(home, "config.toml")); err == nil {
		t.Error("version must not create the home")
	}
	if r := run(t, home, "version", "extra"); r.code != ExitError {
		t.Errorf("version extra: %+v", r)
	}
	r = run(t, home, "--help")
	for _, want := range []string{"Exit codes:", "2  configuration error", "3  provider error", "LOCALGPT_HOME"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("--help lacks %q", want)
		}
	}
	r = run(t, home, "frobnicate")
	if r.code != ExitError || !strings.Contains(r.stderr, "unknown command") || !strings.Contains(r.stderr, "--help") {
		t.Fatalf("unknown command: %+v", r)
	}
}

func TestVerboseLogsToFileAndStderr(t *testing.T) {
	home := t.TempDir()
	r := run(t, home, "-v", "paths")
	if r.code != 0 || !strings.Contains(r.stderr, "config loaded") {
		t.Fatalf("%+v", r)
	}
	data, err := os.ReadFile(filepath.Join(home, "logs", "agent.log"))
	if err != nil || !strings.Contains(string(data), "config loaded") {
		t.Fatalf("log file: %v %q", err, data)
	}
}

// TestMissingArgumentsShowUsage: a command run without its argument says
// how to call it, with an example, and exits 1.
func TestMissingArgumentsShowUsage(t *testing.T) {
	home := t.TempDir()
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"ask"}, []string{"localgpt ask needs an argument", "usage:   localgpt ask QUESTION…", "example: localgpt ask \"what did I decide"}},
		{[]string{"memory", "show"}, []string{"localgpt memory show needs an argument", "usage:   localgpt memory show PATH[:FROM-TO]", "example: localgpt memory show MEMORY.md:1-20"}},
		{[]string{"memory", "show", "a", "b"}, []string{"takes at most 1 argument, got 2"}},
	} {
		r := run(t, home, tc.args...)
		if r.code != 1 {
			t.Errorf("%v: exit %d, want 1", tc.args, r.code)
		}
		for _, w := range tc.want {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("%v: stderr lacks %q:\n%s", tc.args, w, r.stderr)
			}
		}
	}
	r := run(t, home, "--help")
	if !strings.Contains(r.stdout, "LOCALGPT_API_TOKEN") {
		t.Errorf("--help does not list LOCALGPT_API_TOKEN:\n%s", r.stdout)
	}
}

// TestCompletionOfNames: the shell completes session IDs (with their titles),
// model names as `models` prints them, memory paths, the values of
// --mode and --format and of boolean and model config keys, and offers no file names for a question or a query
// (":4" is cobra's ShellCompDirectiveNoFileComp).
func TestCompletionOfNames(t *testing.T) {
	ol := llmtest.NewOllama(t)
	ol.SetModels(llmtest.Model{Name: "llama3.2"}, llmtest.Model{Name: "qwen3:8b"})
	oa := llmtest.NewOpenAI(t)
	oa.SetModels(llmtest.Model{Name: "fake-small"})
	home := filepath.Join(t.TempDir(), "home")
	os.MkdirAll(home, 0o700)
	os.WriteFile(filepath.Join(home, "config.toml"), []byte(fmt.Sprintf("[agent]\ndefault_model = \"openai/fake-small\"\n[providers.ollama]\nendpoint = %q\n[providers.openai]\nbase_url = %q\n", ol.URL, oa.URL+"/v1")), 0o600)
	oa.Enqueue(llmtest.Text("Hello, gardener."))
	if r := runEnv(t, map[string]string{"LOCALGPT_HOME": home, "NO_COLOR": "1"}, "Plan the garden\n", "chat", "--no-tools"); r.code != 0 {
		t.Fatalf("%+v", r)
	}
	os.MkdirAll(filepath.Join(home, "workspace", "projects"), 0o700)
	os.WriteFile(filepath.Join(home, "workspace", "projects", "garden.md"), []byte("# Garden\n"), 0o600)
	ids, _ := filepath.Glob(filepath.Join(home, "sessions", "*.jsonl")) // beside the index
	if len(ids) != 1 {
		t.Fatalf("%d sessions", len(ids))
	}
	id := strings.TrimSuffix(filepath.Base(ids[0]), ".jsonl")
	cases := []struct {
		args    []string
		want    []string
		notWant string
	}{
		{[]string{"session", "show", ""}, []string{id + "\tPlan the garden"}, ""},
		{[]string{"chat", "--session", id[:4]}, []string{id}, ""},
		{[]string{"session", "delete", id, ""}, []string{id}, ""},
		{[]string{"-m", ""}, []string{"fake-small\topenai", "llama3.2:latest\tollama", "qwen3:8b"}, ""},
		{[]string{"ask", "-m", "q"}, []string{"qwen3:8b"}, "fake-small"},
		{[]string{"memory", "show", ""}, []string{"MEMORY.md", "projects/garden.md", "HEARTBEAT.md"}, ""},
		{[]string{"memory", "show", "proj"}, []string{"projects/garden.md"}, "MEMORY.md"},
		{[]string{"session", "rename", ""}, []string{id + "\tPlan the garden"}, ""},
		{[]string{"session", "rename", id, ""}, []string{":4\n"}, id}, // a title: nothing, not file names
		{[]string{"session", "export", "--format", ""}, []string{"md\n", "json\n"}, ""},
		{[]string{"config", "set", "heartbeat.enabled", ""}, []string{"true\n", "false\n", ":4\n"}, "agent"},
		{[]string{"config", "set", "agent.default_model", "q"}, []string{"qwen3:8b\tollama"}, "fake-small"},
		{[]string{"config", "set", "heartbeat.interval", ""}, []string{":4\n"}, "true"},
		{[]string{"config", "set", "heartbeat.en"}, []string{"heartbeat.enabled\n"}, ""},
		{[]string{"memory", "search", "--mode", ""}, []string{"hybrid\n", "text\n", "vector\n"}, ""},
		{[]string{"ask", ""}, []string{":4\n"}, "config.toml"},
		{[]string{"memory", "search", "gar"}, []string{":4\n"}, ""},
	}
	for _, tc := range cases {
		r := run(t, home, append([]string{"__complete"}, tc.args...)...)
		for _, w := range tc.want {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("complete %q: lacks %q:\n%s", tc.args, w, r.stdout)
			}
		}
		if tc.notWant != "" && strings.Contains(r.stdout, tc.notWant) {
			t.Errorf("complete %q: offers %q:\n%s", tc.args, tc.notWant, r.stdout)
		}
	}
}

// TestConfigValidate: config validate reads the file as every command
// does and says whether it is valid (exit 0, warnings on stderr) or not
// (exit 2, where and why), creating nothing.
func TestConfigValidate(t *testing.T) {
	cases := []struct {
		name, toml string
		args       []string // after "config validate"
		code       int
		stdout     string
		stderr     []string
	}{
		{"valid", "[agent]\ndefault_model = \"qwen3:8b\"\n", nil, 0, " is valid\n", nil},
		{"warnings", "[agent]\ncontext_windw = 5\n[providers.openai]\napi_key = \"${NOT_SET_ANYWHERE}\"\n", nil, 0, " is valid, with 2 warnings\n",
			[]string{`unknown key "agent.context_windw" is ignored (did you mean "agent.context_window"?)`, "uses ${NOT_SET_ANYWHERE}, which is not set"}},
		{"bad value", "[heartbeat]\ninterval = \"5 minutes\"\n", nil, 2, "", []string{"team.toml:2:12: heartbeat.interval: \"5 minutes\" is not a duration"}},
		{"bad TOML", "[agent\n", nil, 2, "", []string{"expected ']' to close table name"}},
		{"no file", "", nil, 2, "", []string{"config file not found; create it with `localgpt -c "}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			home := t.TempDir()
			file := filepath.Join(t.TempDir(), "team.toml")
			if tc.toml != "" {
				os.WriteFile(file, []byte(tc.toml), 0o600)
			}
			r := run(t, home, append([]string{"-c", file, "config", "validate"}, tc.args...)...)
			if r.code != tc.code || tc.stdout != "" && r.stdout != file+tc.stdout || tc.stdout == "" && r.stdout != "" {
				t.Fatalf("want exit %d and %q: %+v", tc.code, file+tc.stdout, r)
			}
			for _, w := range tc.stderr {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			if entries, _ := os.ReadDir(home); len(entries) != 0 {
				t.Errorf("validate created %v in the home", entries)
			}
		})
	}
}
