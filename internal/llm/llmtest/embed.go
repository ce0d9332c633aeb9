package llmtest

import (
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"time"
	"unicode"
)

// The fakes answer embedding requests (Ollama's POST /api/embed, OpenAI's
// POST /v1/embeddings) with a deterministic embedding that knows a little
// of what words mean: each word of Concepts belongs to one or more
// concepts, and a text's vector is the normalised sum of its known words'
// (normalised) concept vectors. So "what do I drink in the morning" and
// "I prefer tea to coffee" share the drink concept and are close, while
// "married Anna in 2019" is orthogonal to both. Words outside Concepts
// count for nothing; a text with none of them embeds as the zero vector,
// as a real model's padding tokens would.
//
// Concept k occupies dimensions 2k (+1) and 2k+1 (−1): every word vector
// then has a mean of zero, which a layer norm leaves pointing the same
// way, so the end-to-end suite's generated BERT model
// (e2e/gguf/embedding) computes exactly this embedding on a real Ollama.

// Concepts returns the concept table: each entry lists the (lower-case)
// words of one concept. A word may appear in several concepts.
func Concepts() [][]string {
	return [][]string{
		{"drink", "drinks", "tea", "coffee", "espresso", "latte", "beverage", "cup", "juice"},
		{"morning", "mornings", "breakfast", "wake", "dawn", "coffee"},
		{"prefer", "like", "favourite", "favorite", "love", "enjoy"},
		{"partner", "wife", "husband", "married", "spouse", "wedding"},
		{"name", "named", "called", "anna", "bob"},
		{"deploy", "deployment", "release", "ship", "production", "kubernetes"},
		{"postgres", "database", "migration", "sql", "schema"},
		{"travel", "trip", "flight", "hotel", "vacation", "holiday"},
		{"budget", "invoice", "cost", "price", "money", "expense"},
		{"doctor", "health", "sleep", "exercise", "gym", "run"},
		{"cat", "dog", "pet", "pets", "kitten", "puppy"},
		{"lunch", "dinner", "food", "cook", "recipe", "pasta"},
		{"car", "bike", "train", "bus", "commute"},
		{"book", "books", "read", "reading", "novel", "library"},
		{"music", "guitar", "piano", "song", "concert"},
		{"garden", "plants", "flowers", "tomatoes", "water"},
	}
}

// ConceptDims is the size of the concept embedding: two dimensions per
// concept.
func ConceptDims() int { return 2 * len(Concepts()) }

// Embedding returns the concept embedding of text, unit length (or zero),
// cut to its first dims dimensions and normalised again when 0 < dims <
// ConceptDims (as Ollama does with "dimensions"), padded with zeros when
// dims is larger.
func Embedding(text string, dims int) []float32 {
	concepts := Concepts()
	of := map[string][]int{}
	for c, words := range concepts {
		for _, w := range words {
			of[w] = append(of[w], c)
		}
	}
	n := 2 * len(concepts)
	sum := make([]float64, n)
	word := make([]float64, n)
	for _, w := range Words(text) {
		cs := of[w]
		if len(cs) == 0 {
			continue
		}
		clear(word)
		for _, c := range cs {
			word[2*c]++
			word[2*c+1]--
		}
		norm := math.Sqrt(float64(2 * len(cs)))
		for i, x := range word {
			sum[i] += x / norm
		}
	}
	if dims <= 0 {
		dims = n
	}
	out := make([]float32, dims)
	var ss float64
	for i := range min(dims, n) {
		ss += sum[i] * sum[i]
	}
	if ss == 0 {
		return out
	}
	inv := 1 / math.Sqrt(ss)
	for i := range min(dims, n) {
		out[i] = float32(sum[i] * inv)
	}
	return out
}

// Words splits text as the concept embedding (and a BERT WordPiece
// tokenizer) does: lower case, at spaces and punctuation.
func Words(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r)
	})
}

// Cosine is the cosine similarity of two vectors of one size (0 when
// either is zero).
func Cosine(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}

// OnEmbed makes the server answer embedding requests as f says: a non-nil
// Reply with a Status is sent as that HTTP error (shaped as the provider
// shapes errors), its Delay is slept first, and Hang holds the request
// until the client goes away; nil embeds normally. f may be called from
// several goroutines at once. A Reply with Raw is sent as the whole body
// (with its Status, or 200).
func (s *Server) OnEmbed(f func(Recorded) *Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onEmbed = f
}

// EmbedInputs returns every text the server was asked to embed, in order.
func (s *Server) EmbedInputs() []string {
	var out []string
	for _, r := range s.Requests() {
		if r.Path != "/api/embed" && r.Path != "/v1/embeddings" {
			continue
		}
		in, _, _ := embedInput(r.Body)
		out = append(out, in...)
	}
	return out
}

