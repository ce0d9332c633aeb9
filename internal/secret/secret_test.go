package secret

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
)

const (
	openaiKey = "sk-proj-Zq8xVbN3mK7pL2wR9tY4uI6oA1sD5fG7hJ9kL3zX"
	token     = "7f3e9a1c5b8d2e4f6a0b9c8d7e6f5a4b"
)

func TestMask(t *testing.T) {
	m := New(openaiKey, token, "", "short")
	tests := []struct {
		name, in, want string
	}{
		{"nothing to mask", "an ordinary line", "an ordinary line"},
		{"a whole key", "key=" + openaiKey + ".", "key=sk-…L3zX."},
		{"every occurrence", openaiKey + " " + openaiKey, "sk-…L3zX sk-…L3zX"},
		{"short values are not secrets", "a short line", "a short line"},
		{"highlight marks inside the key", "hit: sk-«proj»-Zq8xVbN3mK7pL2wR9tY4uI6oA1sD5fG7hJ9kL3zX end", "hit: sk-…L3zX end"},
		{"every word highlighted", "«sk»-«proj»-«Zq8xVbN3mK7pL2wR9tY4uI6oA1sD5fG7hJ9kL3zX»", "«sk-…L3zX»"},
		{"zero-width characters inside", "sk-proj-Zq8x\u200bVbN3mK7pL2wR9t\ufeffY4uI6oA1sD5fG7hJ9kL3zX", "sk-…L3zX"},
		{"cut at the end by a snippet", "…was sk-proj-Zq8xVbN3mK7pL2wR9tY4uI6o…", "…was …(hidden)…"},
		{"cut at the start by truncation", "[… omitted …]\nY4uI6oA1sD5fG7hJ9kL3zX rest", "[… omitted …]\n…(hidden) rest"},
		{"a short piece stays", "prefix sk-proj- is common", "prefix sk-proj- is common"},
		{"JSON-escaped in a document", `{"k":"` + openaiKey + `"}`, `{"k":"sk-…L3zX"}`},
		{"the token, lower-cased", "T=" + strings.ToUpper(token) + " t=" + token, "T=" + strings.ToUpper(token) + " t=7f3…5a4b"},
		{"invalid UTF-8 kept as it is", "\xff\xfe" + openaiKey + "\xc2", "\xff\xfesk-…L3zX\xc2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := m.Mask(tt.in); got != tt.want {
				t.Fatalf("Mask(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
			if got := string(m.MaskBytes([]byte(tt.in))); got != tt.want {
				t.Fatalf("MaskBytes(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if m.Holds(tt.in) != (tt.in != tt.want) {
				t.Fatalf("Holds(%q) = %v", tt.in, m.Holds(tt.in))
			}
		})
	}
}

func TestMaskSpecialCharacters(t *testing.T) {
	secret := `pa"ss\word-with-quotes-1234`
	m := New(secret)
	doc, _ := json.Marshal(map[string]string{"a": secret, "b": "x" + secret[5:] + "y"})
	got := m.MaskBytes(doc)
	if !json.Valid(got) {
		t.Fatalf("masking broke the JSON: %s", got)
	}
	var back map[string]string
	json.Unmarshal(got, &back)
	if strings.Contains(back["a"], secret) || strings.Contains(back["b"], secret[5:]) {
		t.Fatalf("not masked: %s", got)
	}
}

func TestNilAndEmptyMasker(t *testing.T) {
	var m *Masker
	if m.Mask(openaiKey) != openaiKey || m.Holds(openaiKey) || m.InURL(openaiKey) || m.Len() != 0 {
		t.Fatal("a nil Masker changed something")
	}
	if New().Mask(openaiKey) != openaiKey {
		t.Fatal("an empty Masker changed something")
	}
}

func TestLongerSecretWins(t *testing.T) {
	m := New("abcdefgh", "abcdefgh-ijklmnop")
	if got := m.Mask("k=abcdefgh-ijklmnop and abcdefgh"); got != "k=abc…mnop and …(hidden)" {
		t.Fatal(got)
	}
}

func TestAddWhileMasking(t *testing.T) {
	m := New(openaiKey)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for range 200 {
				if strings.Contains(m.Mask("x "+openaiKey), openaiKey) {
					t.Error("key leaked during Add")
				}
			}
		})
		wg.Go(func() { m.Add(fmt.Sprintf("another-secret-%d-abcdef", i)) })
	}
	wg.Wait()
	if m.Len() != 5 {
		t.Fatalf("Len = %d, want 5", m.Len())
	}
	if got := m.Mask("another-secret-3-abcdef"); got != "ano…cdef" {
		t.Fatal(got)
	}
}

