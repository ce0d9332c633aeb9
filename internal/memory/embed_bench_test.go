package memory

import (
	"context"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
)

// benchDims is the size of the benchmarks' vectors: nomic-embed-text's.
const benchDims = 768

// instantEmbedder answers at once with a pseudo-random unit-free vector
// seeded by the text: a provider that costs nothing, so what the
// benchmarks measure is LocalGPT's own share.
type instantEmbedder struct {
	dims int
	// delay is slept per call: a model that takes that long per batch.
	delay time.Duration
}

func (e instantEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	time.Sleep(e.delay)
	out := make([][]float32, len(texts))
	for i, t := range texts {
		h := fnv.New64a()
		h.Write([]byte(t))
		r := rand.New(rand.NewPCG(h.Sum64(), 1))
		v := make([]float32, e.dims)
		for k := range v {
			v[k] = float32(r.NormFloat64())
		}
		out[i] = v
	}
	return out, nil
}

func (e instantEmbedder) EmbedNow(ctx context.Context, texts []string) ([][]float32, error) {
	return e.Embed(ctx, texts)
}

// embeddedStore is a store over the corpus, indexed, with every chunk
// embedded by emb.
func embeddedStore(b *testing.B, dir string, emb Embedder) (*Store, EmbedStats) {
	b.Helper()
	s, err := Open(context.Background(), Options{Workspace: dir, IndexPath: b.TempDir() + "/memory.sqlite",
		Embedder: emb, EmbedModel: "bench/instant", EmbedBatch: 64})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	mustReindex(b, s, false)
	return s, mustEmbed(b, s)
}

// BenchmarkVectorScore is the brute force of a search by meaning: every
// vector of 70,000 chunks of 768 dimensions (int8) scored against the
// query, the best 30 kept, on one core. cpu-ms/op is the process's CPU
// time per search (what other load on the machine does not inflate).
func BenchmarkVectorScore(b *testing.B) {
	n := 70_000
	if v, err := strconv.Atoi(os.Getenv("LOCALGPT_BENCH_VECTORS")); err == nil && v > 0 {
		n = v
	}
	r := rand.New(rand.NewPCG(5, 6))
	set := randomSet(r, n, benchDims)
	q := make([]float32, benchDims)
	for i := range q {
		q[i] = float32(r.NormFloat64())
	}
	c0 := cpuTime()
	for b.Loop() {
		if len(set.top(q, 30)) != 30 {
			b.Fatal("fewer than 30 results")
		}
	}
	b.ReportMetric(float64(cpuTime()-c0)/float64(b.N)/1e6, "cpu-ms/op")
	b.ReportMetric(float64(n), "vectors")
}

// BenchmarkVectorLoad reads every vector of an index into memory, as a
// process does before its first search by meaning (and after the index
// changed).
func BenchmarkVectorLoad(b *testing.B) {
	s, st := embeddedStore(b, benchCorpus(b), instantEmbedder{dims: benchDims})
	ix := s.ix.Load()
	c0 := cpuTime()
	for b.Loop() {
		set, err := loadVecs(context.Background(), ix.r)
		if err != nil || len(set.ids) != st.Covered {
			b.Fatalf("loaded %d of %d vectors: %v", len(set.ids), st.Covered, err)
		}
	}
	b.ReportMetric(float64(cpuTime()-c0)/float64(b.N)/1e6, "cpu-ms/op")
	b.ReportMetric(float64(st.Covered), "vectors")
}

// BenchmarkEmbedPass embeds a whole corpus in batches of 32 with a
// provider that answers at once (in process), with the fake Ollama over
// loopback HTTP (the wire's JSON of 768 numbers per chunk included), and
// with a provider that takes 20 ms per batch (1,600 chunks/s): LocalGPT's
// own cost per chunk, which would bound the throughput only for a faster
// model, and how close a pass comes to the model's own pace. It also
// reports how much the index grows per chunk.
func BenchmarkEmbedPass(b *testing.B) {
	dir := benchCorpus(b)
	for _, name := range []string{"instant", "ollama-http", "model-20ms-per-batch"} {
		b.Run(name, func(b *testing.B) {
			var emb Embedder = instantEmbedder{dims: benchDims}
			switch name {
			case "model-20ms-per-batch":
				emb = instantEmbedder{dims: benchDims, delay: 20 * time.Millisecond}
			case "ollama-http":
				srv := llmtest.NewOllama(b)
				srv.SetModels(llmtest.Model{Name: "nomic-embed-text", Dims: benchDims})
				emb = newWireEmbedder(b, srv.URL, "nomic-embed-text")
			}
			var chunks int
			var grow, cpu int64
			var elapsed time.Duration
			for b.Loop() {
				b.StopTimer()
				s, err := Open(context.Background(), Options{Workspace: dir, IndexPath: b.TempDir() + "/memory.sqlite",
					Embedder: emb, EmbedModel: "bench/" + name, EmbedBatch: 32})
				if err != nil {
					b.Fatal(err)
				}
				mustReindex(b, s, false)
				before := indexBytes(b, s)
				b.StartTimer()
				t0, c0 := time.Now(), cpuTime()
				st := mustEmbed(b, s)
				elapsed += time.Since(t0)
				cpu += cpuTime() - c0
				b.StopTimer()
				chunks = st.Embedded
				grow = indexBytes(b, s) - before
				s.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(chunks)*float64(b.N)/elapsed.Seconds(), "chunks/s")
			b.ReportMetric(float64(cpu)/float64(chunks*b.N)/1e3, "cpu-µs/chunk")
			b.ReportMetric(float64(grow)/float64(chunks), "index-B/chunk")
		})
	}
}

// indexBytes is the size of the index with its WAL, checkpointed.
func indexBytes(b *testing.B, s *Store) int64 {
	b.Helper()
	ix := s.ix.Load()
	if _, err := ix.w.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		b.Fatal(err)
	}
	st, err := s.Stats(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	return st.IndexBytes
}

// BenchmarkHybridSearch is Find by words and meaning over the corpus, every
// chunk with a 768-dimension vector, the query's vector given at once:
// p50 and p99 over benchQueries. The first round embeds each query; the
// others find it in the cache.
func BenchmarkHybridSearch(b *testing.B) {
	s, st := embeddedStore(b, benchCorpus(b), instantEmbedder{dims: benchDims})
	ctx := context.Background()
	mustFind(b, s, "warm up", FindOptions{}) // reads the vectors
	var lat []time.Duration
	i := 0
	c0 := cpuTime()
	for b.Loop() {
		q := benchQueries[i%len(benchQueries)]
		i++
		t0 := time.Now()
		f, err := s.Find(ctx, q, FindOptions{Limit: 10})
		if err != nil || f.Mode != ModeHybrid {
			b.Fatal(f.Mode, err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.ReportMetric(float64(cpuTime()-c0)/float64(b.N)/1e6, "cpu-ms/op")
	reportPercentiles(b, lat)
	b.ReportMetric(float64(st.Covered), "vectors")
}

// BenchmarkFindEmbeddingsOff is Find without an Embedder, on the queries
// of BenchmarkSearch: the same work and allocations as Search.
func BenchmarkFindEmbeddingsOff(b *testing.B) {
	s := benchStore(b, benchCorpus(b), true)
	ctx := context.Background()
	var lat []time.Duration
	i := 0
	for b.Loop() {
		q := benchQueries[i%len(benchQueries)]
		i++
		t0 := time.Now()
		if _, err := s.Find(ctx, q, FindOptions{Limit: 10}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	reportPercentiles(b, lat)
}
