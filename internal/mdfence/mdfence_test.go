package mdfence

import "testing"

func TestFences(t *testing.T) {
	open := []struct {
		line string
		ch   byte
		n    int
	}{
		{"```", '`', 3},
		{"   ````go", '`', 4},
		{"~~~ info `ok`", '~', 3},
		{"    ```", '`', 3}, // in a list item
		{"\t~~~", '~', 3},
		{"``", 0, 0},
		{"```a`b", 0, 0},
		{"text ```", 0, 0},
	}
	for _, c := range open {
		if ch, n := Open(c.line); ch != c.ch || n != c.n {
			t.Errorf("Open(%q) = %q, %d; want %q, %d", c.line, ch, n, c.ch, c.n)
		}
	}
	closes := []struct {
		line string
		want bool
	}{
		{"```", true},
		{"`````  ", true},
		{"``", false},
		{"``` x", false},
		{"~~~", false},
		{"      ```", true},
		{"\r", false},
	}
	for _, c := range closes {
		if got := Closes(c.line, '`', 3); got != c.want {
			t.Errorf("Closes(%q) = %v, want %v", c.line, got, c.want)
		}
	}
}
