package config

import (
	"reflect"

	"github.com/localgpt-go/localgpt/internal/secret"
)

// MaskSecret shows enough of a secret to recognise it and no more:
// "sk-…abcd" (secret.Display). Short secrets are hidden entirely; empty
// stays empty.
func MaskSecret(s string) string { return secret.Display(s) }

// IsEnvReference reports whether s is only a reference to an environment
// variable, "${NAME}": it names where the secret is, and holds none (a
// default, "${NAME:-…}", may).
func IsEnvReference(s string) bool {
	m := envRef.FindStringSubmatchIndex(s)
	return m != nil && m[0] == 0 && m[1] == len(s) && m[4] < 0
}

// SecretEnv names the environment variables that hold credentials: the
// fallbacks of the keys tagged secret. bash never passes them on.
func SecretEnv() []string {
	return []string{"OPENAI_API_KEY", "ANTHROPIC_API_KEY", "LOCALGPT_API_TOKEN"}
}

// SecretValues lists the credentials c holds (every key tagged secret,
// after ${VAR} expansion and fallbacks) and those in the variables of
// SecretEnv, which may differ from the file's. Empty values are left out.
func (c *Config) SecretValues(getenv func(string) string) []string {
	var out []string
	root := reflect.ValueOf(c).Elem()
	for _, k := range Keys() {
		if !k.Secret {
			continue
		}
		if v, err := root.FieldByIndexErr(k.index); err == nil && v.String() != "" {
			out = append(out, v.String())
		}
	}
	for _, name := range SecretEnv() {
		if v := getenv(name); v != "" {
			out = append(out, v)
		}
	}
	return append(out, c.mcpSecretValues()...)
}

// Masked returns a copy of c with every secret field masked, for display.
func (c *Config) Masked() *Config {
	out := *c
	if c.Heartbeat.ActiveHours != nil {
		ah := *c.Heartbeat.ActiveHours
		out.Heartbeat.ActiveHours = &ah
	}
	out.Tools.RequireApproval = append([]string(nil), c.Tools.RequireApproval...)
	out.MCP.Servers = maskedMCP(c.MCP.Servers)
	root := reflect.ValueOf(&out).Elem()
	for _, k := range Keys() {
		if !k.Secret {
			continue
		}
		if v, err := root.FieldByIndexErr(k.index); err == nil {
			v.SetString(MaskSecret(v.String()))
		}
	}
	return &out
}

// IsSecret reports whether the dotted key holds a secret.
func IsSecret(name string) bool {
	k, ok := LookupKey(name)
	return ok && k.Secret
}
