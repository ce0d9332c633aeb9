// Package corpus generates a deterministic synthetic LocalGPT workspace for
// the memory benchmarks: daily logs (memory/YYYY-MM-DD.md, entries headed
// "## HH:MM") and nested notes (headings, paragraphs, lists, fenced code,
// some accented and CJK text).
package corpus

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// generator holds the random source and vocabulary of one corpus.
type generator struct {
	r     *rand.Rand
	zipf  *rand.Zipf
	vocab []string
}

// The vocabulary follows Zipf's law like English text: stop words take
// the top ranks, the domain words a personal knowledge base is searched
// for sit at ranks 150 to about 1,500 (each about 0.01-0.03% of words, as
// ordinary nouns are in English), and invented words fill the long tail.
var (
	stopWords = strings.Fields(`the a of to and in is it for on with as that this be are was we
	at by from or have not will can but an`)
	domainWords = strings.Fields(`meeting project notes deploy review plan budget
	server database search index memory config release bug fix test design user customer
	team call email idea decision todo follow-up weekly report draft api latency cache
	kubernetes postgres golang python migration backup invoice travel dentist groceries`)
	accented = strings.Fields("café naïve résumé Zürich São Paulo Ångström crème brûlée façade jalapeño")
	cjk      = []string{"日本語のメモ", "会議の議事録", "東京で打ち合わせ", "中文笔记", "数据库迁移", "한국어 메모"}
)

func newGenerator(seed uint64) *generator {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	g := &generator{r: r}
	g.vocab = append(g.vocab, stopWords...)
	syll := strings.Fields("ka lo mi ne ta ri so vu be da fe gi ho ju ke la mo ni po qu re si tu ve wa xo ya ze")
	next := 0 // the next domain word, placed at rank 150 + 30*next
	for len(g.vocab) < 30000 {
		if next < len(domainWords) && len(g.vocab) == 150+30*next {
			g.vocab = append(g.vocab, domainWords[next])
			next++
			continue
		}
		n := 2 + r.IntN(3)
		var b strings.Builder
		for range n {
			b.WriteString(syll[r.IntN(len(syll))])
		}
		g.vocab = append(g.vocab, b.String())
	}
	g.zipf = rand.NewZipf(r, 1.07, 2, uint64(len(g.vocab)-1))
	return g
}

func (g *generator) word() string {
	switch g.r.IntN(400) {
	case 0:
		return accented[g.r.IntN(len(accented))]
	case 1:
		return cjk[g.r.IntN(len(cjk))]
	}
	return g.vocab[g.zipf.Uint64()]
}

func (g *generator) sentence(min, max int) string {
	n := min + g.r.IntN(max-min+1)
	w := make([]string, n)
	for i := range w {
		w[i] = g.word()
	}
	s := strings.Join(w, " ")
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[size:] + "."
}

func (g *generator) paragraph() string {
	n := 2 + g.r.IntN(5)
	s := make([]string, n)
	for i := range s {
		s[i] = g.sentence(6, 18)
	}
	return strings.Join(s, " ")
}

func (g *generator) list() string {
	var b strings.Builder
	for range 2 + g.r.IntN(6) {
		if g.r.IntN(4) == 0 {
			b.WriteString("- [ ] ")
		} else {
			b.WriteString("- ")
		}
		b.WriteString(g.sentence(3, 12))
		b.WriteByte('\n')
	}
	return b.String()
}

func (g *generator) code() string {
	var b strings.Builder
	b.WriteString("```go\n")
	for range 3 + g.r.IntN(10) {
		fmt.Fprintf(&b, "\t%s := %s(%q)\n", g.vocab[g.r.IntN(2000)], g.vocab[g.r.IntN(2000)], g.word())
	}
	b.WriteString("```\n")
	return b.String()
}

func (g *generator) block() string {
	switch g.r.IntN(10) {
	case 0, 1, 2:
		return g.list()
	case 3:
		return g.code()
	}
	return g.paragraph() + "\n"
}

// daily writes a log of several timestamped entries.
func (g *generator) daily(day time.Time, target int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", day.Format(time.DateOnly))
	minute := 7*60 + g.r.IntN(120)
	for b.Len() < target {
		fmt.Fprintf(&b, "## %02d:%02d\n\n", (minute/60)%24, minute%60)
		for range 1 + g.r.IntN(3) {
			b.WriteString(g.block())
			b.WriteByte('\n')
		}
		minute += 5 + g.r.IntN(90)
	}
	return b.String()
}

// note writes a document with nested sections.
func (g *generator) note(title string, target int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n%s\n\n", title, g.paragraph())
	for b.Len() < target {
		fmt.Fprintf(&b, "## %s\n\n", strings.TrimSuffix(g.sentence(2, 4), "."))
		for range 1 + g.r.IntN(3) {
			if g.r.IntN(3) == 0 {
				fmt.Fprintf(&b, "### %s\n\n", strings.TrimSuffix(g.sentence(1, 3), "."))
			}
			b.WriteString(g.block())
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// Generate writes a workspace of about files markdown files totalling
// about total bytes into out. The same seed always gives the same corpus.
func Generate(out string, files, total int, seed uint64) error {
	if files < 2 {
		return fmt.Errorf("corpus: need at least 2 files, got %d", files)
	}
	g := newGenerator(seed)
	avg := total / files
	dailies := files * 3 / 10
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -dailies)
	if err := os.MkdirAll(filepath.Join(out, "memory"), 0o755); err != nil {
		return err
	}
	write := func(rel, content string) error {
		p := filepath.Join(out, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		return os.WriteFile(p, []byte(content), 0o644)
	}
	// Sizes vary from a fifth to 1.7 times the target average; the last
	// entry of each file overshoots a little.
	size := func() int { return avg/5 + g.r.IntN(avg*3/2) }
	for i := range dailies {
		day := start.AddDate(0, 0, i)
		if err := write("memory/"+day.Format(time.DateOnly)+".md", g.daily(day, size())); err != nil {
			return err
		}
	}
	if err := write("MEMORY.md", g.note("Memory", 4000)); err != nil {
		return err
	}
	areas := []string{"projects", "people", "reading", "howto", "archive", "journal"}
	for i := range files - dailies - 1 {
		area := areas[g.r.IntN(len(areas))]
		sub := g.vocab[20+g.r.IntN(60)]
		name := fmt.Sprintf("%s/%s/note-%05d.md", area, sub, i)
		if err := write(name, g.note(strings.TrimSuffix(g.sentence(2, 5), "."), size())); err != nil {
			return err
		}
	}
	return nil
}
