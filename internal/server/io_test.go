package server

import (
	"io"
	"net/http/httptest"
	"testing"

	"github.com/localgpt-go/localgpt/internal/llm"
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

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }

func userMsg(s string) llm.Message { return llm.UserText(s) }
