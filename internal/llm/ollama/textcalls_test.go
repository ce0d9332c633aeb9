package ollama

import (
	"strings"
	"testing"
)

func offeredTools(names ...string) func(string) bool {
	return func(n string) bool {
		for _, x := range names {
			if x == n {
				return true
			}
		}
		return false
	}
}

func TestParseTextToolCalls(t *testing.T) {
	offered := offeredTools("get_weather", "read_file")
	cases := []struct {
		name  string
		text  string
		ok    bool
		calls []string // name + compact arguments
		rest  string
	}{
		{"tagged", `<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>`, true, []string{`get_weather {"city":"Paris"}`}, ""},
		{"two tagged with text", "Let me look.\n<tool_call>\n{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"}}\n</tool_call>\n<tool_call>{\"name\":\"read_file\",\"arguments\":{\"path\":\"a.md\"}}</tool_call>", true,
			[]string{`get_weather {"city":"Paris"}`, `read_file {"path":"a.md"}`}, "Let me look."},
		{"unclosed tag at the end", `<tool_call>{"name":"read_file","arguments":{"path":"x"}}`, true, []string{`read_file {"path":"x"}`}, ""},
		{"bare object", ` {"name": "get_weather", "parameters": {"city": "Oslo"}} `, true, []string{`get_weather {"city":"Oslo"}`}, ""},
		{"arguments as a string", `{"name":"get_weather","arguments":"{\"city\":\"Rome\"}"}`, true, []string{`get_weather {"city":"Rome"}`}, ""},
		{"no arguments", `{"name":"get_weather"}`, true, []string{`get_weather {}`}, ""},
		{"tool not offered", `{"name":"rm_rf","arguments":{}}`, false, nil, ""},
		{"tag with tool not offered", `<tool_call>{"name":"rm_rf","arguments":{}}</tool_call>`, false, nil, ""},
		{"ordinary JSON answer", `{"city": "Paris", "temp": 18}`, false, nil, ""},
		{"plain text", `The weather is fine.`, false, nil, ""},
		{"two objects", `{"name":"get_weather"} {"name":"get_weather"}`, false, nil, ""},
		{"arguments not an object", `{"name":"get_weather","arguments":[1,2]}`, false, nil, ""},
		{"broken JSON in tag", `<tool_call>{"name":"get_weather",</tool_call>`, false, nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			calls, rest, ok := ParseTextToolCalls(tc.text, offered)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v (calls %v)", ok, tc.ok, calls)
			}
			var got []string
			for _, c := range calls {
				got = append(got, c.Name+" "+string(c.Arguments))
			}
			if strings.Join(got, "|") != strings.Join(tc.calls, "|") || rest != tc.rest {
				t.Errorf("calls %q rest %q, want %q rest %q", got, rest, tc.calls, tc.rest)
			}
		})
	}
}

func TestTextCallFilter(t *testing.T) {
	offered := offeredTools("get_weather")
	cases := []struct {
		name      string
		pieces    []string
		wantText  string // everything shown, in order
		wantCalls int
		// shownBeforeEnd is text that must be shown before Flush (streamed).
		shownBeforeEnd string
	}{
		{"ordinary text streams", []string{"Hel", "lo wor", "ld"}, "Hello world", 0, "Hello world"},
		{"a < that is not a tag", []string{"a <", "b"}, "a <b", 0, "a <b"},
		{"tag split over pieces", []string{"Sure. <tool", "_call>{\"name\":\"get_weather\",", "\"arguments\":{}}</tool_call>"}, "Sure. ", 1, "Sure. "},
		{"bare JSON held then parsed", []string{"{\"name\":", "\"get_weather\",\"arguments\":{\"city\":\"X\"}}"}, "", 1, ""},
		{"JSON answer released at the end", []string{"{\"a\":", "1}"}, `{"a":1}`, 0, ""},
		{"leading whitespace then tag", []string{"\n ", "<tool_call>", `{"name":"get_weather"}`}, "", 1, ""},
		{"broken tag released as text", []string{"x <tool_call>oops"}, "x <tool_call>oops", 0, "x "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := &textCallFilter{offered: offered}
			var shown strings.Builder
			for _, p := range tc.pieces {
				shown.WriteString(f.Write(p))
			}
			if shown.String() != tc.shownBeforeEnd {
				t.Errorf("shown while streaming = %q, want %q", shown.String(), tc.shownBeforeEnd)
			}
			rest, calls := f.Flush()
			shown.WriteString(rest)
			if shown.String() != tc.wantText || len(calls) != tc.wantCalls {
				t.Errorf("text %q calls %d, want %q and %d", shown.String(), len(calls), tc.wantText, tc.wantCalls)
			}
		})
	}
}

func FuzzParseTextToolCalls(f *testing.F) {
	for _, s := range []string{
		`<tool_call>{"name":"get_weather","arguments":{"city":"Paris"}}</tool_call>`,
		`{"name":"get_weather","parameters":{}}`, `{"name":"get_weather","arguments":"{\"a\":1}"}`,
		"text <tool_call>{}</tool_call> more", `<tool_call><tool_call>`, `{"name":"x"}`, "",
	} {
		f.Add(s, 7)
	}
	offered := offeredTools("get_weather", "x")
	f.Fuzz(func(t *testing.T, text string, split int) {
		calls, _, ok := ParseTextToolCalls(text, offered)
		if !ok && calls != nil {
			t.Fatalf("calls %v returned with ok=false", calls)
		}
		for _, c := range calls {
			if !offered(c.Name) || len(c.Arguments) == 0 || c.Arguments[0] != '{' {
				t.Fatalf("bad call %q %s from %q", c.Name, c.Arguments, text)
			}
		}
		// The streaming filter must lose nothing: with no calls found, what
		// it shows is exactly the input, however the input is split.
		fl := &textCallFilter{offered: offered}
		var shown strings.Builder
		n := max(split%17, 1)
		if split < 0 {
			n = 1
		}
		for s := text; s != ""; {
			k := min(n, len(s))
			shown.WriteString(fl.Write(s[:k]))
			s = s[k:]
		}
		rest, fcalls := fl.Flush()
		shown.WriteString(rest)
		if len(fcalls) == 0 && shown.String() != text {
			t.Fatalf("filter changed text without calls: %q → %q", text, shown.String())
		}
	})
}
