package config

import (
	"fmt"
	"strings"
	"time"
)

// Duration is a time.Duration written in config as a Go duration string
// ("30m", "1h30m", "90s"). It is a struct so that a bare number such as
// `interval = 30` is a type error rather than 30 nanoseconds.
type Duration struct{ time.Duration }

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration; write it like \"30m\", \"1h30m\" or \"90s\"", b)
	}
	d.Duration = v
	return nil
}

// MarshalText writes the duration the way a user would.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// String formats the duration without trailing zero units ("30m", not "30m0s").
func (d Duration) String() string {
	s := d.Duration.String()
	for _, zero := range []string{"m0s", "h0m"} {
		if strings.HasSuffix(s, zero) && len(s) > len(zero) {
			s = s[:len(s)-len(zero)+1]
		}
	}
	return s
}
