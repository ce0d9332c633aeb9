// Package tokens estimates how many model tokens a text will use. LocalGPT
// never ships a tokenizer: budgets (memory context, chunk sizes, session
// compaction) only need a cheap, stable, slightly pessimistic estimate.
//
// The rule is one token per four bytes of UTF-8, rounded up. English prose
// averages about four characters per token in the common BPE vocabularies;
// CJK text uses three bytes per character and about one token per
// character, so counting bytes rather than characters keeps the estimate
// close for both without knowing the model.
//
// Where it is not close (code, small local models with dense vocabularies),
// Calibration learns a per-model ratio from the prompt tokens providers
// report, and keeps it across processes.
package tokens

// BytesPerToken is the divisor of the estimate.
const BytesPerToken = 4

// Estimate returns the estimated token count of s: ceil(len(s)/4).
func Estimate(s string) int { return ForBytes(len(s)) }

// ForBytes returns the estimated token count of n bytes of text.
func ForBytes(n int) int {
	if n <= 0 {
		return 0
	}
	return (n + BytesPerToken - 1) / BytesPerToken
}

// Bytes returns how many bytes of text fit in n tokens, the inverse of
// ForBytes, for cutting a text to a budget.
func Bytes(n int) int {
	if n <= 0 {
		return 0
	}
	return n * BytesPerToken
}

// Usable is how many tokens a request may hold in a window of window
// tokens when reserve are kept for the answer. The reserve is at most a
// quarter of the window, so that a small window (a local model run with
// a small num_ctx) still leaves room for the conversation.
func Usable(window, reserve int) int {
	return window - min(max(reserve, 0), window/4)
}
