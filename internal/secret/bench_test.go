package secret

import (
	"strings"
	"testing"
)

// result50KB is a 50 KB tool result (file listing lines) holding the
// given number of secrets, one highlighted as a search snippet would.
func result50KB(secrets int) string {
	var b strings.Builder
	line := "2025-01-31 10:42  notes/garden/tomatoes.md  «tomato» seedlings moved outside …\n"
	for i := 0; b.Len() < 50<<10; i++ {
		b.WriteString(line)
		if i%100 == 50 && secrets > 0 {
			secrets--
			if secrets%2 == 0 {
				b.WriteString("key " + openaiKey + "\n")
			} else {
				b.WriteString("token «" + token[:10] + "»" + token[10:] + "\n")
			}
		}
	}
	return b.String()
}

func BenchmarkMask(b *testing.B) {
	m := New(openaiKey, token, "sk-ant-api03-Hk4jG7fD2sA9qW5eR8tYxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")
	for _, c := range []struct {
		name    string
		secrets int
	}{{"50KB-clean", 0}, {"50KB-6-secrets", 6}} {
		s := result50KB(c.secrets)
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(s)))
			b.ReportAllocs()
			for b.Loop() {
				m.Mask(s)
			}
		})
	}
}

func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		New(openaiKey, token, "sk-ant-api03-Hk4jG7fD2sA9qW5eR8tYxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")
	}
}

// BenchmarkStream masks a 4 KB answer arriving in 3-byte deltas, as the
// HTTP server does for each streamed answer.
func BenchmarkStream(b *testing.B) {
	m := New(openaiKey, token, "sk-ant-api03-Hk4jG7fD2sA9qW5eR8tYxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")
	answer := strings.Repeat("The tomato seedlings go outside in May; water them daily. ", 80)[:4096]
	b.SetBytes(int64(len(answer)))
	b.ReportAllocs()
	for b.Loop() {
		s := m.Stream()
		for i := 0; i < len(answer); i += 3 {
			s.Next(answer[i:min(i+3, len(answer))])
		}
		s.Flush()
	}
}
