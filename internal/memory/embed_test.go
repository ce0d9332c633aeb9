package memory

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/internal/llm"
	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
	"github.com/localgpt-go/localgpt/internal/llm/ollama"
)

// wireEmbedder is the Ollama adapter as the composition root uses it,
// against a fake Ollama at the wire level.
type wireEmbedder struct {
	p     llm.Embedder
	model string
}

func (w wireEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	return w.p.Embed(ctx, llm.EmbedRequest{Model: w.model, Input: texts})
}

func (w wireEmbedder) EmbedNow(ctx context.Context, texts []string) ([][]float32, error) {
	return w.Embed(ctx, texts)
}

// newWireEmbedder is an embedder of model at the Ollama at url, with no
// retries (so that failures are seen at once).
func newWireEmbedder(t testing.TB, url, model string) wireEmbedder {
	t.Helper()
	retry, _ := llmtest.Retry(0)
	p, err := ollama.New(ollama.Options{Endpoint: url, Retry: retry})
	if err != nil {
		t.Fatal(err)
	}
	return wireEmbedder{p: p, model: model}
}

// withEmbedder turns on embeddings with model at the fake srv.
func withEmbedder(t testing.TB, srv *llmtest.Server, model string, batch int) func(*Options) {
	return func(o *Options) {
		o.Embedder = newWireEmbedder(t, srv.URL, model)
		o.EmbedModel = "ollama/" + model
		o.EmbedBatch = batch
	}
}

