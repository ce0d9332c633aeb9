package config

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// LoadFile reads and parses the config file at path. A missing file is an
// *Error saying how to create it; callers that want defaults for a missing
// file check for it first.
func LoadFile(path string, getenv func(string) string) (*Config, []Warning, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, &Error{File: path, Msg: "config file not found; create it with `localgpt -c " + path + " config init`"}
	}
	if err != nil {
		return nil, nil, &Error{File: path, Msg: fmt.Sprintf("cannot read config file: %v", err)}
	}
	return Parse(data, path, getenv)
}

// Parse decodes config text named file. Defaults fill what the text leaves
// out, ${VAR} and ${VAR:-default} expand in every string, and the
// OPENAI_API_KEY, ANTHROPIC_API_KEY and OLLAMA_HOST environment variables
// fill the fields they stand for when the file leaves them empty. Unknown
// keys and unset variables are warnings; anything that would make LocalGPT
// misbehave is an *Error naming the line.
func Parse(data []byte, file string, getenv func(string) string) (*Config, []Warning, error) {
	cfg := Default()
	var warnings []Warning
	if doc, err := parseDocument(data); err == nil {
		if err := checkDurations(doc, file); err != nil {
			return nil, nil, err
		}
	}
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(cfg)
	var strict *toml.StrictMissingError
	var de *toml.DecodeError
	switch {
	case errors.As(err, &strict):
		for _, e := range strict.Errors {
			line, _ := e.Position()
			name := strings.Join(e.Key(), ".")
			msg := fmt.Sprintf("unknown key %q is ignored", name)
			if s := suggestKey(name); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			warnings = append(warnings, Warning{File: file, Line: line, Msg: msg})
		}
	case errors.As(err, &de):
		return nil, nil, decodeError(file, data, de)
	case err != nil:
		return nil, nil, &Error{File: file, Msg: err.Error()}
	}
	doc, err := parseDocument(data)
	if err != nil { // the decoder accepted it, so this cannot happen; be safe
		return nil, nil, &Error{File: file, Msg: err.Error()}
	}
	warnings = append(warnings, expand(cfg, doc, file, getenv)...)
	applyFallbacks(cfg, doc, getenv)
	if err := cfg.validate(); err != nil {
		var ve *validationError
		if errors.As(err, &ve) {
			return nil, nil, &Error{File: file, Line: doc.line(ve.key), Key: ve.key, Msg: ve.msg}
		}
		return nil, nil, &Error{File: file, Msg: err.Error()}
	}
	return cfg, warnings, nil
}

// decodeError turns go-toml's error into one a user can act on: file,
// line, column, the key, what was expected, and the offending line.
func decodeError(file string, data []byte, de *toml.DecodeError) *Error {
	line, col := de.Position()
	key := strings.Join(de.Key(), ".")
	msg := strings.TrimPrefix(de.Error(), "toml: ")
	if m := typeMismatch.FindStringSubmatch(msg); m != nil {
		got, field, goType := m[1], m[2], m[3]
		if k, ok := LookupKey(key); ok && k.Table && field != "" {
			if child := childByField(k, field); child != "" {
				key = child
			}
		}
		want := describeType(key, goType)
		msg = fmt.Sprintf("expected %s, got %s", want, article(got))
	}
	return &Error{File: file, Line: line, Column: col, Key: key, Msg: msg, Context: excerpt(data, line, col)}
}

// checkDurations rejects a duration written as a bare number. go-toml hands
// such a number to Duration.UnmarshalText without its position, so it is
// caught here, where the line is known.
func checkDurations(doc *document, file string) error {
	bare := func(name string, s span) error {
		return &Error{File: file, Line: s.line, Column: s.col, Key: name,
			Msg:     fmt.Sprintf("expected %s, got %s", `a duration in quotes, like "30m"`, article(strings.ToLower(s.kind.String()))),
			Context: excerpt(doc.data, s.line, s.col)}
	}
	for _, k := range Keys() {
		if k.Type != reflect.TypeFor[Duration]() {
			continue
		}
		if s, ok := doc.keys[k.Name]; ok && s.kind != unstable.String {
			return bare(k.Name, s)
		}
	}
	for name, s := range doc.keys { // the durations of each [mcp.servers.NAME]
		if strings.HasPrefix(name, "mcp.servers.") && (strings.HasSuffix(name, ".timeout") || strings.HasSuffix(name, ".start_timeout")) &&
			s.kind != unstable.String {
			return bare(name, s)
		}
	}
	return nil
}

var typeMismatch = regexp.MustCompile(`^cannot decode TOML (\w+) into (?:struct field .*\.(\w+) )?of type (.+)$`)

func childByField(section Key, goField string) string {
	t := section.Type
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if f, ok := t.FieldByName(goField); ok {
		return section.Name + "." + strings.Split(f.Tag.Get("toml"), ",")[0]
	}
	return ""
}

