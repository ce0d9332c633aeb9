package server

import (
	"io"
	"testing"
)

func ioPipe() (*io.PipeReader, *io.PipeWriter) { return io.Pipe() }

func readAll(t testing.TB, r io.Reader) []byte {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
