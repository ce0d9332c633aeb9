package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestTemplateDecodesToDefaults(t *testing.T) {
	cfg, warnings, err := Parse(Template(), "template.toml", env())
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) > 0 {
		t.Fatalf("template has warnings: %v", warnings)
	}
	if !reflect.DeepEqual(cfg, Default()) {
		t.Fatalf("template and Default() disagree:\ntemplate: %+v\ndefault:  %+v", cfg, Default())
	}
}

func TestParseValid(t *testing.T) {
	tests := []struct {
		name  string
		toml  string
		env   func(string) string
		check func(t *testing.T, c *Config)
	}{
		{"empty file is all defaults", "", env(), func(t *testing.T, c *Config) {
			if !reflect.DeepEqual(c, Default()) {
				t.Fatalf("got %+v", c)
			}
		}},
		{"values override defaults", "[agent]\ndefault_model = \"claude-sonnet-4-5\"\ncontext_window = 200000\n[heartbeat]\ninterval = \"1h30m\"\nactive_hours = { start = \"22:00\", end = \"06:00\" }\ntimezone = \"Europe/Berlin\"\n", env(),
			func(t *testing.T, c *Config) {
				if c.Agent.DefaultModel != "claude-sonnet-4-5" || c.Agent.ContextWindow != 200000 {
					t.Fatalf("agent = %+v", c.Agent)
				}
				if c.Heartbeat.Interval.Duration != 90*time.Minute {
					t.Fatalf("interval = %v", c.Heartbeat.Interval)
				}
				if c.Heartbeat.ActiveHours == nil || c.Heartbeat.ActiveHours.Start != "22:00" {
					t.Fatalf("active hours = %+v", c.Heartbeat.ActiveHours)
				}
				if c.Agent.ReserveTokens != 8000 {
					t.Fatalf("untouched default changed: %d", c.Agent.ReserveTokens)
				}
			}},
		{"${VAR} expands in strings and lists", "[providers.openai]\napi_key = \"${MY_KEY}\"\nbase_url = \"http://${HOST:-localhost:8080}/v1\"\n[tools]\nrequire_approval = [\"${T}\"]\n",
			env("MY_KEY", "sk-secret-value-1234", "T", "write_file"), func(t *testing.T, c *Config) {
				if c.Providers.OpenAI.APIKey != "sk-secret-value-1234" {
					t.Fatalf("api_key = %q", c.Providers.OpenAI.APIKey)
				}
				if c.Providers.OpenAI.BaseURL != "http://localhost:8080/v1" {
					t.Fatalf("base_url = %q", c.Providers.OpenAI.BaseURL)
				}
				if !reflect.DeepEqual(c.Tools.RequireApproval, []string{"write_file"}) {
					t.Fatalf("require_approval = %v", c.Tools.RequireApproval)
				}
			}},
		{"env keys fill empty fields", "", env("OPENAI_API_KEY", "sk-from-env", "ANTHROPIC_API_KEY", "ant-env", "OLLAMA_HOST", "0.0.0.0:9999"),
			func(t *testing.T, c *Config) {
				p := c.Providers
				if p.OpenAI.APIKey != "sk-from-env" || p.Anthropic.APIKey != "ant-env" {
					t.Fatalf("keys = %q %q", p.OpenAI.APIKey, p.Anthropic.APIKey)
				}
				if p.Ollama.Endpoint != "http://127.0.0.1:9999" {
					t.Fatalf("endpoint = %q", p.Ollama.Endpoint)
				}
			}},
		{"file wins over env", "[providers.openai]\napi_key = \"sk-file\"\n[providers.ollama]\nendpoint = \"http://gpu-box:11434\"\n",
			env("OPENAI_API_KEY", "sk-env", "OLLAMA_HOST", "other:1"), func(t *testing.T, c *Config) {
				if c.Providers.OpenAI.APIKey != "sk-file" || c.Providers.Ollama.Endpoint != "http://gpu-box:11434" {
					t.Fatalf("got %+v", c.Providers)
				}
			}},
		{"OLLAMA_HOST forms", "", env("OLLAMA_HOST", "https://remote.example"), func(t *testing.T, c *Config) {
			if c.Providers.Ollama.Endpoint != "https://remote.example:11434" {
				t.Fatalf("endpoint = %q", c.Providers.Ollama.Endpoint)
			}
		}},
		{"empty string means default", "[agent]\ndefault_model = \"\"\n[logging]\nlevel = \"DEBUG\"\n", env(), func(t *testing.T, c *Config) {
			if c.Agent.DefaultModel != DefaultModel || c.Logging.Level != "debug" {
				t.Fatalf("got %q %q", c.Agent.DefaultModel, c.Logging.Level)
			}
		}},
		{"empty list clears the default", "[tools]\nrequire_approval = []\n", env(), func(t *testing.T, c *Config) {
			if len(c.Tools.RequireApproval) != 0 {
				t.Fatalf("require_approval = %v", c.Tools.RequireApproval)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, err := Parse([]byte(tt.toml), "config.toml", tt.env)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name     string
		toml     string
		line     int
		key      string
		contains string
	}{
		{"syntax", "[agent\n", 1, "", "expected ']'"},
		{"missing value", "[agent]\ndefault_model =\n", 2, "", "unexpected"},
		{"int as string", "[agent]\ncontext_window = \"big\"\n", 2, "agent.context_window", "expected a whole number, got a string"},
		{"string as int", "[agent]\ndefault_model = 5\n", 2, "agent.default_model", "expected a string in quotes, got an integer"},
		{"bool wrong", "[server]\nenabled = \"yes\"\n", 2, "server.enabled", "expected true or false"},
		{"list wrong", "[tools]\nrequire_approval = \"bash\"\n", 2, "tools.require_approval", "an array of strings"},
		{"bad duration", "[heartbeat]\ninterval = \"soon\"\n", 2, "heartbeat.interval", `"soon" is not a duration`},
		{"duration as number", "[heartbeat]\ninterval = 30\n", 2, "heartbeat.interval", "a duration in quotes"},
		{"inline table field", "[heartbeat]\nactive_hours = { start = \"09:00\", end = 5 }\n", 2, "heartbeat.active_hours.end", "expected a string"},
		{"bad clock", "[heartbeat]\nactive_hours = { start = \"9am\", end = \"17:00\" }\n", 2, "heartbeat.active_hours.start", "HH:MM"},
		{"equal clock", "[heartbeat]\nactive_hours = { start = \"09:00\", end = \"09:00\" }\n", 2, "heartbeat.active_hours", "remove active_hours"},
		{"bad timezone", "[heartbeat]\ntimezone = \"Mars/Olympus\"\n", 2, "heartbeat.timezone", "unknown time zone"},
		{"reserve too big", "[agent]\ncontext_window = 4096\nreserve_tokens = 5000\n", 3, "agent.reserve_tokens", "between 0 and context_window"},
		{"overlap too big", "[memory]\nchunk_size = 100\nchunk_overlap = 100\n", 3, "memory.chunk_overlap", "less than chunk_size"},
		{"bad port", "\n[server]\nport = 70000\n", 3, "server.port", "between 1 and 65535"},
		{"embedding provider", "[memory.embeddings]\nprovider = \"anthropic\"\n", 2, "memory.embeddings.provider", `must be "ollama" or "openai"`},
		{"embedding model", "[memory.embeddings]\nenabled = true\nmodel = \"\"\n", 3, "memory.embeddings.model", "name an embedding model"},
		{"embedding dimensions", "[memory.embeddings]\ndimensions = -1\n", 2, "memory.embeddings.dimensions", "the model's own size"},
		{"embedding batch", "[memory.embeddings]\nbatch_size = 5000\n", 2, "memory.embeddings.batch_size", "between 1 and 2048"},
		{"bad url", "[providers.ollama]\nendpoint = \"localhost\"\n", 2, "providers.ollama.endpoint", "not an http(s) URL"},
		{"bad level", "[logging]\nlevel = \"loud\"\n", 2, "logging.level", "one of debug"},
		{"interval too short", "[heartbeat]\ninterval = \"10ms\"\n", 2, "heartbeat.interval", "at least 1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Parse([]byte(tt.toml), "/home/u/.localgpt/config.toml", env())
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("want *Error, got %v", err)
			}
			if ce.Line != tt.line || ce.Key != tt.key || !strings.Contains(ce.Msg, tt.contains) {
				t.Fatalf("got line %d key %q msg %q; want line %d key %q containing %q", ce.Line, ce.Key, ce.Msg, tt.line, tt.key, tt.contains)
			}
			if !strings.HasPrefix(err.Error(), "/home/u/.localgpt/config.toml:") {
				t.Fatalf("message does not name the file: %v", err)
			}
		})
	}
}

func TestParseWarnings(t *testing.T) {
	_, warnings, err := Parse([]byte("[agent]\ndefault_modle = \"x\"\n[heartbeat]\ninterval = \"1h\"\n[mystery]\nx = 1\n[providers.openai]\napi_key = \"${UNSET_KEY}\"\n"), "c.toml", env())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range warnings {
		got = append(got, w.String())
	}
	want := []string{
		`c.toml:2: unknown key "agent.default_modle" is ignored (did you mean "agent.default_model"?)`,
		`c.toml:5: unknown key "mystery" is ignored`,
		`c.toml:8: providers.openai.api_key uses ${UNSET_KEY}, which is not set; it expands to nothing`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestSet(t *testing.T) {
	const original = "# my settings\n[agent]\ndefault_model = \"llama3.2\" # local\n\n[heartbeat]\ninterval = \"30m\"\nactive_hours = { start = \"09:00\", end = \"22:00\" }\n"
	tests := []struct {
		name, key, value string
		want             string // the whole file after the change
		wantErr          string
	}{
		{"replace in place keeps comments", "agent.default_model", "qwen3:4b",
			"# my settings\n[agent]\ndefault_model = \"qwen3:4b\" # local\n\n[heartbeat]\ninterval = \"30m\"\nactive_hours = { start = \"09:00\", end = \"22:00\" }\n", ""},
		{"new key in existing table", "agent.context_window", "32_000",
			"# my settings\n[agent]\ndefault_model = \"llama3.2\" # local\ncontext_window = 32000\n\n[heartbeat]\ninterval = \"30m\"\nactive_hours = { start = \"09:00\", end = \"22:00\" }\n", ""},
		{"new table", "providers.openai.api_key", "sk-abc\"quote",
			original + "\n[providers.openai]\napi_key = \"sk-abc\\\"quote\"\n", ""},
		{"inside inline table", "heartbeat.active_hours.end", "23:30",
			"# my settings\n[agent]\ndefault_model = \"llama3.2\" # local\n\n[heartbeat]\ninterval = \"30m\"\nactive_hours = { start = \"09:00\", end = \"23:30\" }\n", ""},
		{"list from commas", "tools.require_approval", "bash, write_file",
			original + "\n[tools]\nrequire_approval = [\"bash\", \"write_file\"]\n", ""},
		{"list from TOML", "tools.require_approval", "[]", original + "\n[tools]\nrequire_approval = []\n", ""},
		{"bool", "server.enabled", "false", original + "\n[server]\nenabled = false\n", ""},
		{"wrong type", "agent.context_window", "lots", "", "expected a whole number"},
		{"bad duration", "heartbeat.interval", "soon", "", "not a duration"},
		{"fails validation", "heartbeat.active_hours.start", "22:00", "", "not saved"},
		{"unknown key", "agent.default_modle", "x", "", `did you mean "agent.default_model"`},
		{"section", "agent", "x", "", "is a section"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.toml")
			if err := os.WriteFile(path, []byte(original), 0o600); err != nil {
				t.Fatal(err)
			}
			err := Set(path, tt.key, tt.value, env())
			got, _ := os.ReadFile(path)
			if tt.wantErr != "" {
				var ce *Error
				if !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("want *Error containing %q, got %v", tt.wantErr, err)
				}
				if string(got) != original {
					t.Fatalf("file changed on error:\n%s", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("file:\n%s\nwant:\n%s", got, tt.want)
			}
			if _, _, err := Parse(got, path, env()); err != nil {
				t.Fatalf("result does not parse: %v", err)
			}
		})
	}
}

func TestSetCreatesMissingFileFromTemplate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "config.toml")
	if err := Set(path, "agent.default_model", "mistral", env()); err != nil {
		t.Fatal(err)
	}
	c, _, err := LoadFile(path, env())
	if err != nil {
		t.Fatal(err)
	}
	if c.Agent.DefaultModel != "mistral" {
		t.Fatalf("model = %q", c.Agent.DefaultModel)
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), "# LocalGPT configuration") {
		t.Fatal("template comments lost")
	}
}

func TestInitNeverOverwrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	if ok, _, err := Init(path, false); !ok || err != nil {
		t.Fatalf("first init: %v %v", ok, err)
	}
	os.WriteFile(path, []byte("[agent]\ndefault_model = \"mine\"\n"), 0o600)
	if ok, _, err := Init(path, false); ok || err != nil {
		t.Fatalf("second init wrote: %v %v", ok, err)
	}
	if data, _ := os.ReadFile(path); !strings.Contains(string(data), "mine") {
		t.Fatal("existing config overwritten")
	}
	if ok, bak, err := Init(path, true); !ok || bak != path+".bak" || err != nil {
		t.Fatalf("forced init: %v %q %v", ok, bak, err)
	}
	if data, _ := os.ReadFile(path + ".bak"); !strings.Contains(string(data), "mine") {
		t.Fatal("forced init did not keep a backup")
	}
}

func TestLoadFileMissing(t *testing.T) {
	_, _, err := LoadFile(filepath.Join(t.TempDir(), "nope.toml"), env())
	var ce *Error
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "config init") {
		t.Fatalf("got %v", err)
	}
}

func TestResolvePaths(t *testing.T) {
	tests := []struct {
		name                  string
		env                   func(string) string
		workspace, logFile    string
		wantHome, wantWS, log string
	}{
		{"LOCALGPT_HOME moves everything", env("LOCALGPT_HOME", "/data/lg", "HOME", "/home/u"), "", "",
			"/data/lg", "/data/lg/workspace", "/data/lg/logs/agent.log"},
		{"default home", env("HOME", "/home/u"), "", "",
			"/home/u/.localgpt", "/home/u/.localgpt/workspace", "/home/u/.localgpt/logs/agent.log"},
		{"tilde workspace", env("HOME", "/home/u"), "~/notes", "/var/log/lg.log",
			"/home/u/.localgpt", "/home/u/notes", "/var/log/lg.log"},
		{"relative settings are under home", env("LOCALGPT_HOME", "/x", "HOME", "/home/u"), "ws", "l/a.log",
			"/x", "/x/ws", "/x/l/a.log"},
		{"tilde home", env("LOCALGPT_HOME", "~/lg", "HOME", "/home/u"), "", "",
			"/home/u/lg", "/home/u/lg/workspace", "/home/u/lg/logs/agent.log"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home, err := ResolveHome(tt.env)
			if err != nil {
				t.Fatal(err)
			}
			c := Default()
			c.Memory.Workspace, c.Logging.File = tt.workspace, tt.logFile
			p := ResolvePaths(home, DefaultConfigFile(home), c, tt.env)
			if p.Home != tt.wantHome || p.Workspace != tt.wantWS || p.LogFile != tt.log {
				t.Fatalf("got %+v", p)
			}
			if p.DailyLogs != filepath.Join(p.Workspace, "memory") || p.ConfigFile != filepath.Join(home, "config.toml") {
				t.Fatalf("got %+v", p)
			}
			for _, derived := range []string{p.IndexDB, p.Sessions, p.State} {
				if strings.HasPrefix(derived, p.Workspace+string(filepath.Separator)) || !strings.HasPrefix(derived, p.Home) {
					t.Fatalf("derived data %s must be under home and outside the workspace", derived)
				}
			}
		})
	}
}