// embedFault plays what OnEmbed says for the request, if anything; true
// means the request was answered.
func (s *Server) embedFault(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	f := s.onEmbed
	s.mu.Unlock()
	rec, _ := r.Context().Value(recordedKey{}).(Recorded)
	if f == nil {
		return false
	}
	reply := f(rec)
	if reply == nil {
		return false
	}
	if reply.Delay > 0 {
		select {
		case <-r.Context().Done():
			return true
		case <-time.After(reply.Delay):
		}
	}
	if reply.Hang {
		<-r.Context().Done()
		return true
	}
	if reply.Raw != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(max(reply.Status, http.StatusOK))
		_, _ = w.Write(reply.Raw)
		return true
	}
	if reply.Status == 0 || reply.Status == http.StatusOK {
		return false
	}
	if reply.RetryAfter != "" {
		w.Header().Set("Retry-After", reply.RetryAfter)
	}
	status, body := s.w.errorBody(*reply)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return true
}

// embedInput decodes the texts, model and dimensions of an embedding
// request of either protocol ("input" is a string or a list of them).
func embedInput(body []byte) (input []string, model string, dims int) {
	var req struct {
		Model      string          `json:"model"`
		Input      json.RawMessage `json:"input"`
		Dimensions int             `json:"dimensions"`
	}
	if json.Unmarshal(body, &req) != nil {
		return nil, "", 0
	}
	var one string
	if json.Unmarshal(req.Input, &one) == nil {
		if one != "" {
			input = []string{one}
		}
	} else {
		_ = json.Unmarshal(req.Input, &input)
	}
	return input, req.Model, req.Dimensions
}

// modelDims is the embedding size of a model: its Model.Dims, else
// ConceptDims.
func (s *Server) modelDims(name string) (Model, int) {
	m, ok := s.findModel(name)
	if !ok {
		for _, x := range s.modelList() {
			if x.Name == name {
				m, ok = x, true
			}
		}
	}
	if ok && m.Dims > 0 {
		return m, m.Dims
	}
	return m, ConceptDims()
}

// tokensOf estimates the prompt tokens an embedding reports.
func tokensOf(input []string) int {
	n := 0
	for _, t := range input {
		n += len(Words(t)) + 2
	}
	return n
}

// serveOllamaEmbed answers POST /api/embed as Ollama v0.17.4 does: every
// model embeds (Ollama does not check), an unknown one is a 404 when the
// server lists models, and "dimensions" cuts the vector.
func (s *Server) serveOllamaEmbed(w http.ResponseWriter, r *http.Request) {
	if s.embedFault(w, r) {
		return
	}
	body, _ := r.Context().Value(recordedKey{}).(Recorded)
	input, model, dims := embedInput(body.Body)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if _, ok := s.findModel(model); !ok && len(s.modelList()) > 0 {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write(mustJSON(map[string]string{"error": "model '" + model + "' not found"}))
		return
	}
	_, size := s.modelDims(model)
	if dims <= 0 || dims > size {
		dims = size
	}
	vecs := make([][]float32, len(input))
	for i, t := range input {
		vecs[i] = Embedding(t, dims)
	}
	_, _ = w.Write(mustJSON(map[string]any{"model": model, "embeddings": vecs,
		"total_duration": 14143917, "load_duration": 1019500, "prompt_eval_count": tokensOf(input)}))
}

// serveOpenAIEmbed answers POST /v1/embeddings as OpenAI does; a model
// with NoDimensions refuses "dimensions" as text-embedding-ada-002 does.
func (s *Server) serveOpenAIEmbed(w http.ResponseWriter, r *http.Request) {
	if s.embedFault(w, r) {
		return
	}
	body, _ := r.Context().Value(recordedKey{}).(Recorded)
	input, model, dims := embedInput(body.Body)
	m, size := s.modelDims(model)
	if dims > 0 && m.NoDimensions {
		status, b := s.w.errorBody(Reply{Status: http.StatusBadRequest, Error: "This model does not support specifying dimensions."})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(b)
		return
	}
	if dims <= 0 {
		dims = size
	}
	data := make([]any, len(input))
	for i, t := range input {
		data[i] = map[string]any{"object": "embedding", "index": i, "embedding": Embedding(t, dims)}
	}
	tokens := tokensOf(input)
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(mustJSON(map[string]any{"object": "list", "data": data, "model": model,
		"usage": map[string]any{"prompt_tokens": tokens, "total_tokens": tokens}}))
}
