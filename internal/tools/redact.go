package tools

import (
	"cmp"
	"slices"
	"strings"

	"github.com/localgpt-go/localgpt/internal/config"
)

// minSecretLen is the shortest secret value redacted: shorter values are
// not credentials worth the name, and replacing them would mangle
// ordinary output.
const minSecretLen = 8

// redactor replaces LocalGPT's own credentials in tool results with their
// masked form, so that a model steered by a hostile web page cannot read
// an API key (read_file of config.toml, bash cat, …) and pass it on with
// web_fetch. A nil *redactor changes nothing.
type redactor struct {
	r *strings.Replacer
}

// newRedactor builds a redactor of the given secret values; empty and
// short values are ignored. It returns nil when nothing is left.
func newRedactor(values []string) *redactor {
	var keep []string
	for _, v := range values {
		if len(v) >= minSecretLen && !slices.Contains(keep, v) {
			keep = append(keep, v)
		}
	}
	if len(keep) == 0 {
		return nil
	}
	// Longer first: where one secret contains another, the whole of the
	// longer one is replaced.
	slices.SortFunc(keep, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	pairs := make([]string, 0, 2*len(keep))
	for _, v := range keep {
		pairs = append(pairs, v, config.MaskSecret(v))
	}
	return &redactor{r: strings.NewReplacer(pairs...)}
}

// redact returns s with every secret masked.
func (x *redactor) redact(s string) string {
	if x == nil {
		return s
	}
	return x.r.Replace(s)
}

// secretValues collects the credentials LocalGPT knows of: every config
// key tagged secret (providers' API keys, the server's token), after
// ${VAR} expansion and environment fallbacks, and the variables those
// fallbacks read.
func secretValues(c *config.Config, getenv func(string) string) []string {
	var out []string
	for _, k := range config.Keys() {
		if !k.Secret {
			continue
		}
		if v, err := c.Value(k.Name); err == nil {
			if s, ok := v.(string); ok {
				out = append(out, s)
			}
		}
	}
	for _, name := range secretEnv {
		out = append(out, getenv(name))
	}
	return out
}
