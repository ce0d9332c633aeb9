package memory

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

var searchFiles = map[string]string{
	"MEMORY.md": "# Memory\n\n## People\n\nAlice is our DBA; she owns the Postgres clusters.\n",
	"projects/search.md": "# Search service\n\n## Decisions\n\nKeep BM25 ranking. The café menu needs naïve matching.\n\n" +
		"## Open questions\n\nDo we need 日本語のドキュメント support? Who owns the reconfiguration tooling?\n",
	"memory/2026-03-09.md": "# 2026-03-09\n\n## 10:00\n\nDeploy of the billing service went fine.\n",
	"memory/2025-03-10.md": "# 2025-03-10\n\n## 10:00\n\nDeploy of the billing service failed; rolled back.\n",
	"notes/e-mail.md":      "# E-mail\n\nThe e-mail relay is mail.example.com:25; see C++ notes (AND/OR logic).\n",
	".hidden/secret.md":    "# Hidden\n\nDeploy tokens live here.\n",
	"memory/.draft.md":     "Deploy draft\n",
}

func TestSearchFindsAndMarks(t *testing.T) {
	s := newTestStore(t, searchFiles, nil)
	mustReindex(t, s, false)
	tests := []struct {
		query     string
		wantFirst string
		wantAll   []string // every result must be one of these, when set
		snippet   string   // the first result's snippet must contain this
	}{
		{"postgres", "MEMORY.md", nil, "«Postgres»"},
		{"postg", "MEMORY.md", nil, "«Postgres»"},                       // prefix
		{"cafe naive", "projects/search.md", nil, "«café»"},             // diacritics removed
		{`"billing service" fine`, "memory/2026-03-09.md", nil, "«"},    // phrase AND word
		{"日本語", "projects/search.md", nil, "«日本語»"},                     // CJK via trigram
		{"ドキュメント", "projects/search.md", nil, "«ドキュメント»"},               // CJK in the middle of a run
		{"configuration", "projects/search.md", nil, "«configuration»"}, // substring fallback
		{"e-mail", "notes/e-mail.md", nil, "«"},
		{"C++", "notes/e-mail.md", nil, "«C»"},
		{"deploy", "memory/2026-03-09.md", []string{"memory/2026-03-09.md", "memory/2025-03-10.md"}, "«Deploy»"},
		{"alice zebra", "MEMORY.md", nil, "«Alice»"}, // AND finds nothing: OR
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			rs := mustSearch(t, s, tt.query, 10)
			if len(rs) == 0 {
				t.Fatalf("no results")
			}
			if rs[0].File != tt.wantFirst {
				t.Errorf("first result %s, want %s (all: %v)", rs[0].File, tt.wantFirst, files(rs))
			}
			for _, r := range rs {
				if tt.wantAll != nil && !slices.Contains(tt.wantAll, r.File) {
					t.Errorf("unexpected result %s", r.File)
				}
				if strings.Contains(r.File, ".hidden") || strings.Contains(r.File, ".draft") {
					t.Errorf("dot-file indexed: %s", r.File)
				}
				if r.Score <= 0 || r.Score > 1 {
					t.Errorf("score %v of %s is outside (0, 1]", r.Score, r.File)
				}
				if r.LineStart < 1 || r.LineEnd < r.LineStart || r.Content == "" {
					t.Errorf("bad result %+v", r)
				}
			}
			if !strings.Contains(rs[0].Snippet, tt.snippet) {
				t.Errorf("snippet %q does not contain %q", rs[0].Snippet, tt.snippet)
			}
		})
	}
}