func describeType(key, goType string) string {
	if k, ok := LookupKey(key); ok {
		switch {
		case k.Type == reflect.TypeFor[Duration]():
			return `a duration in quotes, like "30m"`
		case k.Table:
			return "a table, like " + strings.Trim(exampleInline(k), "'")
		}
	}
	switch goType {
	case "string":
		return "a string in quotes"
	case "int":
		return "a whole number"
	case "bool":
		return "true or false"
	case "[]string":
		return `an array of strings, like ["bash"]`
	}
	return goType
}

func article(tomlType string) string {
	switch tomlType {
	case "integer", "array", "inline":
		return "an " + tomlType
	}
	return "a " + tomlType
}

// excerpt shows line n of data with a caret under column col.
func excerpt(data []byte, n, col int) string {
	lines := strings.Split(string(data), "\n")
	if n < 1 || n > len(lines) {
		return ""
	}
	text := strings.TrimRight(lines[n-1], "\r")
	prefix := fmt.Sprintf("%5d | ", n)
	caret := strings.Repeat(" ", len(prefix)-2) + "| " + strings.Repeat(" ", max(col-1, 0)) + "^"
	return prefix + text + "\n" + caret
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}`)

// expand replaces ${VAR} and ${VAR:-default} in every string of cfg.
func expand(cfg *Config, doc *document, file string, getenv func(string) string) []Warning {
	var warnings []Warning
	sub := func(key, s string) string {
		return envRef.ReplaceAllStringFunc(s, func(ref string) string {
			m := envRef.FindStringSubmatch(ref)
			if v := getenv(m[1]); v != "" {
				return v
			}
			if strings.Contains(ref, ":-") {
				return m[2]
			}
			warnings = append(warnings, Warning{File: file, Line: doc.line(key),
				Msg: fmt.Sprintf("%s uses ${%s}, which is not set; it expands to nothing", key, m[1])})
			return ""
		})
	}
	root := reflect.ValueOf(cfg).Elem()
	for _, k := range Keys() {
		if k.Table {
			continue
		}
		v, err := root.FieldByIndexErr(k.index)
		if err != nil {
			continue
		}
		switch {
		case v.Kind() == reflect.String:
			v.SetString(sub(k.Name, v.String()))
		case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.String:
			for i := range v.Len() {
				v.Index(i).SetString(sub(k.Name, v.Index(i).String()))
			}
		case v.Kind() == reflect.Map && !v.IsNil():
			expandMap(v, func(s string) string { return sub(k.Name, s) })
		}
	}
	return warnings
}

// applyFallbacks fills empty fields from the environment, then from the
// defaults, so that `key = ""` means "use the default".
func applyFallbacks(cfg *Config, doc *document, getenv func(string) string) {
	d := Default()
	p := &cfg.Providers
	fill := func(field *string, values ...string) {
		for _, v := range values {
			if *field != "" {
				return
			}
			*field = v
		}
	}
	fill(&p.OpenAI.APIKey, getenv("OPENAI_API_KEY"))
	fill(&p.Anthropic.APIKey, getenv("ANTHROPIC_API_KEY"))
	fill(&cfg.Server.APIToken, getenv("LOCALGPT_API_TOKEN"))
	fill(&p.OpenAI.BaseURL, d.Providers.OpenAI.BaseURL)
	fill(&p.Anthropic.BaseURL, d.Providers.Anthropic.BaseURL)
	if !doc.has("providers.ollama.endpoint") {
		p.Ollama.Endpoint = ""
	}
	fill(&p.Ollama.Endpoint, ollamaHost(getenv("OLLAMA_HOST")))
	fill(&p.Ollama.Endpoint, d.Providers.Ollama.Endpoint)
	fill(&cfg.Agent.DefaultModel, d.Agent.DefaultModel)
	fill(&cfg.Server.Bind, d.Server.Bind)
	fill(&cfg.Logging.Level, d.Logging.Level)
	cfg.Logging.Level = strings.ToLower(cfg.Logging.Level)
}

// ollamaHost turns OLLAMA_HOST, which Ollama accepts as "host",
// "host:port" or a URL, into an endpoint URL. Empty stays empty.
func ollamaHost(v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return ""
	}
	if !strings.Contains(v, "://") {
		v = "http://" + v
	}
	u, err := url.Parse(v)
	if err != nil || u.Hostname() == "" {
		return v // validation reports it with the key's name
	}
	host, port := u.Hostname(), u.Port()
	if host == "0.0.0.0" || host == "::" { // a listen address, not one to dial
		host = "127.0.0.1"
	}
	if port == "" {
		port = "11434"
	}
	u.Host = net.JoinHostPort(host, port)
	u.Path = strings.TrimSuffix(u.Path, "/")
	return u.String()
}
