package config

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/pelletier/go-toml/v2"

	"github.com/localgpt-go/localgpt/internal/fuzzy"
)

// Key describes one dotted config key, such as "agent.default_model".
type Key struct {
	Name   string
	Type   reflect.Type
	Secret bool
	// Table is true for a section ("agent") rather than a value.
	Table bool
	index []int
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

var keyList = sync.OnceValue(func() []Key {
	var out []Key
	var walk func(prefix string, t reflect.Type, index []int)
	walk = func(prefix string, t reflect.Type, index []int) {
		for i := range t.NumField() {
			f := t.Field(i)
			name := strings.Split(f.Tag.Get("toml"), ",")[0]
			if name == "" || name == "-" {
				continue
			}
			full := joinKey(prefix, name)
			idx := append(slices.Clone(index), i)
			ft := f.Type
			st := ft
			if st.Kind() == reflect.Pointer {
				st = st.Elem()
			}
			// Structs that parse themselves from text (Duration) are values.
			isTable := st.Kind() == reflect.Struct && !reflect.PointerTo(st).Implements(textUnmarshaler)
			out = append(out, Key{Name: full, Type: ft, Secret: f.Tag.Get("secret") == "true", Table: isTable, index: idx})
			if isTable {
				walk(full, st, idx)
			}
		}
	}
	walk("", reflect.TypeFor[Config](), nil)
	return out
})

// Keys lists every key LocalGPT understands, sections included, in file order.
func Keys() []Key { return keyList() }

// LookupKey finds a key by its dotted name.
func LookupKey(name string) (Key, bool) {
	for _, k := range keyList() {
		if k.Name == name {
			return k, true
		}
	}
	return Key{}, false
}

// unknownKeyError explains an unknown key and suggests the closest known one.
func unknownKeyError(name string) error {
	msg := fmt.Sprintf("unknown key %q", name)
	if s := suggestKey(name); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	return fmt.Errorf("%s (`localgpt config show` lists every key)", msg)
}

// suggestKey returns the known key nearest to name, if it is near enough
// to be a plausible typo: a few edits over the whole key, or over the last
// part within the right section.
func suggestKey(name string) string {
	section, leaf := splitKey(name)
	best, bestDist := "", max(2, len(name)/5)+1
	for _, k := range keyList() {
		d := fuzzy.Distance(name, k.Name)
		if ks, kl := splitKey(k.Name); ks == section && section != "" {
			if ld := fuzzy.Distance(leaf, kl); ld <= max(1, len(leaf)/3) {
				d = min(d, ld)
			}
		}
		if d < bestDist {
			best, bestDist = k.Name, d
		}
	}
	return best
}

func splitKey(name string) (section, leaf string) {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[:i], name[i+1:]
	}
	return "", name
}

// Value returns the value of key in c: a scalar, a slice, or a section
// struct. A section that is not set (such as heartbeat.active_hours when
// absent) yields nil.
func (c *Config) Value(name string) (any, error) {
	k, ok := LookupKey(name)
	if !ok {
		return nil, unknownKeyError(name)
	}
	v, err := reflect.ValueOf(c).Elem().FieldByIndexErr(k.index)
	if err != nil { // through a nil pointer: the section is not set
		return nil, nil
	}
	if v.Kind() == reflect.Pointer && v.IsNil() {
		return nil, nil
	}
	return v.Interface(), nil
}

// literal turns what a user typed on the command line into the TOML
// literal for key k, checking that it has the key's type.
func literal(k Key, raw string) (string, error) {
	if k.Table && k.Type.Kind() != reflect.Pointer {
		return "", fmt.Errorf("%s is a section; set one of its keys, such as %s", k.Name, firstChild(k.Name))
	}
	var v any
	switch {
	case k.Type == reflect.TypeFor[Duration]():
		var d Duration
		if err := d.UnmarshalText([]byte(raw)); err != nil {
			return "", err
		}
		v = raw
	case k.Type.Kind() == reflect.String:
		v = raw
	case k.Type.Kind() == reflect.Int:
		n, err := strconv.Atoi(strings.ReplaceAll(raw, "_", ""))
		if err != nil {
			return "", fmt.Errorf("expected a whole number, got %q", raw)
		}
		v = n
	case k.Type.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return "", fmt.Errorf("expected true or false, got %q", raw)
		}
		v = b
	case k.Type.Kind() == reflect.Slice:
		if strings.HasPrefix(strings.TrimSpace(raw), "[") {
			return checkedLiteral(k, raw)
		}
		list := []string{}
		for _, s := range strings.Split(raw, ",") {
			if s = strings.TrimSpace(s); s != "" {
				list = append(list, s)
			}
		}
		v = list
	default: // an optional section written as an inline table
		if !strings.HasPrefix(strings.TrimSpace(raw), "{") {
			return "", fmt.Errorf("expected an inline table such as %s", exampleInline(k))
		}
		return checkedLiteral(k, raw)
	}
	return FormatValue(v), nil
}

// FormatValue writes a string, number, bool or string list as a TOML literal.
// Strings use double quotes, as in the template; JSON string escapes are
// all valid TOML escapes.
func FormatValue(v any) string {
	switch x := v.(type) {
	case string:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(x)
		return strings.TrimSpace(buf.String())
	case []string:
		parts := make([]string, len(x))
		for i, s := range x {
			parts[i] = FormatValue(s)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprint(v)
}

// checkedLiteral accepts raw TOML as the value if it decodes into k's type.
func checkedLiteral(k Key, raw string) (string, error) {
	target := reflect.New(reflect.StructOf([]reflect.StructField{{
		Name: "V", Type: k.Type, Tag: `toml:"v"`,
	}}))
	dec := toml.NewDecoder(strings.NewReader("v = " + raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(target.Interface()); err != nil {
		return "", fmt.Errorf("%q is not a valid value: %v", raw, err)
	}
	return strings.TrimSpace(raw), nil
}

func firstChild(section string) string {
	for _, k := range keyList() {
		if strings.HasPrefix(k.Name, section+".") && !k.Table {
			return k.Name
		}
	}
	return section + ".…"
}

func exampleInline(k Key) string {
	if k.Name == "heartbeat.active_hours" {
		return `'{ start = "09:00", end = "22:00" }'`
	}
	return "'{ key = \"value\" }'"
}
