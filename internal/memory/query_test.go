package memory

import (
	"context"
	"fmt"
	"math/bits"
	"strings"
	"testing"
)

// TestAllButOneTruthTable evaluates the all-but-one expression for every
// combination of present and missing parts, up to ten parts: it must hold
// exactly when at most one part is missing.
func TestAllButOneTruthTable(t *testing.T) {
	for k := 2; k <= 10; k++ {
		parts := make([]string, k)
		for i := range parts {
			parts[i] = fmt.Sprintf("p%d", i)
		}
		var b strings.Builder
		allButOne(&b, parts)
		expr := b.String()
		for mask := 0; mask < 1<<k; mask++ {
			has := func(name string) bool {
				var i int
				fmt.Sscanf(name, "p%d", &i)
				return mask&(1<<i) != 0
			}
			want := bits.OnesCount(uint(mask)) >= k-1
			if got := evalBool(t, expr, has); got != want {
				t.Fatalf("k=%d, present %0*b: %s gives %v, want %v", k, k, mask, expr, got, want)
			}
		}
	}
}

// evalBool evaluates an expression of names, AND, OR and parentheses
// (AND binds tighter, as in FTS5).
func evalBool(t *testing.T, expr string, has func(string) bool) bool {
	t.Helper()
	toks := strings.Fields(strings.NewReplacer("(", " ( ", ")", " ) ").Replace(expr))
	pos := 0
	var or func() bool
	atom := func() bool {
		tok := toks[pos]
		pos++
		if tok == "(" {
			v := or()
			if toks[pos] != ")" {
				t.Fatalf("unbalanced expression %s", expr)
			}
			pos++
			return v
		}
		return has(tok)
	}
	and := func() bool {
		v := atom()
		for pos < len(toks) && toks[pos] == "AND" {
			pos++
			v = atom() && v
		}
		return v
	}
	or = func() bool {
		v := and()
		for pos < len(toks) && toks[pos] == "OR" {
			pos++
			v = and() || v
		}
		return v
	}
	v := or()
	if pos != len(toks) {
		t.Fatalf("trailing tokens in %s", expr)
	}
	return v
}

// TestMostExprSize: the all-but-one expression of the most terms a query
// may have stays small (it was 2.2 MB for 400 words, quadratic), and
// doubling the terms about doubles it.
func TestMostExprSize(t *testing.T) {
	size := func(k int) int {
		words := make([]string, k)
		for i := range words {
			words[i] = fmt.Sprintf("word%02d", i)
		}
		return len(mostExpr(mustParse(t, strings.Join(words, " "))))
	}
	s16, s32 := size(MaxQueryTerms/2), size(MaxQueryTerms)
	if s32 > 3*s16 {
		t.Errorf("all-but-one of %d terms is %d bytes, of %d terms %d: grows faster than k log k", MaxQueryTerms, s32, MaxQueryTerms/2, s16)
	}
	if s32 > 4000 {
		t.Errorf("all-but-one of %d terms is %d bytes", MaxQueryTerms, s32)
	}
}

func TestQueryLimits(t *testing.T) {
	words := func(n int, w string) string { return strings.TrimSpace(strings.Repeat(w+" ", n)) }
	tests := []struct {
		name      string
		query     string
		terms     int
		noteHas   string // "" means no note
		lastStart string // the last term used starts so
	}{
		{"short", "deploy budget", 2, "", "budget"},
		{"32 terms", words(32, "alpha"), 32, "", "alpha"},
		{"33 terms", words(32, "alpha") + " omega", 32, "only the first 32 were searched (1 ignored)", "alpha"},
		{"1,600 words", words(1600, "ab"), 32, "first 1000 characters", "ab"},
		{"a long phrase counts once", `"` + words(20, "x") + `" ` + words(31, "y") + " z", 32, "1 ignored", "y"},
		{"1,000 characters exactly", strings.Repeat("é", 1000), 1, "", "é"},
		{"1,001 characters", strings.Repeat("é", 1001), 1, "first 1000 characters", "é"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			terms, note := parseQuery(tt.query)
			if len(terms) != tt.terms {
				t.Errorf("%d terms, want %d", len(terms), tt.terms)
			}
			if (tt.noteHas == "") != (note == "") || !strings.Contains(note, tt.noteHas) {
				t.Errorf("note %q, want one with %q", note, tt.noteHas)
			}
			if QueryNote(tt.query) != note {
				t.Errorf("QueryNote differs from parseQuery's note")
			}
			if last := terms[len(terms)-1].raw; !strings.HasPrefix(last, tt.lastStart) {
				t.Errorf("last term %q", last)
			}
			if n := len([]rune(strings.Join(rawTerms(terms), ""))); n > MaxQueryChars {
				t.Errorf("%d characters used", n)
			}
		})
	}
}

func rawTerms(ts []term) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.raw
	}
	return out
}

// TestLongQueries: queries of hundreds or thousands of words search (the
// all-but-one stage used to build a 2.2 MB expression for 400 words and
// fail with "Expression tree is too large" for 1,600), and an error never
// repeats the query.
func TestLongQueries(t *testing.T) {
	s := newTestStore(t, map[string]string{
		"two.md": "# Two\nThe review of the plan went well.\n",
		"one.md": "# One\nAnother review.\n",
	}, nil)
	mustReindex(t, s, false)
	for _, n := range []int{3, 33, 400, 1600} {
		// Words that are not in the index, then two that are: only the
		// all-but-one or OR stage can answer, as in the failing case.
		var q strings.Builder
		q.WriteString("review plan")
		for i := range n - 2 {
			fmt.Fprintf(&q, " zq%d", i)
		}
		rs, err := s.Search(context.Background(), q.String(), 10)
		if err != nil {
			t.Fatalf("%d words: %v", n, err)
		}
		if len(rs) == 0 || rs[0].File != "two.md" {
			t.Errorf("%d words: %v, want two.md first", n, files(rs))
		}
	}
	long := strings.Repeat("secretword ", 500)
	s.Close()
	_, err := s.Search(context.Background(), long, 10)
	if err == nil || strings.Contains(err.Error(), "secretword") {
		t.Errorf("search on a closed store: %v", err)
	}
}
