package tokens

import "testing"

func TestEstimate(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 0},
		{"a", 1},
		{"abcd", 1},
		{"abcde", 2},
		{"The quick brown fox jumps over the lazy dog.", 11},
		{"日本語", 3}, // 9 bytes
	}
	for _, tt := range tests {
		if got := Estimate(tt.in); got != tt.want {
			t.Errorf("Estimate(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestBytesInvertsForBytes(t *testing.T) {
	for _, n := range []int{-1, 0, 1, 7, 400, 8192} {
		b := Bytes(n)
		if n > 0 && ForBytes(b) != n {
			t.Errorf("ForBytes(Bytes(%d)) = %d", n, ForBytes(b))
		}
		if n <= 0 && b != 0 {
			t.Errorf("Bytes(%d) = %d, want 0", n, b)
		}
	}
}