func TestSearchSyntaxIsText(t *testing.T) {
	s := newTestStore(t, searchFiles, nil)
	mustReindex(t, s, false)
	// Each of these would be an FTS5 syntax error or change meaning if
	// passed through; here each is just words.
	for _, q := range []string{`AND`, `OR OR`, `NOT alice`, `alice NOT`, `"unbalanced`, `NEAR(alice postgres)`,
		`-alice`, `alice*`, `col:alice`, `(alice`, `alice)`, `^alice`, `+alice`, `"" alice`, `'alice'`, `alice AND OR postgres`} {
		if _, err := s.Search(context.Background(), q, 5); err != nil {
			t.Errorf("Search(%q): %v", q, err)
		}
	}
	// "NOT alice" still finds Alice: NOT is a word, not an operator.
	if rs := mustSearch(t, s, "NOT alice", 5); len(rs) == 0 || rs[0].File != "MEMORY.md" {
		t.Errorf("NOT alice: %v", files(rs))
	}
	for _, q := range []string{"", "   ", `""`, "- * : ( )"} {
		if _, err := s.Search(context.Background(), q, 5); !errors.Is(err, ErrEmptyQuery) {
			t.Errorf("Search(%q) = %v, want ErrEmptyQuery", q, err)
		}
	}
}

func TestRankingRecency(t *testing.T) {
	body := "# Day\n\n## 09:00\n\nRelease train departed with the kiwi feature.\n"
	s := newTestStore(t, map[string]string{
		"memory/2026-03-10.md": body, // today
		"memory/2026-02-08.md": body, // 30 days old: one half-life
		"memory/2025-03-10.md": body, // a year old
		"MEMORY.md":            "# Memory\n\n## Kiwi\n\nRelease train departed with the kiwi feature.\n",
		"projects/old.md":      "# Old\n\nRelease train departed with the kiwi feature.\n",
		"filler/1.md":          "# Filler\n\nNothing to see here.\n",
		"filler/2.md":          "# Filler\n\nStill nothing.\n",
		"filler/3.md":          "# Filler\n\nLunch menu.\n",
		"filler/4.md":          "# Filler\n\nWeather report.\n",
		"filler/5.md":          "# Filler\n\nParking.\n",
	}, nil)
	mustReindex(t, s, false)
	rs := mustSearch(t, s, "kiwi release", 10)
	got := files(rs)
	pos := func(f string) int { return slices.Index(got, f) }
	if len(got) != 5 {
		t.Fatalf("results %v", got)
	}
	for _, order := range [][2]string{
		{"memory/2026-03-10.md", "memory/2026-02-08.md"},
		{"memory/2026-02-08.md", "memory/2025-03-10.md"},
		{"MEMORY.md", "memory/2026-02-08.md"}, // MEMORY.md never decays
		{"projects/old.md", "memory/2025-03-10.md"},
	} {
		if pos(order[0]) > pos(order[1]) {
			t.Errorf("%s ranked below %s: %v", order[0], order[1], got)
		}
	}
	score := map[string]float64{}
	for _, r := range rs {
		score[r.File] = r.Score
	}
	if r := score["memory/2026-02-08.md"] / score["memory/2026-03-10.md"]; r < 0.45 || r > 0.55 {
		t.Errorf("a log one half-life old scores %.3f of today's, want about 0.5", r)
	}
}

func TestRankingBM25(t *testing.T) {
	s := newTestStore(t, map[string]string{
		"a.md": "# Notes\n\nPostgres postgres postgres tuning.\n",
		"b.md": "# Notes\n\nOne mention of postgres among many other words about the weather and lunch plans.\n",
		"c.md": "# Postgres\n\nHeading match only, plus tuning.\n",
	}, nil)
	mustReindex(t, s, false)
	rs := mustSearch(t, s, "postgres", 10)
	if len(rs) != 3 || rs[0].File != "a.md" || rs[2].File != "b.md" {
		t.Errorf("order %v, want a.md first and b.md last", files(rs))
	}
	for i := 1; i < len(rs); i++ {
		if rs[i].Score > rs[i-1].Score {
			t.Errorf("scores not descending: %v", rs)
		}
	}
}

func FuzzSearch(f *testing.F) {
	for _, q := range []string{"alice", `"a b`, `a AND (b OR c)`, `x:y NEAR/3 z*`, "日本", "\x00", "-*^+", `"""`, "a\"b\"c", "\xff\xfe"} {
		f.Add(q)
	}
	s := newTestStore(f, searchFiles, nil)
	mustReindex(f, s, false)
	f.Fuzz(func(t *testing.T, q string) {
		_, err := s.Search(context.Background(), q, 5)
		if err != nil && !errors.Is(err, ErrEmptyQuery) {
			t.Fatalf("Search(%q): %v", q, err)
		}
	})
}