func TestInURL(t *testing.T) {
	m := New(openaiKey, token)
	b64 := base64.RawURLEncoding.EncodeToString([]byte(openaiKey))
	tests := []struct {
		url  string
		want bool
	}{
		{"https://example.com/page", false},
		{"https://example.com/?q=sk-proj-is-a-prefix", false},
		{"https://evil.example/?k=" + openaiKey, true},
		{"https://evil.example/?k=" + url.QueryEscape(openaiKey), true},
		{"https://evil.example/" + strings.ReplaceAll(url.PathEscape(openaiKey), "-", "%2D"), true},
		{"https://evil.example/?k=" + url.QueryEscape(url.QueryEscape(openaiKey)), true},
		{"https://" + token + ".evil.example/", true},
		{"https://" + strings.ToUpper(token) + ".evil.example/", true},
		{"https://evil.example/?d=" + b64, true},
		{"https://evil.example/?d=" + base64.StdEncoding.EncodeToString([]byte(openaiKey)), true},
		{"https://evil.example/x/" + hex.EncodeToString([]byte(openaiKey)), true},
		{"https://evil.example/?half=Zq8xVbN3mK7pL2wR9tY4uI6o", true},
	}
	for _, tt := range tests {
		if got := m.InURL(tt.url); got != tt.want {
			t.Errorf("InURL(%q) = %v, want %v", tt.url, got, tt.want)
		}
	}
}

func TestWriter(t *testing.T) {
	var b strings.Builder
	w := New(openaiKey).Writer(&b)
	n, err := fmt.Fprintf(w, "error: bad key %s\n", openaiKey)
	if err != nil || n != len("error: bad key \n")+len(openaiKey) {
		t.Fatalf("n %d err %v", n, err)
	}
	if b.String() != "error: bad key sk-…L3zX\n" {
		t.Fatal(b.String())
	}
	var nilM *Masker
	if nilM.Writer(&b) != &b {
		t.Fatal("a nil Masker wrapped the writer")
	}
}

func TestDisplay(t *testing.T) {
	for in, want := range map[string]string{"": "", "pass1234": "…(hidden)", "sk-abcdefghijkl": "sk-…ijkl"} {
		if got := Display(in); got != want {
			t.Errorf("Display(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStream(t *testing.T) {
	m := New(openaiKey)
	text := "Your key is " + openaiKey + ", keep it; the answer goes on for a while, sk-proj- is only a prefix."
	for _, size := range []int{1, 3, 7, 64} {
		s := m.Stream()
		var out strings.Builder
		for i := 0; i < len(text); i += size {
			piece := s.Next(text[i:min(i+size, len(text))])
			out.WriteString(piece)
			if strings.Contains(out.String(), "Zq8x") {
				t.Fatalf("size %d: part of the key was sent: %q", size, out.String())
			}
		}
		out.WriteString(s.Flush())
		if got, want := out.String(), m.Mask(text); got != want {
			t.Fatalf("size %d:\n got %q\nwant %q", size, got, want)
		}
	}
	var nilM *Masker
	if s := nilM.Stream(); s.Next("abc") != "abc" || s.Flush() != "" {
		t.Fatal("a nil Masker's stream changed the text")
	}
}
