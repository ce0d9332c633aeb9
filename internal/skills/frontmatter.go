package skills

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/localgpt-go/localgpt/internal/clip"
)

// Limits of the Agent Skills format (agentskills.io/specification).
const (
	// MaxNameLen bounds a skill's name.
	MaxNameLen = 64
	// MaxDescriptionLen bounds a skill's description; longer ones load
	// with a warning and are cut in the prompt.
	MaxDescriptionLen = 1024
)

// Meta is a SKILL.md front matter: the YAML between the opening and the
// closing "---" lines. Keys other agents add are ignored.
type Meta struct {
	Name          string            `yaml:"name"`
	Description   string            `yaml:"description"`
	License       string            `yaml:"license"`
	Compatibility string            `yaml:"compatibility"`
	Metadata      map[string]string `yaml:"metadata"`
	AllowedTools  ToolList          `yaml:"allowed-tools"`
}

// ToolList is allowed-tools, written either as one space-separated string
// or as a YAML list of strings.
type ToolList []string

// UnmarshalYAML accepts both forms.
func (l *ToolList) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*l = strings.Fields(n.Value)
		return nil
	case yaml.SequenceNode:
		var list []string
		if err := n.Decode(&list); err != nil {
			return err
		}
		*l = list
		return nil
	}
	return fmt.Errorf("line %d: allowed-tools must be a string or a list of strings", n.Line)
}

var (
	// validName is the spec's rule: lowercase letters, digits and single
	// hyphens, not at either end.
	validName = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	yamlLine  = regexp.MustCompile(`line (\d+)`)
)

// Parse splits the text of a SKILL.md into its front matter and its
// markdown body. The file must open with a "---" line and close the front
// matter with another "---" (or "...") line; errors say which line of the
// file is wrong.
func Parse(data []byte) (Meta, string, error) {
	var m Meta
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	first, rest, _ := cutLine(data)
	if string(first) != "---" {
		return m, "", errors.New("it has no front matter: the file must start with a line '---', then 'name: …' and 'description: …', then '---'")
	}
	front, body, ok := closeFront(rest)
	if !ok {
		return m, "", errors.New("its front matter is not closed: add a line '---' after the name and description")
	}
	var node yaml.Node
	if err := yaml.Unmarshal(front, &node); err != nil {
		return m, "", fmt.Errorf("its front matter is not valid YAML: %s", fileLines(err))
	}
	if len(node.Content) == 0 {
		return m, "", errors.New("its front matter is empty: it needs 'name: …' and 'description: …'")
	}
	if node.Content[0].Kind != yaml.MappingNode {
		return m, "", errors.New("its front matter must be YAML 'key: value' lines, such as 'name: my-skill'")
	}
	if err := node.Decode(&m); err != nil {
		return Meta{}, "", fmt.Errorf("its front matter has a value of the wrong kind: %s", fileLines(err))
	}
	m.Name = strings.TrimSpace(m.Name)
	m.Description = strings.TrimSpace(m.Description)
	return m, string(body), nil
}

// check applies the format's rules to m; dir is the name of the skill's
// folder. A skill that breaks a rule it cannot do without (a usable name,
// a description) is an error; anything else is a warning.
func (m Meta) check(dir string) (warnings []string, err error) {
	switch {
	case m.Name == "":
		return nil, errors.New("its front matter has no name: add 'name: " + suggestName(dir) + "'")
	case len(m.Name) > MaxNameLen || !validName.MatchString(m.Name):
		return nil, fmt.Errorf("its name %q is not valid: use at most %d lowercase letters, digits and single hyphens, such as %q",
			clip.Runes(m.Name, 80, "…"), MaxNameLen, suggestName(m.Name))
	case m.Description == "":
		return nil, errors.New("its front matter has no description: add 'description: what the skill does and when to use it'")
	}
	if m.Name != dir {
		warnings = append(warnings, fmt.Sprintf("its name %q differs from its folder %q; it is used as %q", m.Name, dir, m.Name))
	}
	if n := len([]rune(m.Description)); n > MaxDescriptionLen {
		warnings = append(warnings, fmt.Sprintf("its description is %d characters; only the first %d are shown to the model", n, MaxDescriptionLen))
	}
	return warnings, nil
}

// suggestName turns s into a valid skill name, for advice.
func suggestName(s string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(r)
		default:
			hyphen = true
		}
		if b.Len() >= MaxNameLen {
			break
		}
	}
	if b.Len() == 0 {
		return "my-skill"
	}
	return strings.TrimSuffix(b.String(), "-")
}

// cutLine returns the first line of data (without its line ending and
// trailing blanks) and the rest.
func cutLine(data []byte) (line, rest []byte, found bool) {
	line, rest, found = bytes.Cut(data, []byte("\n"))
	return bytes.TrimRight(line, " \t\r"), rest, found
}

// closeFront finds the line closing the front matter in rest (the text
// after the opening "---") and returns what is before and after it.
func closeFront(rest []byte) (front, body []byte, ok bool) {
	for off := 0; off <= len(rest); {
		line, tail, found := cutLine(rest[off:])
		if s := string(line); s == "---" || s == "..." {
			return rest[:off], tail, true
		}
		if !found {
			break
		}
		off = len(rest) - len(tail)
	}
	return nil, nil, false
}

// fileLines rewrites the line numbers of a YAML error, which count from
// the first line of the front matter, as lines of the file (one more, for
// the opening "---").
func fileLines(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.ReplaceAll(msg, "unmarshal errors:\n  ", "")
	msg = strings.ReplaceAll(msg, "\n  ", "; ")
	return yamlLine.ReplaceAllStringFunc(msg, func(s string) string {
		n, _ := strconv.Atoi(strings.TrimPrefix(s, "line "))
		return "line " + strconv.Itoa(n+1)
	})
}