func TestParseQuery(t *testing.T) {
	tests := []struct {
		in      string
		and, or string
	}{
		{"alice postgres", `"alice"* AND "postgres"*`, `"alice"* OR "postgres"*`},
		{`"new york" pizza`, `"new york" AND "pizza"*`, `"new york" OR "pizza"*`},
		{`"unbalanced quote`, `"unbalanced"* AND "quote"*`, `"unbalanced"* OR "quote"*`},
		{`"closed" "open`, `"closed" AND "open"*`, `"closed" OR "open"*`},
		{"e-mail", `"e mail"*`, `"e mail"*`},
		{"AND OR NOT", `"AND"* AND "OR" AND "NOT"*`, `"AND"* OR "OR" OR "NOT"*`},
		{"go", `"go"`, `"go"`},
		{`say "hi"there`, `"say"* AND "hi" AND "there"*`, `"say"* OR "hi" OR "there"*`},
	}
	for _, tt := range tests {
		terms, note := parseQuery(tt.in)
		if note != "" {
			t.Errorf("parseQuery(%q) note %q", tt.in, note)
		}
		if got := ftsExpr(terms, "AND"); got != tt.and {
			t.Errorf("AND(%q) = %s, want %s", tt.in, got, tt.and)
		}
		if got := ftsExpr(terms, "OR"); got != tt.or {
			t.Errorf("OR(%q) = %s, want %s", tt.in, got, tt.or)
		}
	}
}

// TestSearchAllButOneTerm: when no chunk holds every term, chunks holding
// all terms but one are found before chunks holding a single term.
func TestSearchAllButOneTerm(t *testing.T) {
	s := newTestStore(t, map[string]string{
		"two.md":   "# Two\nThe review of the plan went well.\n",
		"one-a.md": "# A\nAnother review.\n",
		"one-b.md": "# B\nA customer called.\n",
		"one-c.md": "# C\nThe plan changed.\n",
	}, nil)
	mustReindex(t, s, false)
	got := files(mustSearch(t, s, "review plan customer", 10))
	if len(got) != 1 || got[0] != "two.md" {
		t.Fatalf("got %v, want only the chunk with two of the three terms", got)
	}
	// With no chunk holding two of them, any one will do.
	got = files(mustSearch(t, s, "review customer zebra", 10))
	if len(got) != 3 {
		t.Fatalf("OR stage: got %v", got)
	}
	if mostExpr(mustParse(t, "a b")) != "" {
		t.Fatal("two terms have no all-but-one stage")
	}
	if e := mostExpr(mustParse(t, "deploy budget review")); e != `(("deploy"* OR "budget"*) AND ("deploy"* OR "review"*) AND ("budget"* OR "review"*))` {
		t.Fatalf("expr %s", e)
	}
}

func mustParse(t *testing.T, q string) []term {
	t.Helper()
	terms, note := parseQuery(q)
	if note != "" {
		t.Fatalf("parseQuery(%q) note %q", q, note)
	}
	return terms
}

// TestCommentOpenerInCodeHidesNothing: a note that writes "<!--" in a
// code span or a fenced block (how to comment in HTML, say) is indexed
// whole; comments themselves stay private.
func TestCommentOpenerInCodeHidesNothing(t *testing.T) {
	s := newTestStore(t, map[string]string{
		"MEMORY.md":            "# Notes\n\nHTML comments open with `<!--`.\n\n## Pets\n\nThe dog is called Rex.\n",
		"memory/2026-03-10.md": "```html\n<!-- header\n```\n\nThe cat is called Tom. <!-- private: the vet bill -->\n",
	}, nil)
	mustReindex(t, s, false)
	for _, q := range []string{"Rex", "Tom"} {
		if got := mustSearch(t, s, q, 5); len(got) != 1 {
			t.Fatalf("search %q: %d results, want 1", q, len(got))
		}
	}
	if got := mustSearch(t, s, "vet bill", 5); len(got) != 0 {
		t.Fatalf("a comment was indexed: %+v", got)
	}
}
