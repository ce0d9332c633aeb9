package tools

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/internal/config"
	"github.com/localgpt-go/localgpt/internal/memory"
	"github.com/localgpt-go/localgpt/internal/skills"
)

func TestSpecs(t *testing.T) {
	e := newEnv(t, nil, nil)
	specs := e.reg.Specs(context.Background())
	var names []string
	for _, s := range specs {
		names = append(names, s.Name)
		var schema struct {
			Type       string                     `json:"type"`
			Properties map[string]json.RawMessage `json:"properties"`
			Required   []string                   `json:"required"`
		}
		if err := json.Unmarshal(s.Parameters, &schema); err != nil {
			t.Fatalf("%s: parameters are not JSON: %v", s.Name, err)
		}
		if schema.Type != "object" || s.Description == "" {
			t.Fatalf("%s: bad spec %+v", s.Name, schema)
		}
		for _, r := range schema.Required {
			if _, ok := schema.Properties[r]; !ok {
				t.Fatalf("%s: required %q is not a property", s.Name, r)
			}
		}
	}
	// The skill tool is offered only with skills (see TestSkillTool).
	noSkill := slices.DeleteFunc(BuiltinNames(), func(n string) bool { return n == "skill" })
	if !slices.Equal(names, noSkill) || !slices.Equal(e.reg.Names(), names) {
		t.Fatalf("names = %v", names)
	}
	want := map[string][]string{
		"bash":          {"command", "timeout_ms", "working_dir"},
		"read_file":     {"limit", "offset", "path"},
		"write_file":    {"content", "path"},
		"edit_file":     {"new_string", "old_string", "path", "replace_all"},
		"memory_search": {"limit", "query"},
		"memory_get":    {"end_line", "path", "start_line"},
		"memory_save":   {"content", "long_term"},
		"web_fetch":     {"url"},
	}
	for _, s := range specs {
		var schema struct {
			Properties map[string]json.RawMessage `json:"properties"`
		}
		_ = json.Unmarshal(s.Parameters, &schema)
		var got []string
		for k := range schema.Properties {
			got = append(got, k)
		}
		slices.Sort(got)
		if !slices.Equal(got, want[s.Name]) {
			t.Fatalf("%s parameters = %v, want %v", s.Name, got, want[s.Name])
		}
	}
}

func TestNewOptions(t *testing.T) {
	tests := []struct {
		name    string
		opts    func(*Options)
		want    []string
		wantErr string
	}{
		{"all", func(o *Options) { o.Skills = skills.NewCatalog() }, BuiltinNames(), ""},
		{"exclude for the heartbeat", func(o *Options) { o.Exclude = []string{"bash", "web_fetch"} },
			[]string{"read_file", "write_file", "edit_file", "memory_search", "memory_get", "memory_save"}, ""},
		{"no memory", func(o *Options) { o.Memory = nil }, []string{"bash", "read_file", "write_file", "edit_file", "web_fetch"}, ""},
		{"exclude everything", func(o *Options) { o.Exclude = BuiltinNames() }, nil, ""},
		{"unknown exclude", func(o *Options) { o.Exclude = []string{"bsh"} }, nil, `cannot exclude "bsh"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := t.TempDir()
			o := withConfig(config.Default(), Options{Paths: config.Paths{Home: ws, Workspace: ws}, Memory: openMemory(t, ws, filepath.Join(t.TempDir(), "i.sqlite"))})
			tt.opts(&o)
			r, err := New(o)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(r.Names(), tt.want) {
				t.Fatalf("names = %v, want %v", r.Names(), tt.want)
			}
			for _, n := range tt.want {
				if _, ok := r.Lookup(n); !ok {
					t.Fatalf("Lookup(%q) failed", n)
				}
			}
		})
	}
}

// panicky is a tool that panics, to check the registry survives it.
type panicky struct{}

func (panicky) Name() string                { return "panicky" }
func (panicky) Description() string         { return "panics" }
func (panicky) Parameters() json.RawMessage { return json.RawMessage(`{"type":"object"}`) }
func (panicky) Run(context.Context, json.RawMessage) (Result, error) {
	var m map[string]int
	m["x"]++
	return Result{}, nil
}

// echo returns its arguments, to check the result cap.
type echo struct{}

func (echo) Name() string                { return "echo" }
func (echo) Description() string         { return "echoes" }
func (echo) Parameters() json.RawMessage { return json.RawMessage(`{"type":"object"}`) }
func (echo) Run(_ context.Context, args json.RawMessage) (Result, error) {
	return Result{Content: string(args)}, nil
}

func TestRegistryCall(t *testing.T) {
	r, err := NewRegistry(nil, 200, panicky{}, echo{})
	if err != nil {
		t.Fatal(err)
	}
	long := `"` + strings.Repeat("a", 150) + strings.Repeat("z", 150) + `"`
	tests := []struct {
		name, tool, args string
		isError          bool
		wants            []string
	}{
		{"unknown tool lists the tools", "bassh", `{}`, true, []string{`no tool named "bassh"`, "panicky, echo"}},
		{"panic becomes an error result", "panicky", `{}`, true, []string{"panicky tool failed unexpectedly", "assignment to entry in nil map"}},
		{"result is capped keeping head and tail", "echo", long, false, []string{`"aaaa`, "zzzz\"", "characters omitted"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := r.Call(context.Background(), tt.tool, json.RawMessage(tt.args))
			check(t, res, tt.isError, tt.wants...)
			if n := len([]rune(res.Content)); tt.tool == "echo" && n > 200+40 {
				t.Fatalf("capped result has %d characters", n)
			}
		})
	}
	if _, err := NewRegistry(nil, 0, echo{}, echo{}); err == nil || !strings.Contains(err.Error(), `two tools are named "echo"`) {
		t.Fatalf("duplicate names: err = %v", err)
	}
}

