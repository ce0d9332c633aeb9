package scripted

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"

	"github.com/localgpt-go/localgpt/e2e/gguf"
)

// forward computes the model's next token after token t the way llama.cpp
// does for this architecture, from the weights read back from the file:
// embedding, residual layer (checked to contribute nothing), RMS norm,
// output projection, argmax. It also returns the margin between the best
// and the second-best logit.
func forward(t *testing.T, f *gguf.File, tok int) (int, float64) {
	t.Helper()
	emb := f.Tensor("token_embd.weight")
	out := f.Tensor("output.weight")
	norm := f.Tensor("output_norm.weight")
	nEmbd := int(emb.Dims[0])
	nVocab := int(emb.Dims[1])
	h := emb.Data[tok*nEmbd : (tok+1)*nEmbd]
	var ss float64
	for _, v := range h {
		ss += float64(v) * float64(v)
	}
	scale := 1 / math.Sqrt(ss/float64(nEmbd)+1e-5)
	best, second, arg := math.Inf(-1), math.Inf(-1), -1
	for v := range nVocab {
		var logit float64
		for e := range nEmbd {
			logit += float64(out.Data[v*nEmbd+e]) * float64(h[e]) * scale * float64(norm.Data[e])
		}
		switch {
		case logit > best:
			best, second, arg = logit, best, v
		case logit > second:
			second = logit
		}
	}
	return arg, best - second
}

func TestAgentModelPlaysItsScripts(t *testing.T) {
	m, err := Build(Agent())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "model.gguf")
	if err := m.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("reading back the model: %v", err)
	}
	// The layer must add nothing to the residual stream.
	for _, name := range []string{"blk.0.attn_output.weight", "blk.0.ffn_down.weight"} {
		for i, v := range f.Tensor(name).Data {
			if v != 0 {
				t.Fatalf("%s[%d] = %v, want 0", name, i, v)
			}
		}
	}
	tokens, _ := f.Get("tokenizer.ggml.tokens")
	vocab := tokens.([]string)
	id := map[string]int{}
	for i, s := range vocab {
		id[s] = i
	}
	if ctx, _ := f.Get("llama.context_length"); ctx != uint32(AgentContextLength) {
		t.Errorf("llama.context_length = %v, want %d", ctx, AgentContextLength)
	}
	for _, s := range Agent().Scripts {
		t.Run(s.Marker, func(t *testing.T) {
			var got strings.Builder
			tok := id[s.Marker]
			steps := len(s.Pieces) + 1
			if s.Loop {
				steps = 3 * len(s.Pieces)
			}
			for range steps {
				next, margin := forward(t, f, tok)
				if margin < 50 {
					t.Fatalf("after %q the best logit leads by only %.1f", vocab[tok], margin)
				}
				if next == id[EOSToken] {
					break
				}
				got.WriteString(vocab[next])
				tok = next
			}
			want := s.Text()
			if s.Loop {
				want = strings.Repeat(want, 3)
			} else if tok == id[s.Marker] || vocab[tok] != s.Pieces[len(s.Pieces)-1] {
				t.Fatalf("the script did not end with </s> after its last piece")
			}
			if got.String() != want {
				t.Fatalf("the model says %q, want %q", got.String(), want)
			}
		})
	}
}

func TestVocabularyLayout(t *testing.T) {
	m, err := Build(Agent())
	if err != nil {
		t.Fatal(err)
	}
	types, _ := m.File.Get("tokenizer.ggml.token_type")
	ty := types.([]int32)
	scores, _ := m.File.Get("tokenizer.ggml.scores")
	if len(ty) != len(m.Tokens) || len(scores.([]float32)) != len(m.Tokens) {
		t.Fatalf("%d tokens, %d types, %d scores", len(m.Tokens), len(ty), len(scores.([]float32)))
	}
	checks := map[string]int32{UnknownToken: typeUnknown, BOSToken: typeControl, EOSToken: typeControl,
		"<0x0A>": typeByte, "<0xFF>": typeByte, Plain.Marker: typeControl, "Hello": typeNormal}
	for tok, want := range checks {
		i := -1
		for j, s := range m.Tokens {
			if s == tok {
				i = j
			}
		}
		if i < 0 || ty[i] != want {
			t.Errorf("token %q at %d has type %v, want %d", tok, i, ty, want)
		}
	}
	emb := m.File.Tensor("token_embd.weight")
	if int(emb.Dims[0])%headDim != 0 || int(emb.Dims[0]) < len(m.Tokens) || int(emb.Dims[1]) != len(m.Tokens) {
		t.Errorf("token_embd dims %v for %d tokens", emb.Dims, len(m.Tokens))
	}
}

