// Package embedding builds a tiny BERT embedding model as a GGUF file that
// Ollama serves on /api/embed (and /v1/embeddings), for end-to-end tests
// of semantic search against a real server. It computes exactly the
// concept embedding of the fakes (llmtest.Embedding), so a test can check
// the real server's vectors against the fake's.
//
// What Ollama v0.17.4 needs to serve a model as an embedding model
// (read in its source): "<arch>.pooling_type" in the metadata, which
// gives the model the embedding capability (server/images.go) and a batch
// as large as the window (llm/server.go); an architecture its own Go
// engine runs, "bert" here (fs/ggml's OllamaEngineRequired, model/models/bert),
// with a WordPiece vocabulary ("tokenizer.ggml.model" = "bert", words
// prefixed with "▁", [CLS] and [SEP] added around the input). The engine
// embeds a text as LayerNorm(token + type + position embeddings), one
// encoder layer (attention and feed-forward, each added back and layer
// normed), mean pooling and L2 normalisation; Ollama normalises again and
// cuts to "dimensions" when asked.
//
// How it computes the concept embedding: each known word's token
// embedding is its concept vector (+1 at dimension 2k, −1 at 2k+1 for
// each concept k it belongs to), whose mean is zero, so the first layer
// norm only scales it to a fixed length; [CLS], [SEP], [UNK] and [PAD] are
// zero, which the layer norm leaves at zero. Type and position embeddings
// and every weight of the encoder layer are zero, so the layer adds
// nothing, and its layer norms (weight 1, bias 0) leave unit-variance
// vectors as they are. Mean pooling then sums the normalised word vectors
// (divided by the token count, which the normalisation undoes).
package embedding

import (
	"bytes"
	"fmt"
	"sort"

	"github.com/localgpt-go/localgpt/e2e/gguf"
	"github.com/localgpt-go/localgpt/internal/fsutil"
	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
)

// ContextLength is the model's window in tokens.
const ContextLength = 512

// ffnLength is the (zero) feed-forward width.
const ffnLength = 32

// Special tokens, at these ids.
const (
	padID = iota
	unkID
	clsID
	sepID
)

// Token types (tokenizer.ggml.token_type).
const (
	typeNormal  int32 = 1
	typeUnknown int32 = 2
	typeControl int32 = 3
)

// wordPrefix marks the start of a word in GGML's WordPiece vocabularies.
const wordPrefix = "▁"

// Build returns the model's GGUF file: llmtest.Concepts() as a BERT
// vocabulary, llmtest.ConceptDims() dimensions.
func Build(name string) *gguf.File {
	concepts := llmtest.Concepts()
	dims := llmtest.ConceptDims()
	of := map[string][]int{}
	for c, words := range concepts {
		for _, w := range words {
			of[w] = append(of[w], c)
		}
	}
	words := make([]string, 0, len(of))
	for w := range of {
		words = append(words, w)
	}
	sort.Strings(words)
	tokens := []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]"}
	types := []int32{typeControl, typeUnknown, typeControl, typeControl}
	for _, w := range words {
		tokens = append(tokens, wordPrefix+w)
		types = append(types, typeNormal)
	}
	embd := make([]float32, dims*len(tokens))
	for i, w := range words {
		row := embd[(4+i)*dims : (5+i)*dims]
		for _, c := range of[w] {
			row[2*c]++
			row[2*c+1]--
		}
	}
	d, v, f := uint64(dims), uint64(len(tokens)), uint64(ffnLength)
	zeros := func(n uint64) []float32 { return make([]float32, n) }
	ones := func() []float32 {
		o := make([]float32, dims)
		for i := range o {
			o[i] = 1
		}
		return o
	}
	norm := func(name string) []gguf.Tensor {
		return []gguf.Tensor{{Name: name + ".weight", Dims: []uint64{d}, Data: ones()}, {Name: name + ".bias", Dims: []uint64{d}, Data: zeros(d)}}
	}
	tensors := []gguf.Tensor{
		{Name: "token_embd.weight", Dims: []uint64{d, v}, Data: embd},
		{Name: "token_types.weight", Dims: []uint64{d, 2}, Data: zeros(2 * d)},
		{Name: "position_embd.weight", Dims: []uint64{d, ContextLength}, Data: zeros(ContextLength * d)},
	}
	tensors = append(tensors, norm("token_embd_norm")...)
	for _, m := range []string{"attn_q", "attn_k", "attn_v", "attn_output"} {
		tensors = append(tensors, gguf.Tensor{Name: "blk.0." + m + ".weight", Dims: []uint64{d, d}, Data: zeros(d * d)})
	}
	tensors = append(tensors, norm("blk.0.attn_output_norm")...)
	tensors = append(tensors,
		gguf.Tensor{Name: "blk.0.ffn_up.weight", Dims: []uint64{d, f}, Data: zeros(d * f)},
		gguf.Tensor{Name: "blk.0.ffn_down.weight", Dims: []uint64{f, d}, Data: zeros(d * f)})
	tensors = append(tensors, norm("blk.0.layer_output_norm")...)
	return &gguf.File{
		KV: []gguf.KV{
			{Key: "general.architecture", Value: "bert"},
			{Key: "general.name", Value: name},
			{Key: "general.alignment", Value: uint32(gguf.Alignment)},
			{Key: "general.file_type", Value: uint32(0)}, // all F32
			{Key: "bert.context_length", Value: uint32(ContextLength)},
			{Key: "bert.embedding_length", Value: uint32(dims)},
			{Key: "bert.feed_forward_length", Value: uint32(ffnLength)},
			{Key: "bert.block_count", Value: uint32(1)},
			{Key: "bert.attention.head_count", Value: uint32(1)},
			{Key: "bert.attention.layer_norm_epsilon", Value: float32(1e-12)},
			{Key: "bert.attention.causal", Value: false},
			{Key: "bert.pooling_type", Value: uint32(1)}, // mean
			{Key: "tokenizer.ggml.model", Value: "bert"},
			{Key: "tokenizer.ggml.tokens", Value: tokens},
			{Key: "tokenizer.ggml.token_type", Value: types},
			{Key: "tokenizer.ggml.scores", Value: make([]float32, len(tokens))},
			{Key: "tokenizer.ggml.padding_token_id", Value: uint32(padID)},
			{Key: "tokenizer.ggml.unknown_token_id", Value: uint32(unkID)},
			{Key: "tokenizer.ggml.cls_token_id", Value: uint32(clsID)},
			{Key: "tokenizer.ggml.separator_token_id", Value: uint32(sepID)},
		},
		Tensors: tensors,
	}
}

// WriteFiles writes model.gguf and a Modelfile for `ollama create` into
// dir (which must exist), atomically.
func WriteFiles(dir, name string) error {
	var buf bytes.Buffer
	if _, err := Build(name).WriteTo(&buf); err != nil {
		return fmt.Errorf("embedding: encoding the model: %w", err)
	}
	model := dir + "/model.gguf"
	if err := fsutil.WriteAtomic(model, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("embedding: writing the model: %w", err)
	}
	return fsutil.WriteAtomic(dir+"/Modelfile", []byte("FROM "+model+"\n"), 0o644)
}