func mustEmbed(t testing.TB, s *Store) EmbedStats {
	t.Helper()
	st, err := s.Embed(context.Background(), EmbedOptions{Wait: true})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func mustFind(t testing.TB, s *Store, q string, o FindOptions) Found {
	t.Helper()
	f, err := s.Find(context.Background(), q, o)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// chunkInputs counts the chunk texts the server was asked to embed (the
// queries are single inputs with no heading).
func chunkInputs(srv *llmtest.Server) int {
	n := 0
	for _, in := range srv.EmbedInputs() {
		if strings.Contains(in, "\n") {
			n++
		}
	}
	return n
}

var meaningFiles = map[string]string{
	"MEMORY.md":            "# Preferences\n\nI prefer tea to coffee.\n",
	"notes/family.md":      "# Family\n\nMarried Anna in 2019, in Lisbon.\n",
	"notes/work.md":        "# Work\n\nThe deploy to Kubernetes runs every Friday after the release review.\n",
	"notes/database.md":    "# Database\n\nThe Postgres migration needs a new schema for invoices.\n",
	"memory/2026-03-09.md": "# 2026-03-09\n\n## 10:00\n\nWalked the dog; the cat stayed home.\n",
}

func TestHybridFindsByMeaning(t *testing.T) {
	srv := llmtest.NewOllama(t)
	s := newTestStore(t, meaningFiles, withEmbedder(t, srv, "nomic-embed-text", 2))
	mustReindex(t, s, false)
	st := mustEmbed(t, s)
	if st.Embedded != 5 || st.Covered != 5 || st.Chunks != 5 || st.Requests != 3 {
		t.Fatalf("embed stats %+v, want 5 chunks embedded in 3 requests of 2", st)
	}
	cases := []struct {
		query, mode string
		first       string // "" for no result
	}{
		{"what do I drink in the morning", "hybrid", "MEMORY.md"},
		{"what do I drink in the morning", "vector", "MEMORY.md"},
		{"my partner's name", "hybrid", "notes/family.md"},
		{"when do we ship to production", "hybrid", "notes/work.md"},
		{"postgres", "hybrid", "notes/database.md"},
	}
	for _, tc := range cases {
		t.Run(tc.mode+" "+tc.query, func(t *testing.T) {
			f := mustFind(t, s, tc.query, FindOptions{Limit: 3, Mode: Mode(tc.mode)})
			if f.Mode != Mode(tc.mode) || f.TextOnly != "" {
				t.Errorf("mode %s, text only %q; want %s, none", f.Mode, f.TextOnly, tc.mode)
			}
			if tc.first == "" {
				if len(f.Results) != 0 {
					t.Errorf("words alone found %v", files(f.Results))
				}
				return
			}
			if len(f.Results) == 0 || f.Results[0].File != tc.first {
				t.Fatalf("results %v, want %s first", files(f.Results), tc.first)
			}
			for _, r := range f.Results {
				if r.Score <= 0 || r.Score > 1 || r.Content == "" || r.Snippet == "" {
					t.Errorf("result %+v: want a score in (0, 1], content and a snippet", r)
				}
			}
		})
	}
	if f := mustFind(t, s, "tea", FindOptions{}); f.Mode != ModeHybrid || f.Embedded != 5 || f.Chunks != 5 {
		t.Errorf("default mode %s, coverage %d/%d; want hybrid, 5/5", f.Mode, f.Embedded, f.Chunks)
	}
}

// Reciprocal rank fusion: a chunk that both rankings put first scores 1
// and leads; chunks only one of them finds follow, with half the score.
func TestFusion(t *testing.T) {
	srv := llmtest.NewOllama(t)
	s := newTestStore(t, map[string]string{
		"a.md": "# A\n\ntea, and more tea.\n",
		"b.md": "# B\n\nespresso at breakfast.\n",
		"c.md": "# C\n\ntea party in the garden with tomatoes and flowers and plants.\n",
		"d.md": "# D\n\nthe invoice budget.\n",
	}, withEmbedder(t, srv, "m", 8))
	mustReindex(t, s, false)
	mustEmbed(t, s)
	f := mustFind(t, s, "tea", FindOptions{Limit: 4})
	got := files(f.Results)
	if len(got) < 3 || got[0] != "a.md" || !slices.Contains(got, "b.md") || !slices.Contains(got, "c.md") {
		t.Fatalf("results %v: want a.md first (both rankings), b.md (by meaning) and c.md (by words)", got)
	}
	if f.Results[0].Score != 1 {
		t.Errorf("a.md scores %.3f, want 1 (first in both rankings)", f.Results[0].Score)
	}
	for _, r := range f.Results[1:] {
		if r.File == "b.md" && (r.Score > 0.51 || r.Score < 0.3) {
			t.Errorf("b.md, found by meaning alone, scores %.3f, want about 0.5", r.Score)
		}
	}
	// Recency decays fused scores too: yesterday's log at 1 day of a
	// 30-day half-life.
	mustAppend(t, s, "tea at breakfast", testNow.Add(-24*time.Hour))
	mustEmbed(t, s)
	for _, r := range mustFind(t, s, "tea", FindOptions{Limit: 5}).Results {
		if strings.HasPrefix(r.File, "memory/") && r.Score >= 0.99 {
			t.Errorf("yesterday's log scores %.3f: no recency decay", r.Score)
		}
	}
}

func mustAppend(t testing.TB, s *Store, text string, at time.Time) {
	t.Helper()
	if _, err := s.AppendDaily(context.Background(), text, at); err != nil {
		t.Fatal(err)
	}
}

// Five copies of one note do not fill the top three: the diversity pass
// brings up a related, different chunk that plain ranking puts sixth.
func TestDiversity(t *testing.T) {
	srv := llmtest.NewOllama(t)
	notes := map[string]string{"other.md": "# Other\n\ngreen tea grown in the garden.\n"}
	for i := range 5 {
		notes[fmt.Sprintf("dup%d.md", i)] = "# Tea\n\ntea tea tea.\n"
	}
	s := newTestStore(t, notes, withEmbedder(t, srv, "m", 8))
	mustReindex(t, s, false)
	mustEmbed(t, s)
	plain := files(mustSearch(t, s, "tea", 3))
	if slices.Contains(plain, "other.md") {
		t.Fatalf("the words alone rank other.md in the top 3 (%v): the test proves nothing", plain)
	}
	got := files(mustFind(t, s, "tea", FindOptions{Limit: 3}).Results)
	if !slices.Contains(got, "other.md") || !strings.HasPrefix(got[0], "dup") {
		t.Errorf("hybrid top 3 %v: want a copy first and other.md among them", got)
	}
}

// Never silent: an unreachable model, vectors of another model and
// missing vectors all say "text only" and why, and stats keep the error.
func TestTextOnlyIsSaid(t *testing.T) {
	srv := llmtest.NewOllama(t)
	s := newTestStore(t, meaningFiles, withEmbedder(t, srv, "m", 2))
	mustReindex(t, s, false)

	f := mustFind(t, s, "tea", FindOptions{})
	if f.Mode != ModeText || !strings.HasPrefix(f.TextOnly, "text only: no chunk has a vector yet") || len(f.Results) == 0 {
		t.Errorf("before any pass: mode %s, %q, %d results", f.Mode, f.TextOnly, len(f.Results))
	}
	// The model fails after the first batch: the pass keeps it, reports
	// the error, and searches say which chunks only words can find.
	var calls atomic.Int32
	srv.OnEmbed(func(r llmtest.Recorded) *llmtest.Reply {
		if calls.Add(1) > 1 {
			return &llmtest.Reply{Status: http.StatusInternalServerError, Error: "model runner crashed"}
		}
		return nil
	})
	_, err := s.Embed(context.Background(), EmbedOptions{})
	if err == nil || !strings.Contains(err.Error(), "model runner crashed") {
		t.Fatalf("pass error = %v, want the model's", err)
	}
	st, err := s.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	es := st.Embeddings
	if es == nil || es.Embedded != 2 || es.Chunks != 5 || !strings.Contains(es.LastError, "model runner crashed") || es.LastErrorAt.IsZero() || es.Dims != llmtest.ConceptDims() {
		t.Fatalf("stats %+v, want 2/5 embedded, the error and the size", es)
	}
	if es.VectorBytes != int64(2*(4+es.Dims+vecHashSize)) {
		t.Errorf("vector bytes %d", es.VectorBytes)
	}
	// The query cannot be embedded either now: text only, with the reason.
	f = mustFind(t, s, "tea", FindOptions{})
	if f.Mode != ModeText || !strings.HasPrefix(f.TextOnly, "text only: the embedding model did not answer") || !strings.Contains(f.TextOnly, "model runner crashed") {
		t.Errorf("model failing: mode %s, %q", f.Mode, f.TextOnly)
	}
	if _, err := s.Find(context.Background(), "tea", FindOptions{Mode: ModeVector}); err == nil || !strings.Contains(err.Error(), "vector search is not possible") {
		t.Errorf("vector mode with the model failing: %v", err)
	}
	// The model answers again: 2 of 5 chunks have vectors.
	srv.OnEmbed(nil)
	f = mustFind(t, s, "what do I drink", FindOptions{})
	if f.Mode != ModeHybrid || f.TextOnly != "text only for 3 of 5 chunks: they have no vector yet (the daemon computes them, or run `localgpt memory reindex`)" {
		t.Errorf("partial vectors: mode %s, %q", f.Mode, f.TextOnly)
	}
	if st := mustEmbed(t, s); st.Embedded != 3 || st.Covered != 5 {
		t.Errorf("second pass %+v, want the 3 others", st)
	}
	st, _ = s.Stats(context.Background())
	if st.Embeddings.LastError != "" || st.Embeddings.LastPass.IsZero() {
		t.Errorf("after a good pass: %+v", st.Embeddings)
	}
	if f := mustFind(t, s, "tea", FindOptions{}); f.TextOnly != "" {
		t.Errorf("all embedded, still %q", f.TextOnly)
	}
	// Unreachable.
	srv.Close()
	f = mustFind(t, s, "coffee", FindOptions{})
	if f.Mode != ModeText || !strings.Contains(f.TextOnly, "cannot reach the provider") || len(f.Results) == 0 {
		t.Errorf("unreachable: mode %s, %q, %d results", f.Mode, f.TextOnly, len(f.Results))
	}
}

// The query's vector is asked for once, then cached.
func TestQueryCache(t *testing.T) {
	srv := llmtest.NewOllama(t)
	s := newTestStore(t, meaningFiles, withEmbedder(t, srv, "m", 8))
	mustReindex(t, s, false)
	mustEmbed(t, s)
	srv.Forget()
	for range 3 {
		mustFind(t, s, "what do I drink", FindOptions{})
	}
	mustFind(t, s, "my partner", FindOptions{})
	if got := srv.EmbedInputs(); !slices.Equal(got, []string{"what do I drink", "my partner"}) {
		t.Errorf("queries embedded %q, want each once", got)
	}
	c := newQueryCache(2)
	c.put("a", []float32{1})
	c.put("b", []float32{2})
	c.get("a")
	c.put("c", []float32{3})
	if _, ok := c.get("b"); ok {
		t.Error("the least recently used query was kept")
	}
	if _, ok := c.get("a"); !ok {
		t.Error("a recently used query was dropped")
	}
}

// Only chunks whose text changed are embedded; a rebuild, in place or
// swapped in, keeps every vector.
func TestEmbedOnlyChangedText(t *testing.T) {
	for _, noLinks := range []bool{false, true} {
		t.Run(fmt.Sprintf("noLinks=%v", noLinks), func(t *testing.T) {
			srv := llmtest.NewOllama(t)
			body := "# Notes\n\n" + strings.Repeat("The deploy runs on Friday after the release review. ", 12) + "\n\n## Pets\n\nThe cat sleeps all day.\n"
			s := newTestStore(t, map[string]string{"notes.md": body, "MEMORY.md": "# Me\n\nI prefer tea.\n"}, func(o *Options) {
				withEmbedder(t, srv, "m", 4)(o)
				o.ChunkSize = 64
				o.ChunkOverlap = 0
			})
			s.noLinks = noLinks
			mustReindex(t, s, false)
			first := mustEmbed(t, s)
			if first.Embedded < 3 {
				t.Fatalf("only %d chunks", first.Embedded)
			}
			srv.Forget()
			touchLater(t, filepath.Join(s.Workspace(), "notes.md"), body+"\n## Garden\n\nTomatoes need water.\n")
			if _, err := s.Update(context.Background(), []string{"notes.md"}); err != nil {
				t.Fatal(err)
			}
			st := mustEmbed(t, s)
			if st.Embedded != 1 || chunkInputs(srv) != 1 || st.Reused == 0 || st.Covered != st.Chunks {
				t.Errorf("after an edit: %+v, %d texts sent; want the one new chunk embedded, the others reused", st, chunkInputs(srv))
			}
			srv.Forget()
			mustReindex(t, s, true)
			f := mustFind(t, s, "what do I drink", FindOptions{})
			if f.Embedded != f.Chunks || f.TextOnly != "" || f.Results[0].File != "MEMORY.md" {
				t.Errorf("right after a rebuild: %d/%d chunks with vectors, %q, %v", f.Embedded, f.Chunks, f.TextOnly, files(f.Results))
			}
			if st := mustEmbed(t, s); st.Embedded != 0 || chunkInputs(srv) != 0 {
				t.Errorf("a rebuild re-embedded %d chunks", st.Embedded)
			}
			var n int
			withIx(t, s, func(ix *index) {
				ix.r.QueryRow("SELECT count(*) FROM vectors").Scan(&n)
			})
			if n != f.Chunks { // no vector of a text that is gone is kept
				t.Errorf("%d vectors stored for %d chunks of distinct text", n, f.Chunks)
			}
		})
	}
}

func withIx(t testing.TB, s *Store, fn func(*index)) {
	t.Helper()
	ix, err := s.index(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer ix.release()
	fn(ix)
}

// A change of model drops the old vectors, says so, and embeds again;
// until then searches say the vectors are of the other model.
func TestModelChange(t *testing.T) {
	srv := llmtest.NewOllama(t)
	dir := t.TempDir()
	ws := filepath.Join(dir, "workspace")
	writeFiles(t, ws, meaningFiles)
	open := func(model string) *Store {
		o := Options{Workspace: ws, IndexPath: filepath.Join(dir, "memory.sqlite"), Clock: func() time.Time { return testNow }}
		withEmbedder(t, srv, model, 8)(&o)
		s, err := Open(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a := open("model-a")
	mustReindex(t, a, false)
	mustEmbed(t, a)
	a.Close()
	b := open("model-b")
	f := mustFind(t, b, "tea", FindOptions{})
	if f.Mode != ModeText || !strings.Contains(f.TextOnly, "the index's vectors are of ollama/model-a, not of ollama/model-b") {
		t.Errorf("before re-embedding: %s %q", f.Mode, f.TextOnly)
	}
	st, _ := b.Stats(context.Background())
	if st.Embeddings.IndexModel != "ollama/model-a" || st.Embeddings.Embedded != 0 {
		t.Errorf("stats %+v", st.Embeddings)
	}
	if st, err := b.CatchUp(context.Background()); err != nil || !st.Skipped { // a search's catch-up leaves them
		t.Errorf("catch-up with another model's vectors: %+v %v", st, err)
	}
	srv.Forget()
	es := mustEmbed(t, b)
	if es.Replaced != fmt.Sprintf("ollama/model-a (%d dimensions)", llmtest.ConceptDims()) || es.Embedded != 5 || chunkInputs(srv) != 5 {
		t.Errorf("model change: %+v", es)
	}
	for _, r := range srv.Calls("/api/embed") {
		if m := r.JSON(t)["model"]; m != "model-b" {
			t.Errorf("embedded with %v", m)
		}
	}
	if f := mustFind(t, b, "what do I drink", FindOptions{}); f.Mode != ModeHybrid || f.TextOnly != "" || f.Results[0].File != "MEMORY.md" {
		t.Errorf("after: %s %q %v", f.Mode, f.TextOnly, files(f.Results))
	}
	// The same model answering another size re-embeds too.
	srv.SetModels(llmtest.Model{Name: "model-b", Dims: 8})
	srv.Forget()
	mustAppend(t, b, "lunch with Bob", testNow)
	es = mustEmbed(t, b)
	if !strings.Contains(es.Replaced, "ollama/model-b") || es.Covered != es.Chunks || chunkInputs(srv) < 6 {
		t.Errorf("size change: %+v, %d texts", es, chunkInputs(srv))
	}
}

// A search's catch-up embeds a few waiting chunks, not many; a pass of
// another process makes this one wait or step aside.
func TestCatchUpAndBusy(t *testing.T) {
	srv := llmtest.NewOllama(t)
	s := newTestStore(t, meaningFiles, withEmbedder(t, srv, "m", 2))
	mustReindex(t, s, false)
	st, err := s.Embed(context.Background(), EmbedOptions{Max: 2})
	if err != nil || !st.Skipped || st.Embedded != 0 || len(srv.EmbedInputs()) != 0 {
		t.Fatalf("5 waiting, max 2: %+v %v", st, err)
	}
	mustEmbed(t, s)
	mustAppend(t, s, "coffee at dawn", testNow)
	if st, err := s.Embed(context.Background(), EmbedOptions{Max: 2}); err != nil || st.Embedded != 1 {
		t.Fatalf("1 waiting, max 2: %+v %v", st, err)
	}
	lock, err := s.lockEmbed(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := s.Embed(context.Background(), EmbedOptions{}); err != nil || !st.Busy {
		t.Errorf("lock held elsewhere: %+v %v", st, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := s.Embed(ctx, EmbedOptions{Wait: true}); err == nil {
		t.Error("a waiting pass did not wait")
	}
	lock.Unlock()
}

// A pass killed half-way keeps what it committed; the next one embeds
// only the rest.
func TestEmbedResumesAfterKill(t *testing.T) {
	srv := llmtest.NewOllama(t)
	notes := map[string]string{}
	for i := range 10 {
		notes[fmt.Sprintf("n%02d.md", i)] = fmt.Sprintf("# Note %d\n\nNote number %d about tea.\n", i, i)
	}
	s := newTestStore(t, notes, withEmbedder(t, srv, "m", 2))
	mustReindex(t, s, false)
	// The fourth request hangs: the first three batches (6 chunks) get
	// stored, the pass waits for the model, and is killed there.
	fourth := make(chan struct{})
	var calls atomic.Int32
	srv.OnEmbed(func(llmtest.Recorded) *llmtest.Reply {
		if calls.Add(1) == 4 {
			close(fourth)
			return &llmtest.Reply{Hang: true}
		}
		return nil
	})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=embed", "HELPER_WS="+s.Workspace(), "HELPER_DB="+s.opts.IndexPath, "HELPER_URL="+srv.URL)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	select {
	case <-fourth:
	case <-time.After(time.Minute):
		t.Fatal("the helper never reached its fourth batch")
	}
	links := func() (n int) {
		withIx(t, s, func(ix *index) { ix.r.QueryRow("SELECT count(*) FROM chunk_vectors").Scan(&n) })
		return n
	}
	for deadline := time.Now().Add(30 * time.Second); links() < 6 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if n := links(); n != 6 {
		t.Fatalf("%d chunks linked when killed, want the 6 of the three batches before the hung one", n)
	}
	srv.OnEmbed(nil)
	srv.Forget()
	st := mustEmbed(t, s)
	if st.Embedded != 4 || chunkInputs(srv) != 4 || st.Covered != 10 {
		t.Errorf("after the kill: %+v, %d texts sent; want the 4 not committed", st, chunkInputs(srv))
	}
}

// runEmbedHelper embeds the index named by the environment (the killed
// process of TestEmbedResumesAfterKill).
func runEmbedHelper(ctx context.Context) error {
	retry, _ := llmtest.Retry(0)
	p, err := ollama.New(ollama.Options{Endpoint: os.Getenv("HELPER_URL"), Retry: retry})
	if err != nil {
		return err
	}
	s, err := Open(ctx, Options{Workspace: os.Getenv("HELPER_WS"), IndexPath: os.Getenv("HELPER_DB"),
		Embedder: wireEmbedder{p: p, model: "m"}, EmbedModel: "ollama/m", EmbedBatch: 2})
	if err != nil {
		return err
	}
	defer s.Close()
	_, err = s.Embed(ctx, EmbedOptions{})
	return err
}

// Searches and a pass at once (for the race detector), and the daemon's
// loop: a write wakes it.
func TestRunEmbedder(t *testing.T) {
	srv := llmtest.NewOllama(t)
	s := newTestStore(t, meaningFiles, withEmbedder(t, srv, "m", 1))
	mustReindex(t, s, false)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); RunEmbedder(ctx, s, nil) }()
	defer func() { cancel(); <-done }()
	for range 20 {
		if _, err := s.Find(context.Background(), "tea", FindOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	waitCovered := func(want int) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			if f := mustFind(t, s, "tea", FindOptions{}); f.Embedded == want && f.Chunks == want {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("the loop did not embed %d chunks", want)
	}
	waitCovered(5)
	mustAppend(t, s, "coffee at dawn", testNow)
	waitCovered(6)
}

func TestVectorCodec(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, dims := range []int{1, 7, 64, 768} {
		v := make([]float32, dims)
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		got := decodeVec(encodeVec(v))
		if len(got) != dims {
			t.Fatalf("%d dims decoded as %d", dims, len(got))
		}
		if c := llmtest.Cosine(v, got); c < 0.999 && dims > 1 {
			t.Errorf("%d dims: cosine %.5f after int8", dims, c)
		}
	}
	if got := decodeVec(encodeVec(make([]float32, 4))); slices.ContainsFunc(got, func(x float32) bool { return x != 0 }) {
		t.Errorf("zero vector decoded as %v", got)
	}
}

// The brute-force scoring finds the true nearest neighbours of the int8
// vectors (checked against float64 cosine).
func TestVectorTop(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const n, dims = 500, 96
	set := randomSet(r, n, dims)
	q := make([]float32, dims)
	for i := range q {
		q[i] = float32(r.NormFloat64())
	}
	got := set.top(q, 10)
	type sc struct {
		row int
		c   float64
	}
	var all []sc
	for i := range n {
		var dot, qq, rr float64
		for k, x := range set.row(i) {
			dot += float64(q[k]) * float64(x)
			qq += float64(q[k]) * float64(q[k])
			rr += float64(x) * float64(x)
		}
		all = append(all, sc{i, dot / math.Sqrt(qq*rr)})
	}
	slices.SortFunc(all, func(a, b sc) int { return -cmpFloat(a.c, b.c) })
	for i := range got {
		if got[i].row != all[i].row || math.Abs(got[i].cos-all[i].c) > 1e-4 {
			t.Fatalf("rank %d: got row %d (%.5f), want %d (%.5f)", i, got[i].row, got[i].cos, all[i].row, all[i].c)
		}
	}
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// randomSet is a vecSet of n random int8 vectors.
func randomSet(r *rand.Rand, n, dims int) *vecSet {
	set := &vecSet{dims: dims, ids: make([]int64, n), vec: make([]int32, n), rows: make([]int8, n*dims), inv: make([]float32, n), chunks: n}
	for i := range n {
		set.ids[i] = int64(i + 1)
		set.vec[i] = int32(i)
		var ss int64
		for k := range dims {
			x := int8(r.IntN(255) - 127)
			set.rows[i*dims+k] = x
			ss += int64(x) * int64(x)
		}
		set.inv[i] = float32(1 / math.Sqrt(float64(ss)))
	}
	return set
}

// FuzzVectorCodec decodes any blob (a damaged index) without a panic,
// and encodes what it decodes to as many dimensions.
func FuzzVectorCodec(f *testing.F) {
	f.Add([]byte{0, 0, 128, 63, 1, 2, 255})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		v := decodeVec(b)
		if len(b) < 4 {
			if v != nil {
				t.Fatal("short blob decoded")
			}
			return
		}
		if len(v) != len(b)-4 {
			t.Fatalf("%d bytes decoded as %d dims", len(b), len(v))
		}
		if enc := encodeVec(v); len(enc) != len(b) {
			t.Fatalf("%d dims encoded in %d bytes", len(v), len(enc))
		}
	})
}

// With embeddings off, a search does exactly what it did before semantic
// search: Find allocates as Search does (no vector, no extra query), and
// the store holds nothing of embeddings.
func TestFindWithoutEmbeddingsCostsNothing(t *testing.T) {
	s := newTestStore(t, meaningFiles, nil)
	mustReindex(t, s, false)
	if s.vecs != nil || s.queries != nil || s.kick != nil {
		t.Fatal("a store without an Embedder holds embedding state")
	}
	ctx := context.Background()
	for _, q := range []string{"tea", "deploy kubernetes", "zzz nothing"} {
		search := testing.AllocsPerRun(50, func() { s.Search(ctx, q, 10) })
		find := testing.AllocsPerRun(50, func() { s.Find(ctx, q, FindOptions{Limit: 10}) })
		if find != search {
			t.Errorf("%q: Find allocates %.0f times, Search %.0f", q, find, search)
		}
	}
}

// A pass sends its batches one at a time, each of at most batch_size
// chunks, and no more requests than the chunks need: the model sets the
// pace, and LocalGPT never has two requests waiting on it.
func TestEmbedOneRequestInFlight(t *testing.T) {
	srv := llmtest.NewOllama(t)
	notes := map[string]string{}
	for i := range 11 {
		notes[fmt.Sprintf("n%02d.md", i)] = fmt.Sprintf("# Note %d\n\nNote number %d about tea.\n", i, i)
	}
	const batch = 3
	s := newTestStore(t, notes, withEmbedder(t, srv, "m", batch))
	mustReindex(t, s, false)
	var inFlight, most atomic.Int32
	var sizes []int
	var mu sync.Mutex
	srv.OnEmbed(func(r llmtest.Recorded) *llmtest.Reply {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		var body struct{ Input []string }
		json.Unmarshal(r.Body, &body)
		mu.Lock()
		sizes = append(sizes, len(body.Input))
		mu.Unlock()
		// Long enough for the writer to catch up and a second request,
		// were one sent early, to overlap this one.
		time.Sleep(30 * time.Millisecond)
		return nil
	})
	st := mustEmbed(t, s)
	want := (st.Chunks + batch - 1) / batch
	if most.Load() != 1 || len(sizes) != want || st.Requests != want || st.Covered != st.Chunks {
		t.Errorf("%d requests at once at most, %d requests of %v chunks (%+v); want 1 at a time, %d of at most %d", most.Load(), len(sizes), sizes, st, want, batch)
	}
	for _, n := range sizes {
		if n > batch || n == 0 {
			t.Errorf("a request of %d chunks; batches are of 1 to %d", n, batch)
		}
	}
}
