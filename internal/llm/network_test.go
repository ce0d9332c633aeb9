package llm

import (
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
)

func TestNetworkErrorSaysWhyBriefly(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	_, dialErr := http.Get("http://" + addr + "/api/tags")
	if dialErr == nil {
		t.Fatal("expected a connection error")
	}
	e := NetworkError(Ollama, "llama3.2", "http://"+addr, dialErr)
	if e.Message != "no answer from http://"+addr+" (connection refused)" {
		t.Fatalf("message %q", e.Message)
	}
	if e.Kind != KindUnreachable || !errors.Is(e, dialErr) || strings.Contains(e.Error(), "dial tcp") {
		t.Fatalf("error %v", e)
	}
}
