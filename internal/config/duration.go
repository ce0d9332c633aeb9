package config

import (
	"fmt"
	"time"
)

// Duration is a time.Duration written in config as a Go duration string
// ("30m", "1h30m", "90s").
type Duration time.Duration

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration; write it like \"30m\", \"1h30m\" or \"90s\"", b)
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration the way a user would.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// String formats the duration without trailing zero units ("30m", not "30m0s").
func (d Duration) String() string {
	s := time.Duration(d).String()
	for _, suffix := range []string{"m0s", "h0m"} {
		if len(s) > len(suffix) && s[len(s)-len(suffix):] == suffix {
			s = s[:len(s)-len(suffix)+1]
		}
	}
	return s
}
