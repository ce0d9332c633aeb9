package config

import (
	"bytes"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// document locates every key of a TOML file by byte offset, so that
// `config set` can change one value in place and keep the user's comments
// and layout, and so that validation errors can name a line.
type document struct {
	data []byte
	// keys maps a dotted key to where its `key = value` stands.
	keys map[string]span
	// tables maps a [table] header to the offset where a new key of that
	// table can be inserted (after its last key line).
	tables map[string]int
}

// span is the byte range of one `key = value` and its 1-based line.
type span struct {
	start, end int
	keyEnd     int // offset just past the key, before '='
	line, col  int // of the value
	kind       unstable.Kind
	inline     bool // inside an inline table
}

func parseDocument(data []byte) (*document, error) {
	doc := &document{data: data, keys: map[string]span{}, tables: map[string]int{}}
	var p unstable.Parser
	p.Reset(data)
	table := ""
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			name, end := keyPath(&p, e.Key())
			table = name
			doc.tables[table] = lineEnd(data, end)
		case unstable.KeyValue:
			doc.addKeyValue(&p, table, e, false)
			doc.tables[table] = lineEnd(data, int(e.Raw.Offset+e.Raw.Length))
		}
	}
	if err := p.Error(); err != nil {
		return nil, err
	}
	return doc, nil
}

func (d *document) addKeyValue(p *unstable.Parser, prefix string, kv *unstable.Node, inline bool) {
	name, keyEnd := keyPath(p, kv.Key())
	full := joinKey(prefix, name)
	start := int(kv.Raw.Offset)
	v := kv.Value()
	sp := span{start: start, end: start + int(kv.Raw.Length), keyEnd: keyEnd, kind: v.Kind, inline: inline}
	at := p.Shape(kv.Raw).Start
	sp.line, sp.col = at.Line, at.Column
	if v.Raw.Length > 0 {
		at = p.Shape(v.Raw).Start
		sp.line, sp.col = at.Line, at.Column
	}
	d.keys[full] = sp
	if v.Kind == unstable.InlineTable {
		for it := v.Children(); it.Next(); {
			if c := it.Node(); c.Kind == unstable.KeyValue {
				d.addKeyValue(p, full, c, true)
			}
		}
	}
}

// keyPath joins a (possibly dotted) key and returns the offset after it.
func keyPath(p *unstable.Parser, it unstable.Iterator) (string, int) {
	var parts []string
	end := 0
	for it.Next() {
		n := it.Node()
		parts = append(parts, string(n.Data))
		end = int(n.Raw.Offset + n.Raw.Length)
	}
	return strings.Join(parts, "."), end
}

func joinKey(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// lineEnd returns the offset just past the newline that ends the line
// containing off (or len(data) on the last line).
func lineEnd(data []byte, off int) int {
	if i := bytes.IndexByte(data[off:], '\n'); i >= 0 {
		return off + i + 1
	}
	return len(data)
}

// line returns the line of key, or of its nearest enclosing key or table.
func (d *document) line(key string) int {
	for k := key; k != ""; {
		if s, ok := d.keys[k]; ok {
			return s.line
		}
		if n := d.firstLineUnder(k); n > 0 {
			return n
		}
		i := strings.LastIndexByte(k, '.')
		if i < 0 {
			break
		}
		k = k[:i]
	}
	return 0
}

// firstLineUnder is the first line of a key inside table (such as
// mcp.servers.NAME, whose keys are all under its header), or 0.
func (d *document) firstLineUnder(table string) int {
	first := 0
	for k, s := range d.keys {
		if strings.HasPrefix(k, table+".") && (first == 0 || s.line < first) {
			first = s.line
		}
	}
	return first
}

// has reports whether the file sets key (or a table below it).
func (d *document) has(key string) bool {
	_, ok := d.keys[key]
	return ok
}

// sibling finds a key of section table written as a dotted key outside an
// inline table (not under its own [table] header), if there is one.
func (d *document) sibling(table string) (span, bool) {
	if table == "" {
		return span{}, false
	}
	if _, ok := d.tables[table]; ok {
		return span{}, false // a [table] header of its own: append there
	}
	best, found := span{}, false
	for k, sp := range d.keys {
		if sp.inline || !strings.HasPrefix(k, table+".") || strings.Contains(k[len(table)+1:], ".") {
			continue
		}
		if !found || sp.start > best.start {
			best, found = sp, true
		}
	}
	return best, found
}

// set returns the file's text with key set to the TOML literal value: in
// place when the key exists, else appended to its table, else in a new
// table at the end of the file.
func (d *document) set(key, literal string) []byte {
	var out bytes.Buffer
	if s, ok := d.keys[key]; ok {
		out.Write(d.data[:s.start])
		out.WriteString(strings.TrimSpace(string(d.data[s.start:s.keyEnd])))
		out.WriteString(" = " + literal)
		out.Write(d.data[s.end:])
		return out.Bytes()
	}
	table, leaf := "", key
	if i := strings.LastIndexByte(key, '.'); i >= 0 {
		table, leaf = key[:i], key[i+1:]
	}
	if sib, ok := d.sibling(table); ok {
		// The section is written with dotted keys ("openai.api_key = …"
		// under [providers]): add the key beside a sibling, in its style.
		keyText := strings.TrimSpace(string(d.data[sib.start:sib.keyEnd]))
		if i := strings.LastIndexByte(keyText, '.'); i >= 0 {
			keyText = keyText[:i+1] + leaf
		} else {
			keyText = leaf
		}
		at := lineEnd(d.data, sib.end)
		out.Write(d.data[:at])
		if at > 0 && d.data[at-1] != '\n' {
			out.WriteByte('\n')
		}
		out.WriteString(keyText + " = " + literal + "\n")
		out.Write(d.data[at:])
		return out.Bytes()
	}
	if at, ok := d.tables[table]; ok {
		out.Write(d.data[:at])
		if at > 0 && d.data[at-1] != '\n' {
			out.WriteByte('\n')
		}
		out.WriteString(leaf + " = " + literal + "\n")
		out.Write(d.data[at:])
		return out.Bytes()
	}
	out.Write(d.data)
	if len(d.data) > 0 && !bytes.HasSuffix(d.data, []byte("\n")) {
		out.WriteByte('\n')
	}
	if len(d.data) > 0 {
		out.WriteByte('\n')
	}
	out.WriteString("[" + table + "]\n" + leaf + " = " + literal + "\n")
	return out.Bytes()
}
