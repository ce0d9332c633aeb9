package secret

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
)

// keyAlphabet is what API keys and tokens are made of.
const keyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// FuzzMaskNeverLeaks places a random key anywhere in random text, splits
// it with highlight marks and invisible characters as a search snippet
// would, wraps it in an error, and checks that no masked form holds the
// key whole, and that a URL carrying it (percent-encoded) is refused.
func FuzzMaskNeverLeaks(f *testing.F) {
	f.Add(uint64(1), "note: ", " end", uint64(0), false)
	f.Add(uint64(2), "…", "…", uint64(0x5a5a), true)
	f.Add(uint64(3), "sk-proj-", "«»", uint64(1<<63|1), false)
	f.Add(uint64(4), "", "", uint64(0xffffffffffffffff), true)
	f.Fuzz(func(t *testing.T, seed uint64, before, after string, marks uint64, asError bool) {
		r := rand.New(rand.NewPCG(seed, seed>>1|1))
		key := make([]byte, 16+r.IntN(100))
		for i := range key {
			key[i] = keyAlphabet[r.IntN(len(keyAlphabet))]
		}
		k := string(key)
		m := New(k, "another-configured-secret-0000")
		// Split the key as highlighting would: a mark before some bytes.
		var b strings.Builder
		for i := range len(k) {
			if marks>>(i%64)&1 == 1 {
				b.WriteString([]string{"«", "»", "\u200b", "\u00ad"}[(i/64+int(seed))%4])
			}
			b.WriteByte(k[i])
		}
		text := before + b.String() + after
		if asError {
			text = fmt.Errorf("provider said: %w", errors.New(text)).Error()
		}
		out := m.Mask(text)
		if strings.Contains(project(out).p, k) {
			t.Fatalf("the key came out whole:\nkey %q\nin  %q\nout %q", k, text, out)
		}
		if !m.Holds(text) {
			t.Fatalf("Holds is false for a text holding the key: %q", text)
		}
		if u := "https://evil.example/c?q=" + url.QueryEscape(before+k+after); !m.InURL(u) {
			t.Fatalf("InURL missed %q", u)
		}
	})
}
