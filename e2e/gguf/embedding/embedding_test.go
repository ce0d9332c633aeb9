package embedding

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localgpt-go/localgpt/e2e/gguf"
	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
)

// forward computes what Ollama's BERT engine computes for text with this
// model: WordPiece tokens with [CLS] and [SEP], each token's layer-normed
// embedding (the encoder layer adds nothing), mean pooling, L2 norm.
func forward(t *testing.T, f *gguf.File, text string) []float32 {
	t.Helper()
	toks, _ := f.Get("tokenizer.ggml.tokens")
	vocab := map[string]int{}
	for i, tok := range toks.([]string) {
		vocab[tok] = i
	}
	ids := []int{clsID}
	for _, w := range llmtest.Words(text) {
		id, ok := vocab[wordPrefix+w]
		if !ok {
			id = unkID
		}
		ids = append(ids, id)
	}
	ids = append(ids, sepID)
	dims := llmtest.ConceptDims()
	embd := f.Tensor("token_embd.weight").Data
	sum := make([]float64, dims)
	for _, id := range ids {
		row := embd[id*dims : (id+1)*dims]
		var mean, v float64
		for _, x := range row {
			mean += float64(x)
		}
		mean /= float64(dims)
		for _, x := range row {
			v += (float64(x) - mean) * (float64(x) - mean)
		}
		v /= float64(dims)
		for i, x := range row {
			sum[i] += (float64(x) - mean) / math.Sqrt(v+1e-12)
		}
	}
	var ss float64
	for _, x := range sum {
		ss += x * x
	}
	out := make([]float32, dims)
	for i, x := range sum {
		if ss > 0 {
			out[i] = float32(x / math.Sqrt(ss))
		}
	}
	return out
}

func TestModelComputesTheConceptEmbedding(t *testing.T) {
	dir := t.TempDir()
	if err := WriteFiles(dir, "test-embed"); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "model.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Read(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the written model does not read back: %v", err)
	}
	for key, want := range map[string]any{"general.architecture": "bert", "bert.pooling_type": uint32(1), "tokenizer.ggml.model": "bert"} {
		if got, _ := f.Get(key); got != want {
			t.Errorf("%s = %v, want %v", key, got, want)
		}
	}
	for _, text := range []string{"I prefer tea to coffee", "what do I drink in the morning?", "Married Anna, in 2019.", "nothing known here", "tea"} {
		got, want := forward(t, f, text), llmtest.Embedding(text, 0)
		for i := range want {
			if math.Abs(float64(got[i]-want[i])) > 1e-5 {
				t.Fatalf("%q: the model computes %v, the fake %v", text, got, want)
			}
		}
	}
	mf, _ := os.ReadFile(filepath.Join(dir, "Modelfile"))
	if !strings.HasPrefix(string(mf), "FROM "+filepath.Join(dir, "model.gguf")) {
		t.Errorf("Modelfile: %q", mf)
	}
}
