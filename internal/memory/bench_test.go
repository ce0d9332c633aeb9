package memory

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/bench/corpus"
)

// The benchmarks run on the synthetic corpus of bench/corpus. With
// LOCALGPT_BENCH_CORPUS set (bench/memory.sh sets it to a 10,000-file,
// 100 MB corpus) they use that folder; otherwise they generate a small
// corpus of LOCALGPT_BENCH_FILES files (default 1,000, about 10 MB).
func benchCorpus(b *testing.B) string {
	b.Helper()
	if dir := os.Getenv("LOCALGPT_BENCH_CORPUS"); dir != "" {
		return dir
	}
	n := 1000
	if v, err := strconv.Atoi(os.Getenv("LOCALGPT_BENCH_FILES")); err == nil && v > 1 {
		n = v
	}
	dir := filepath.Join(b.TempDir(), "corpus")
	if err := corpus.Generate(dir, n, n*10_000, 1); err != nil {
		b.Fatal(err)
	}
	return dir
}

// benchStore opens a fresh index over the corpus; indexed says whether to
// build it before the timer starts.
func benchStore(b testing.TB, dir string, indexed bool) *Store {
	b.Helper()
	s, err := Open(context.Background(), Options{Workspace: dir, IndexPath: filepath.Join(b.TempDir(), "memory.sqlite")})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if indexed {
		mustReindex(b, s, false)
	}
	return s
}

func BenchmarkFullIndex(b *testing.B) {
	dir := benchCorpus(b)
	var bytes int64
	for b.Loop() {
		b.StopTimer()
		s := benchStore(b, dir, false)
		b.StartTimer()
		st := mustReindex(b, s, false)
		bytes = st.Bytes
	}
	b.SetBytes(bytes)
}

func BenchmarkNoopReindex(b *testing.B) {
	s := benchStore(b, benchCorpus(b), true)
	for b.Loop() {
		if st := mustReindex(b, s, false); st.Indexed != 0 {
			b.Fatalf("no-op reindex indexed %d files", st.Indexed)
		}
	}
}

// BenchmarkRefreshNoop is the freshness check before a search when
// nothing changed (fresh.go): a stat per folder, no write.
func BenchmarkRefreshNoop(b *testing.B) {
	s := benchStore(b, benchCorpus(b), true)
	for b.Loop() {
		st, err := s.Refresh(context.Background())
		if err != nil || st.Indexed != 0 {
			b.Fatalf("no-op refresh: %+v %v", st, err)
		}
	}
}

func BenchmarkReindexOneChanged(b *testing.B) {
	dir := benchCorpus(b)
	s := benchStore(b, dir, true)
	path := filepath.Join(dir, "MEMORY.md")
	orig, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.WriteFile(path, orig, 0o644) })
	i := 0
	for b.Loop() {
		b.StopTimer()
		i++
		mt := time.Now().Add(time.Duration(i) * time.Second)
		os.WriteFile(path, append(slices.Clone(orig), []byte("\nchange "+strconv.Itoa(i)+"\n")...), 0o644)
		os.Chtimes(path, mt, mt)
		b.StartTimer()
		if st := mustReindex(b, s, false); st.Indexed != 1 {
			b.Fatalf("reindex after one change indexed %d files", st.Indexed)
		}
	}
}

// BenchmarkUpdateOneChanged is the watcher's path: reindex one named file.
func BenchmarkUpdateOneChanged(b *testing.B) {
	dir := benchCorpus(b)
	s := benchStore(b, dir, true)
	path := filepath.Join(dir, "MEMORY.md")
	orig, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.WriteFile(path, orig, 0o644) })
	i := 0
	for b.Loop() {
		b.StopTimer()
		i++
		mt := time.Now().Add(time.Duration(i) * time.Second)
		os.WriteFile(path, append(slices.Clone(orig), []byte("\nchange "+strconv.Itoa(i)+"\n")...), 0o644)
		os.Chtimes(path, mt, mt)
		b.StartTimer()
		if st, err := s.Update(context.Background(), []string{path}); err != nil || st.Indexed != 1 {
			b.Fatalf("update after one change: %+v %v", st, err)
		}
	}
}

// benchQueries are typical searches: common and rare words, a phrase, a
// prefix, an accented word, CJK, and one that only the OR stage answers.
var benchQueries = []string{
	"deploy budget", "postgres migration", `"deploy of"`, "kalomi", "review plan customer",
	"café", "会議の議事録", "latency cache", "invoice travel", "kubernetes backup zzzznotaword",
}

// BenchmarkSearch reports the latency of Search, p50 and p99 over the
// queries above.
func BenchmarkSearch(b *testing.B) {
	s := benchStore(b, benchCorpus(b), true)
	ctx := context.Background()
	var lat []time.Duration
	i := 0
	c0 := cpuTime()
	for b.Loop() {
		q := benchQueries[i%len(benchQueries)]
		i++
		t0 := time.Now()
		if _, err := s.Search(ctx, q, 10); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.ReportMetric(float64(cpuTime()-c0)/float64(b.N)/1e6, "cpu-ms/op")
	reportPercentiles(b, lat)
}

// BenchmarkSearchQuery is Search for each of the queries above alone,
// to see which of them the time goes to.
func BenchmarkSearchQuery(b *testing.B) {
	s := benchStore(b, benchCorpus(b), true)
	ctx := context.Background()
	for i, q := range benchQueries {
		b.Run(strconv.Itoa(i), func(b *testing.B) {
			c0 := cpuTime()
			for b.Loop() {
				if _, err := s.Search(ctx, q, 10); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-c0)/float64(b.N)/1e6, "cpu-ms/op")
		})
	}
}

// BenchmarkSearchFloor runs the same FTS5 queries straight against the
// database, without query building, snippets, joins or ranking: the floor
// Search is compared with.
func BenchmarkSearchFloor(b *testing.B) {
	s := benchStore(b, benchCorpus(b), true)
	ctx := context.Background()
	var exprs []string
	for _, q := range benchQueries {
		terms, _ := parseQuery(q)
		if e := ftsExpr(terms, "AND"); e != "" {
			exprs = append(exprs, e)
		}
	}
	var lat []time.Duration
	i := 0
	for b.Loop() {
		e := exprs[i%len(exprs)]
		i++
		t0 := time.Now()
		rows, err := s.ix.Load().r.QueryContext(ctx, "SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY rank LIMIT 10", e)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
		}
		rows.Close()
		lat = append(lat, time.Since(t0))
	}
	reportPercentiles(b, lat)
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
