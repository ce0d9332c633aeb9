package memory

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/localgpt-go/localgpt/bench/corpus"
)

// snippetSQL is the snippet call ftsSnippet stands for.
const snippetSQL = `snippet(%s, -1, '` + MarkStart + `', '` + MarkEnd + `', '` + Ellipsis + `', 24)`

// searchExprs returns the chunks_fts expressions Search may match query
// with, built as candidates builds them: AND, all but one, OR.
func searchExprs(query string) []string {
	terms, _ := parseQuery(query)
	fts := shortUnspaced(terms)
	var out []string
	for _, e := range []string{ftsExpr(fts, "AND"), mostExpr(fts), ftsExpr(fts, "OR")} {
		if e != "" && !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out
}

// ftsTable is a small FTS5 table with chunks_fts's columns and tokenizer,
// for comparing ftsSnippet with SQLite on any text.
type ftsTable struct{ db *sql.DB }

func newFTSTable(t testing.TB) ftsTable {
	t.Helper()
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1) // one connection: one database
	if _, err := db.Exec(`CREATE VIRTUAL TABLE t USING fts5(heading, text, tokenize='unicode61 remove_diacritics 2');
		CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')`); err != nil {
		t.Fatal(err)
	}
	return ftsTable{db}
}

// snippet stores the row (heading, text) alone in the table and returns
// SQLite's snippet of it for expr, and whether the row matches expr.
func (f ftsTable) snippet(t testing.TB, heading, text, expr string) (string, bool) {
	t.Helper()
	if _, err := f.db.Exec(`DELETE FROM t; INSERT INTO t(rowid, heading, text) VALUES(1, ?, ?)`, heading, text); err != nil {
		t.Fatal(err)
	}
	var s sql.NullString
	err := f.db.QueryRow(`SELECT `+fmt.Sprintf(snippetSQL, "t")+` FROM t WHERE t MATCH ?`, expr).Scan(&s)
	if err == sql.ErrNoRows {
		return "", false
	}
	if err != nil {
		t.Fatalf("snippet of %q for %q: %v", text, expr, err)
	}
	return s.String, true
}

// compareSnippet fails when ftsSnippet differs from SQLite's snippet of
// (heading, text) for expr; it reports whether the row matched.
func compareSnippet(t testing.TB, f ftsTable, heading, text, expr string) bool {
	t.Helper()
	want, ok := f.snippet(t, heading, text, expr)
	if !ok {
		return false
	}
	if got := ftsSnippet([]string{heading, text}, ftsPhrases(expr)); got != want {
		t.Errorf("snippet of heading %q text %q for %s:\n got %q\nwant %q", heading, text, expr, got, want)
	}
	return true
}

// TestSnippetMatchesFTS5 compares ftsSnippet with FTS5's snippet() for
// every chunk of a generated corpus that the benchmark queries' search
// expressions match, on the real index.
func TestSnippetMatchesFTS5(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "corpus")
	if err := corpus.Generate(dir, 300, 1_500_000, 3); err != nil {
		t.Fatal(err)
	}
	s := newTestStoreAt(t, dir)
	mustReindex(t, s, false)
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: s.opts.IndexPath}).EscapedPath()+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	queries := append(slices.Clone(benchQueries), "plan", "the customer review", `"budget review"`, "a b c", "deploy postgres latency invoice")
	compared := 0
	for _, q := range queries {
		for _, expr := range searchExprs(q) {
			phrases := ftsPhrases(expr)
			rows, err := db.Query(`SELECT c.heading, c.text, `+fmt.Sprintf(snippetSQL, "chunks_fts")+`
				FROM chunks_fts JOIN chunks c ON c.id = chunks_fts.rowid WHERE chunks_fts MATCH ?`, expr)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for rows.Next() {
				var heading, text string
				var want sql.NullString
				if err := rows.Scan(&heading, &text, &want); err != nil {
					t.Fatal(err)
				}
				n++
				if got := ftsSnippet([]string{heading, text}, phrases); got != want.String {
					t.Errorf("%s: snippet of heading %q text %q:\n got %q\nwant %q", expr, heading, text, got, want.String)
				}
			}
			if err := rows.Close(); err != nil {
				t.Fatal(err)
			}
			compared += n
		}
	}
	if compared < 1000 {
		t.Fatalf("only %d snippets compared: the corpus or the queries changed", compared)
	}
	t.Logf("%d snippets compared", compared)
}

