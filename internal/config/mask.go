package config

import "reflect"

// MaskSecret shows enough of a secret to recognise it and no more:
// "sk-…abcd". Short secrets are hidden entirely; empty stays empty.
func MaskSecret(s string) string {
	switch {
	case s == "":
		return ""
	case len(s) < 12:
		return "…" + "(hidden)"
	}
	return s[:3] + "…" + s[len(s)-4:]
}

// Masked returns a copy of c with every secret field masked, for display.
func (c *Config) Masked() *Config {
	out := *c
	if c.Heartbeat.ActiveHours != nil {
		ah := *c.Heartbeat.ActiveHours
		out.Heartbeat.ActiveHours = &ah
	}
	out.Tools.RequireApproval = append([]string(nil), c.Tools.RequireApproval...)
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
