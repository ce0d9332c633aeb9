// Package scripted builds tiny llama-architecture GGUF models that are
// deterministic by construction, for end-to-end tests against a real
// inference server (Ollama). Each model plays scripts: when the prompt
// ends with a script's marker token, the model answers with the script's
// pieces, one token each, then the end-of-sequence token (or, for a
// looping script, starts over for ever).
//
// How: the token embeddings are one-hot, the attention output and FFN down
// projections are zero, so the hidden state after the single layer is the
// one-hot vector of the current token; output.weight then maps each token
// to its successor with a large logit. The next token depends only on the
// previous one, whatever the sampler settings.
package scripted

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/localgpt-go/localgpt/e2e/gguf"
	"github.com/localgpt-go/localgpt/internal/fsutil"
)

// Token types of tokenizer.ggml.token_type (SentencePiece's numbering).
const (
	typeNormal  int32 = 1
	typeUnknown int32 = 2
	typeControl int32 = 3
	typeByte    int32 = 6
)

// The fixed tokens every model has, at these ids.
const (
	UnknownToken = "<unk>"
	BOSToken     = "<s>"
	EOSToken     = "</s>"
	bosID        = 1
	eosID        = 2
	firstByteID  = 3
)

// successorLogit is the logit of a token's successor (every other logit is
// 0). The normalised one-hot state is sqrt(n_embd) at the token, so the
// margin is this times sqrt(n_embd): far beyond any sampler's reach.
const successorLogit = 8

// Script is one deterministic reply.
type Script struct {
	// Marker is the control token that, ending the prompt, starts the
	// script, e.g. "<|e2e:plain|>". Avoid names llama.cpp treats as
	// end-of-generation (<|eot_id|>, <|im_end|>, <|end|>, <end_of_turn>…).
	Marker string
	// Pieces are the reply's tokens, in order. A piece is any non-empty
	// text; it may not repeat within or across scripts, because each
	// token has exactly one successor.
	Pieces []string
	// Loop makes the script never end: after the last piece comes the
	// first again.
	Loop bool
}

// Text returns the reply the script produces (once through, for a Loop).
func (s Script) Text() string { return strings.Join(s.Pieces, "") }

// Options describe a model.
type Options struct {
	// Name is general.name.
	Name string
	// ContextLength is llama.context_length, what Ollama's /api/show
	// reports as the model's context window.
	ContextLength uint32
	Scripts       []Script
}

// Model is a built model: its GGUF file and its vocabulary.
type Model struct {
	File *gguf.File
	// Tokens is the vocabulary by id.
	Tokens []string
	// Next maps a token id to its successor's id, for the tokens that
	// have one (markers and pieces).
	Next map[int]int
}

// Build returns the model the options describe, or an error naming the
// script that cannot be played (an empty or repeated piece or marker).
func Build(opts Options) (*Model, error) {
	if opts.ContextLength == 0 {
		return nil, fmt.Errorf("scripted: ContextLength is 0; give the model a context window")
	}
	if len(opts.Scripts) == 0 {
		return nil, fmt.Errorf("scripted: no scripts: the model would have nothing to say")
	}
	tokens := []string{UnknownToken, BOSToken, EOSToken}
	types := []int32{typeUnknown, typeControl, typeControl}
	for b := range 256 {
		tokens = append(tokens, fmt.Sprintf("<0x%02X>", b))
		types = append(types, typeByte)
	}
	ids := map[string]int{}
	for i, t := range tokens {
		ids[t] = i
	}
	add := func(text string, typ int32) (int, error) {
		if text == "" {
			return 0, fmt.Errorf("an empty token")
		}
		if _, dup := ids[text]; dup {
			return 0, fmt.Errorf("token %q appears twice (or is a reserved token); each token has one successor, so reword one of them", text)
		}
		ids[text] = len(tokens)
		tokens = append(tokens, text)
		types = append(types, typ)
		return ids[text], nil
	}
	next := map[int]int{}
	for i, s := range opts.Scripts {
		if len(s.Pieces) == 0 {
			return nil, fmt.Errorf("scripted: script %d (%s) has no pieces", i, s.Marker)
		}
		marker, err := add(s.Marker, typeControl)
		if err != nil {
			return nil, fmt.Errorf("scripted: script %d marker: %w", i, err)
		}
		prev := marker
		first := -1
		for _, p := range s.Pieces {
			id, err := add(p, typeNormal)
			if err != nil {
				return nil, fmt.Errorf("scripted: script %d (%s): %w", i, s.Marker, err)
			}
			if first < 0 {
				first = id
			}
			next[prev] = id
			prev = id
		}
		if s.Loop {
			next[prev] = first
		} else {
			next[prev] = eosID
		}
	}
	f := weights(tokens, types, next, opts)
	return &Model{File: f, Tokens: tokens, Next: next}, nil
}

// WriteFile writes the model's GGUF file to path, atomically.
func (m *Model) WriteFile(path string) error {
	var buf bytes.Buffer
	if _, err := m.File.WriteTo(&buf); err != nil {
		return fmt.Errorf("scripted: encoding the model: %w", err)
	}
	if err := fsutil.WriteAtomic(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("scripted: writing the model: %w", err)
	}
	return nil
}
