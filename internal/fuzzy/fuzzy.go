// Package fuzzy finds what a user probably meant: the known names nearest
// to a mistyped one, by edit distance. Config keys and model names use it
// for their "did you mean" hints.
package fuzzy

import (
	"sort"
	"strings"
)

// Distance is the Levenshtein distance between a and b, in bytes.
func Distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Nearest returns up to limit candidates that could be what name meant,
// closest first: those within a few edits of it (about one in four
// characters, ignoring case), and those that contain it or that it
// contains (a missing tag or prefix, "llama3" for "llama3.2:latest").
func Nearest(name string, candidates []string, limit int) []string {
	want := strings.ToLower(strings.TrimSpace(name))
	if want == "" || limit <= 0 {
		return nil
	}
	type hit struct {
		s string
		d int
	}
	var hits []hit
	seen := map[string]bool{}
	for _, c := range candidates {
		lc := strings.ToLower(c)
		if seen[c] || lc == want {
			continue
		}
		d := Distance(want, lc)
		switch {
		case d <= max(2, len(want)/4):
		case len(want) >= 3 && (strings.Contains(lc, want) || strings.Contains(want, lc) && len(lc) >= 3):
			d = len(want) // after the near typos
		default:
			continue
		}
		seen[c] = true
		hits = append(hits, hit{c, d})
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].d != hits[j].d {
			return hits[i].d < hits[j].d
		}
		return hits[i].s < hits[j].s
	})
	out := make([]string, 0, min(limit, len(hits)))
	for _, h := range hits[:min(limit, len(hits))] {
		out = append(out, h.s)
	}
	return out
}
