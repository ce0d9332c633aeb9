package scripted

import (
	"github.com/localgpt-go/localgpt/e2e/gguf"
)

// headDim is the size of an attention head; the embedding is the
// vocabulary rounded up to a multiple of it.
const headDim = 64

// ffnLength is the (unused, zero) feed-forward width.
const ffnLength = 64

// weights lays out the llama tensors and metadata llama.cpp and Ollama
// need for a one-layer F32 model.
func weights(tokens []string, types []int32, next map[int]int, opts Options) *gguf.File {
	nVocab := len(tokens)
	nEmbd := (nVocab + headDim - 1) / headDim * headDim
	nHead := nEmbd / headDim

	embd := make([]float32, nEmbd*nVocab)
	for t := range nVocab {
		embd[t*nEmbd+t] = 1
	}
	out := make([]float32, nEmbd*nVocab)
	for t, s := range next {
		out[s*nEmbd+t] = successorLogit
	}
	ones := func() []float32 {
		v := make([]float32, nEmbd)
		for i := range v {
			v[i] = 1
		}
		return v
	}
	zeros := func(n int) []float32 { return make([]float32, n) }
	e, v, ff := uint64(nEmbd), uint64(nVocab), uint64(ffnLength)
	scores := make([]float32, nVocab)

	name := opts.Name
	if name == "" {
		name = "scripted"
	}
	return &gguf.File{
		KV: []gguf.KV{
			{Key: "general.architecture", Value: "llama"},
			{Key: "general.name", Value: name},
			{Key: "general.alignment", Value: uint32(gguf.Alignment)},
			{Key: "general.file_type", Value: uint32(0)}, // all F32
			{Key: "llama.context_length", Value: opts.ContextLength},
			{Key: "llama.embedding_length", Value: uint32(nEmbd)},
			{Key: "llama.block_count", Value: uint32(1)},
			{Key: "llama.feed_forward_length", Value: uint32(ffnLength)},
			{Key: "llama.attention.head_count", Value: uint32(nHead)},
			{Key: "llama.attention.head_count_kv", Value: uint32(nHead)},
			{Key: "llama.attention.layer_norm_rms_epsilon", Value: float32(1e-5)},
			{Key: "llama.rope.dimension_count", Value: uint32(headDim)},
			{Key: "llama.rope.freq_base", Value: float32(10000)},
			{Key: "llama.vocab_size", Value: uint32(nVocab)},
			{Key: "tokenizer.ggml.model", Value: "llama"},
			{Key: "tokenizer.ggml.tokens", Value: tokens},
			{Key: "tokenizer.ggml.scores", Value: scores},
			{Key: "tokenizer.ggml.token_type", Value: types},
			{Key: "tokenizer.ggml.unknown_token_id", Value: uint32(0)},
			{Key: "tokenizer.ggml.bos_token_id", Value: uint32(bosID)},
			{Key: "tokenizer.ggml.eos_token_id", Value: uint32(eosID)},
			{Key: "tokenizer.ggml.add_bos_token", Value: true},
			{Key: "tokenizer.ggml.add_eos_token", Value: false},
		},
		Tensors: []gguf.Tensor{
			{Name: "token_embd.weight", Dims: []uint64{e, v}, Data: embd},
			{Name: "output_norm.weight", Dims: []uint64{e}, Data: ones()},
			{Name: "output.weight", Dims: []uint64{e, v}, Data: out},
			{Name: "blk.0.attn_norm.weight", Dims: []uint64{e}, Data: ones()},
			{Name: "blk.0.attn_q.weight", Dims: []uint64{e, e}, Data: zeros(nEmbd * nEmbd)},
			{Name: "blk.0.attn_k.weight", Dims: []uint64{e, e}, Data: zeros(nEmbd * nEmbd)},
			{Name: "blk.0.attn_v.weight", Dims: []uint64{e, e}, Data: zeros(nEmbd * nEmbd)},
			{Name: "blk.0.attn_output.weight", Dims: []uint64{e, e}, Data: zeros(nEmbd * nEmbd)},
			{Name: "blk.0.ffn_norm.weight", Dims: []uint64{e}, Data: ones()},
			{Name: "blk.0.ffn_gate.weight", Dims: []uint64{e, ff}, Data: zeros(nEmbd * ffnLength)},
			{Name: "blk.0.ffn_up.weight", Dims: []uint64{e, ff}, Data: zeros(nEmbd * ffnLength)},
			{Name: "blk.0.ffn_down.weight", Dims: []uint64{ff, e}, Data: zeros(nEmbd * ffnLength)},
		},
	}
}