func TestBuildRejects(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"no context", Options{Scripts: []Script{Plain}}, "ContextLength is 0"},
		{"no scripts", Options{ContextLength: 64}, "no scripts"},
		{"empty script", Options{ContextLength: 64, Scripts: []Script{{Marker: "<|m|>"}}}, "has no pieces"},
		{"empty piece", Options{ContextLength: 64, Scripts: []Script{{Marker: "<|m|>", Pieces: []string{"a", ""}}}}, "empty token"},
		{"repeated piece", Options{ContextLength: 64, Scripts: []Script{{Marker: "<|m|>", Pieces: []string{"a", "b", "a"}}}}, `"a" appears twice`},
		{"piece shared by scripts", Options{ContextLength: 64, Scripts: []Script{
			{Marker: "<|m|>", Pieces: []string{"x"}}, {Marker: "<|n|>", Pieces: []string{"x"}}}}, `"x" appears twice`},
		{"reserved token", Options{ContextLength: 64, Scripts: []Script{{Marker: "<|m|>", Pieces: []string{"</s>"}}}}, "reserved"},
		{"same marker", Options{ContextLength: 64, Scripts: []Script{
			{Marker: "<|m|>", Pieces: []string{"x"}}, {Marker: "<|m|>", Pieces: []string{"y"}}}}, "marker"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Build(tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Build error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestModelfile(t *testing.T) {
	mf, err := Modelfile("/m/model.gguf", AgentTemplate)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(mf, "FROM /m/model.gguf\nTEMPLATE \"\"\"") || !strings.Contains(mf, `<|e2e:plain|>{{ end }}"""`+"\n") {
		t.Errorf("Modelfile =\n%s", mf)
	}
	for _, bad := range []string{"x\n", `a """ b`} {
		if _, err := Modelfile("m.gguf", bad); err == nil {
			t.Errorf("Modelfile accepted template %q", bad)
		}
	}
}

// TestAgentTemplateMarkers renders the template the way Ollama does (Go
// text/template over the chat's messages) and checks the marker it ends
// with in each situation.
func TestAgentTemplateMarkers(t *testing.T) {
	type call struct {
		Function struct {
			Name      string
			Arguments map[string]any
		}
	}
	type msg struct {
		Role, Content string
		ToolCalls     []call
	}
	tmpl := template.Must(template.New("").Parse(AgentTemplate))
	wrote := call{}
	wrote.Function.Name = "write_file"
	tests := []struct {
		name  string
		msgs  []msg
		tools bool
		want  string
	}{
		{"plain", []msg{{Role: "system", Content: "be brief"}, {Role: "user", Content: "hi"}}, true, Plain.Marker},
		{"write with tools", []msg{{Role: "user", Content: AskWrite}}, true, ToolCall.Marker},
		{"write without tools", []msg{{Role: "user", Content: AskWrite}}, false, Plain.Marker},
		{"loop", []msg{{Role: "user", Content: AskLoop}}, true, Loop.Marker},
		{"after a tool result", []msg{{Role: "user", Content: AskWrite}, {Role: "assistant", ToolCalls: []call{wrote}},
			{Role: "tool", Content: "Wrote 29 bytes"}}, true, Final.Marker},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var tools []string
			if tc.tools {
				tools = []string{"write_file"}
			}
			var b strings.Builder
			if err := tmpl.Execute(&b, map[string]any{"Messages": tc.msgs, "Tools": tools}); err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(b.String(), tc.want) {
				t.Fatalf("prompt %q does not end with %s", b.String(), tc.want)
			}
			if strings.Contains(b.String(), "be brief") {
				t.Error("the system prompt was rendered")
			}
		})
	}
}
