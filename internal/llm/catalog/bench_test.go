package catalog

import (
	"context"
	"testing"
)

// BenchmarkResolve measures what a turn pays to resolve its model name:
// a name the rules decide (no listing), and a bare name that needs the
// listings, with the listings cached (the hot path) and with the cache
// emptied each time (a cold process: two loopback listings).
func BenchmarkResolve(b *testing.B) {
	w := newWorld(b, true, false)
	ctx := context.Background()
	for _, bc := range []struct {
		name, model string
		cold        bool
	}{
		{"decided-by-prefix", "openai/fake-small", false},
		{"decided-by-family", "gpt-4o", false},
		{"listed-cached", "fake-small", false},
		{"listed-cold", "fake-small", true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c := w.catalog(nil)
			if _, err := c.Resolve(ctx, bc.model); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if bc.cold {
					c.Invalidate()
				}
				if _, err := c.Resolve(ctx, bc.model); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