func TestMemoryTools(t *testing.T) {
	e := newEnv(t, nil, nil)
	writeFile(t, filepath.Join(e.ws, "MEMORY.md"), "# Facts\n\nThe user prefers tea.\nThe cat is called Miso.\n")
	writeFile(t, filepath.Join(e.ws, "..", "config.toml"), "api_key = \"secret\"\n")
	writeFile(t, filepath.Join(e.outside, "n.md"), "outside\n")
	if _, err := e.mem.Reindex(context.Background(), false, nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, tool string
		args       any
		isError    bool
		wants      []string
	}{
		{"search", "memory_search", map[string]any{"query": "miso"}, false, []string{"1. MEMORY.md:", "(Facts)", "Miso"}},
		{"search nothing", "memory_search", map[string]any{"query": "coffee"}, false, []string{`No memory matches "coffee"`}},
		{"search blank", "memory_search", map[string]any{"query": "  "}, true, []string{"query is required"}},
		{"search negative limit", "memory_search", map[string]any{"query": "tea", "limit": -1}, true, []string{"limit must be positive"}},
		{"search odd syntax", "memory_search", map[string]any{"query": `"tea AND (NEAR -`}, false, nil},
		{"search long query", "memory_search", map[string]any{"query": "miso" + strings.Repeat(" zq", 1599)}, false,
			[]string{"only its first 1000 characters", "1. MEMORY.md:"}},
		{"search many terms, none found", "memory_search", map[string]any{"query": strings.Repeat("zq ", 40)}, false,
			[]string{"only the first 32 were searched (8 ignored)", "No memory matches."}},
		{"get all", "memory_get", map[string]any{"path": "MEMORY.md"}, false, []string{"     1\t# Facts\n", "     4\tThe cat is called Miso.\n"}},
		{"get range", "memory_get", map[string]any{"path": "MEMORY.md", "start_line": 3, "end_line": 3}, false, []string{"     3\tThe user prefers tea.\n"}},
		{"get reversed range", "memory_get", map[string]any{"path": "MEMORY.md", "start_line": 3, "end_line": 2}, true, []string{"end_line 2 is before start_line 3"}},
		{"get past the end", "memory_get", map[string]any{"path": "MEMORY.md", "start_line": 30}, true, []string{"past its end"}},
		{"get outside", "memory_get", map[string]any{"path": filepath.Join(e.outside, "n.md")}, true, []string{"outside the workspace"}},
		{"get the config", "memory_get", map[string]any{"path": "../config.toml"}, true, []string{"holds API keys"}},
		{"get missing", "memory_get", map[string]any{"path": "nope.md"}, true, []string{"cannot read memory file nope.md"}},
		{"save daily", "memory_save", map[string]any{"content": "Bought oat milk."}, false, []string{"memory/2025-03-14.md"}},
		{"save long term", "memory_save", map[string]any{"content": "Allergic to nuts.", "long_term": true}, false, []string{"MEMORY.md"}},
		{"saved entries are found", "memory_search", map[string]any{"query": "oat milk"}, false, []string{"memory/2025-03-14.md"}},
		{"save blank", "memory_save", map[string]any{"content": "\n"}, true, []string{"content is required"}},
		{"save wrong type", "memory_save", `{"content": "x", "long_term": "yes"}`, true, []string{"bad arguments for memory_save"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check(t, e.call(t, context.Background(), tt.tool, tt.args), tt.isError, tt.wants...)
		})
	}
	if got := readFile(t, filepath.Join(e.ws, "memory", "2025-03-14.md")); !strings.Contains(got, "## 09:26\n\nBought oat milk.\n") {
		t.Fatalf("daily log = %q", got)
	}
	if got := readFile(t, filepath.Join(e.ws, "MEMORY.md")); !strings.HasSuffix(got, "Allergic to nuts.\n") {
		t.Fatalf("MEMORY.md = %q", got)
	}
}

// The memory store is what the agent passes as Options.Memory.
var _ Memory = (*memory.Store)(nil)
