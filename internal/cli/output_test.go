package cli

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// TestJSONOutputIsSafeOnATerminal: --json output escapes the C1 controls
// and bidi overrides encoding/json leaves raw, and still decodes to the
// exact values.
func TestJSONOutputIsSafeOnATerminal(t *testing.T) {
	in := map[string]string{"snippet": "a\u009b2Jb\u202ec\x1b]52;d", "plain": "naïve «text»"}
	var b strings.Builder
	if err := writeJSON(&b, in); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(b.String(), "\u009b\u202e\x1b") || !strings.Contains(b.String(), `\u009b`) {
		t.Fatalf("raw controls in JSON output: %q", b.String())
	}
	var back map[string]string
	if err := json.Unmarshal([]byte(b.String()), &back); err != nil || back["snippet"] != in["snippet"] || back["plain"] != in["plain"] {
		t.Fatalf("values changed: %v %q", err, back)
	}
}

// TestPrintfSanitizesArgumentsOnly: LocalGPT's own format and styled text
// keep their escape codes; every other argument is sanitized.
func TestPrintfSanitizesArgumentsOnly(t *testing.T) {
	type role string
	var b strings.Builder
	printf(&b, "\x1b[1m%s\x1b[0m %s %v %s %d %s\n", "x\x1b[2Jy", styled("\x1b[32m✓\x1b[0m"), errors.New("e\x07rr"), role("r\u009bole"), 7, "tab\tkept")
	want := "\x1b[1mx[2Jy\x1b[0m \x1b[32m✓\x1b[0m err role 7 tab\tkept\n"
	if b.String() != want {
		t.Fatalf("got %q\nwant %q", b.String(), want)
	}
}