func TestMaskSecret(t *testing.T) {
	for in, want := range map[string]string{
		"":                         "",
		"short":                    "…(hidden)",
		"sk-proj-abcdefghijklmnop": "sk-…mnop",
	} {
		if got := MaskSecret(in); got != want {
			t.Errorf("MaskSecret(%q) = %q, want %q", in, got, want)
		}
	}
	c := Default()
	c.Providers.OpenAI.APIKey = "sk-proj-abcdefghijklmnop"
	m := c.Masked()
	if m.Providers.OpenAI.APIKey != "sk-…mnop" || c.Providers.OpenAI.APIKey != "sk-proj-abcdefghijklmnop" {
		t.Fatal("Masked must mask the copy and leave the original alone")
	}
}

func TestParseClock(t *testing.T) {
	for in, want := range map[string]int{"00:00": 0, "09:30": 570, "23:59": 1439, "24:00": 1440} {
		if got, err := ParseClock(in); err != nil || got != want {
			t.Errorf("ParseClock(%q) = %d, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "9:30", "24:01", "12:60", "-1:00", "ab:cd", "12:3x", "12:30pm"} {
		if _, err := ParseClock(in); err == nil {
			t.Errorf("ParseClock(%q) accepted", in)
		}
	}
}

func TestValueAndKeys(t *testing.T) {
	c := Default()
	if v, err := c.Value("agent.context_window"); err != nil || v != 128000 {
		t.Fatalf("got %v %v", v, err)
	}
	if v, err := c.Value("heartbeat.active_hours.start"); err != nil || v != nil {
		t.Fatalf("unset section: got %v %v", v, err)
	}
	if _, err := c.Value("agent.nope"); err == nil {
		t.Fatal("unknown key accepted")
	}
	if !IsSecret("providers.anthropic.api_key") || IsSecret("agent.default_model") {
		t.Fatal("IsSecret wrong")
	}
}

func TestDurationString(t *testing.T) {
	for d, want := range map[time.Duration]string{30 * time.Minute: "30m", time.Hour: "1h", 90 * time.Minute: "1h30m", 90 * time.Second: "1m30s"} {
		if got := (Duration{d}).String(); got != want {
			t.Errorf("%v → %q, want %q", d, got, want)
		}
	}
}

func TestSetWithDottedKeys(t *testing.T) {
	tests := []struct{ name, file, key, value, want string }{
		{"dotted under a parent table", "[providers]\nopenai.api_key = \"sk-old\"\n", "providers.openai.base_url", "http://localhost:1234/v1",
			"[providers]\nopenai.api_key = \"sk-old\"\nopenai.base_url = \"http://localhost:1234/v1\"\n"},
		{"dotted at the top", "agent.default_model = \"x\"\n", "agent.context_window", "64000",
			"agent.default_model = \"x\"\nagent.context_window = 64000\n"},
		{"replace a dotted key", "[providers]\nopenai.api_key = \"sk-old\"\n", "providers.openai.api_key", "sk-new",
			"[providers]\nopenai.api_key = \"sk-new\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.toml")
			os.WriteFile(path, []byte(tt.file), 0o600)
			if err := Set(path, tt.key, tt.value, env()); err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(path); string(got) != tt.want {
				t.Fatalf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

// TestSetAll: several keys are written in one replacement, or none is.
func TestSetAll(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	getenv := func(string) string { return "" }
	if err := SetAll(path, []KeyValue{{"providers.openai.base_url", "http://127.0.0.1:1234/v1"}, {"agent.default_model", "openai/qwen"}}, getenv); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := LoadFile(path, getenv)
	if err != nil || cfg.Providers.OpenAI.BaseURL != "http://127.0.0.1:1234/v1" || cfg.Agent.DefaultModel != "openai/qwen" {
		t.Fatalf("%v %+v", err, cfg)
	}
	before, _ := os.ReadFile(path)
	err = SetAll(path, []KeyValue{{"agent.default_model", "llama3.2"}, {"agent.context_window", "big"}}, getenv)
	if err == nil {
		t.Fatal("a bad value was accepted")
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Fatal("a failed SetAll changed the file")
	}
}