// newTestStoreAt opens an index for an existing workspace.
func newTestStoreAt(t testing.TB, ws string) *Store {
	t.Helper()
	s, err := Open(context.Background(), Options{Workspace: ws, IndexPath: filepath.Join(t.TempDir(), "memory.sqlite")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestSnippetHardCases compares ftsSnippet with FTS5's snippet() on text
// chosen to reach every branch of the algorithm and the tokenizer.
func TestSnippetHardCases(t *testing.T) {
	long := strings.Repeat("filler words go here. ", 30)
	cases := []struct{ name, heading, text, query string }{
		{"accents", "Café", "Le café était très crème, CAFÉ noir; cafe au lait.", "café"},
		{"accents folded in the query", "", "Résumé: the naïve coöperation of Zoë.", "resume naive cooperation zoe"},
		{"upper case", "", "DEPLOY the BUDGET, Deploy it now, deploy.", "deploy budget"},
		{"cjk run", "会議", "今日は 会議の議事録を書いた。東京で打ち合わせ。会議", "会議"},
		{"short cjk", "", "東京で打ち合わせ 東京 東", "東京"},
		{"digits", "", "Version 2026.03 of build 42 shipped; 42 tests, 4242 lines.", "42 2026"},
		{"punctuation only", "!!!", "... --- ;;; ???", "deploy"},
		{"empty heading", "", "deploy", "deploy"},
		{"one token", "x", "deploy", "deploy"},
		{"long", "", long + "the deploy budget was set. " + long + "deploy again. " + long, "deploy budget"},
		{"heading better than text", "Deploy budget review", "the budget " + long, "deploy budget review"},
		{"text better than heading", "Deploy", "deploy budget review " + long, "deploy budget review"},
		{"phrase across punctuation", "", "the deploy-of the day; deploy, of course. deploy of", `"deploy of"`},
		{"repeated phrases", "", long + "review. plan the customer. " + long + "customer review plan", "review plan customer"},
		{"four terms", "", long + "alpha beta. gamma delta. " + long + "alpha gamma delta", "alpha beta gamma delta"},
		{"five terms", "Notes", "one two three four five six. " + long + " one three five", "one two three four five"},
		{"sentence starts", "", "First part: here. Second: deploy now.   Third. deploy\n\ndeploy " + long, "deploy"},
		{"prefix", "", "deployment deployed deploys redeploy deploy", "deploy"},
		{"two-letter exact", "", "go gone going go", "go"},
		{"overlapping instances", "", "aaa aaa aaa aaa bbb aaa", `"aaa aaa" aaa`},
		{"query with quotes", "", `say "hello" world`, `"say hello" world`},
		{"combining marks", "", "cafe\u0301 e\u0301tude \u0301alone", "café etude alone"},
		{"diacritic letters", "", "ǅemal ŉ ǰ ẞtraße ǈ", "ǆemal ẞtraße ǉ"},
		{"deseret", "", "𐐀𐐨 𐐨𐐀", "𐐨𐐨"},
		{"invalid utf8", "", "abc\xff\xfe deploy \xc3 ab\x80cd deploy", "deploy"},
		{"nul byte", "", "first\x00 deploy then deploy", "deploy"},
		{"or stage", "", "kubernetes backup" + long, "kubernetes backup zzzznotaword"},
		{"exactly 24 tokens", "", strings.Repeat("w ", 23) + "deploy", "deploy"},
		{"25 tokens", "", strings.Repeat("w ", 24) + "deploy.", "deploy"},
		{"whitespace edges", "  head  ", "\n\n  deploy  \n\n", "deploy"},
	}
	f := newFTSTable(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			matched := 0
			for _, expr := range searchExprs(c.query) {
				if compareSnippet(t, f, c.heading, c.text, expr) {
					matched++
				}
			}
			if matched == 0 && c.name != "punctuation only" {
				t.Errorf("no expression of %q matched: the case tests nothing", c.query)
			}
		})
	}
}

// TestUnicode61MatchesSQLite tokenizes every code point, alone and after a
// letter, with u61Tokenize and with SQLite, and compares the tokens. Under
// the race detector (where it would take a minute and a half) it takes
// every 61st; scripts/test also runs it whole, without.
func TestUnicode61MatchesSQLite(t *testing.T) {
	f := newFTSTable(t)
	step := 1
	if raceOn || testing.Short() {
		step = 61
	}
	const batch = 8192
	for lo := 0x80; lo <= 0x10FFFF; lo += batch * step {
		var b []byte
		for c := lo; c < lo+batch*step && c <= 0x10FFFF; c += step {
			// Surrogates are written raw: SQLite reads them as U+FFFD.
			enc := utf8.AppendRune(nil, rune(c))
			if c >= 0xD800 && c <= 0xDFFF {
				enc = []byte{0xED, byte(0x80 | (c>>6)&0x3F), byte(0x80 | c&0x3F)}
			}
			b = append(b, ' ')
			b = append(b, enc...)
			b = append(b, " x"...)
			b = append(b, enc...)
		}
		text := string(b)
		if _, err := f.db.Exec(`DELETE FROM t; INSERT INTO t(rowid, heading, text) VALUES(1, '', ?)`, text); err != nil {
			t.Fatal(err)
		}
		rows, err := f.db.Query(`SELECT term FROM v WHERE col = 'text' ORDER BY offset`)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for rows.Next() {
			var term string
			if err := rows.Scan(&term); err != nil {
				t.Fatal(err)
			}
			want = append(want, term)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		toks, buf := u61Tokenize(text, nil, nil)
		got := make([]string, len(toks))
		for i, tk := range toks {
			got[i] = string(buf[tk.fs:tk.fe])
		}
		if !slices.Equal(got, want) {
			for i := range min(len(got), len(want)) {
				if got[i] != want[i] {
					t.Fatalf("code points from %#x: token %d is %q (% x), SQLite's %q (% x)", lo, i, got[i], got[i], want[i], want[i])
				}
			}
			t.Fatalf("code points from %#x: %d tokens, SQLite %d", lo, len(got), len(want))
		}
	}
}

// FuzzSnippetMatchesFTS5 compares ftsSnippet with FTS5's snippet() for
// any heading, text and query, through the expressions Search builds.
func FuzzSnippetMatchesFTS5(f *testing.F) {
	f.Add("Café", "Le café était très crème. CAFÉ noir: cafe au lait.", "café noir")
	f.Add("", "今日は会議の議事録を書いた。東京で打ち合わせ。", "会議の議事録 東京")
	f.Add("Deploy budget", "The deploy of the budget: review plan customer. Deploy again.", `"deploy of" budget`)
	f.Add("x", strings.Repeat("alpha beta gamma. ", 20)+"delta", "alpha gamma delta beta")
	f.Add("", "abc\xff\xfe deploy \xc3 ab\x80cd\x00 deploy", "deploy ab")
	f.Add("", "cafe\u0301 e\u0301tude 𐐀𐐨 ǅemal", "etude 𐐨𐐨 dzemal")
	tbl := newFTSTable(f)
	f.Fuzz(func(t *testing.T, heading, text, query string) {
		if len(heading)+len(text) > 4000 || len(query) > 200 {
			return
		}
		for _, expr := range searchExprs(query) {
			// SQLite scores a snippet in time quadratic in the number of
			// phrase instances: a text of one word repeated, searched for
			// with that word written many times, takes it minutes.
			if countInstances([]string{heading, text}, ftsPhrases(expr)) > 2000 {
				continue
			}
			compareSnippet(t, tbl, heading, text, expr)
		}
	})
}

// countInstances counts the phrase instances in cols.
func countInstances(cols []string, phrases []ftsPhrase) int {
	n := 0
	for _, c := range cols {
		toks, buf := u61Tokenize(c, nil, nil)
		n += len(findInstances(toks, buf, phrases))
	}
	return n
}
