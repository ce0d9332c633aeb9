package server

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/localgpt-go/localgpt/internal/agent"
	"github.com/localgpt-go/localgpt/internal/llm/llmtest"
)

// BenchmarkMemorySearchHTTP is a bounded loopback load generator for GET
// /api/memory/search: 16 workers share b.N requests over keep-alive
// connections to a real server over a workspace of 200 notes; it reports
// requests per second.
func BenchmarkMemorySearchHTTP(b *testing.B) {
	f := newFixture(b, "")
	words := []string{"zebra", "garden", "invoice", "python", "holiday", "meeting", "recipe", "budget"}
	for i := range 200 {
		note := fmt.Sprintf("# Note %d\n\n## Topic\nThe %s and the %s came up on day %d.\n\n## More\nA %s list for %s.\n",
			i, words[i%8], words[(i*3)%8], i, words[(i*5)%8], words[(i*7)%8])
		if err := os.WriteFile(filepath.Join(f.paths.Workspace, fmt.Sprintf("note-%03d.md", i)), []byte(note), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	get := func(q string) error {
		req, _ := http.NewRequest("GET", f.hs.URL+"/api/memory/search?limit=10&q="+q, nil)
		f.authorize(req)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return err
	}
	if err := get("zebra"); err != nil { // indexes the workspace
		b.Fatal(err)
	}
	const workers = 16
	var next atomic.Int64
	var failed atomic.Value
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				if err := get(words[i%8]); err != nil {
					failed.Store(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	if err := failed.Load(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// BenchmarkStreamOverhead measures what streaming through the server
// costs per event: one 400-piece answer from the fake provider consumed
// directly from the agent ("agent"), and the same answer read by an HTTP
// client from /v1/chat/completions and /api/chat/stream. The difference in
// ns/event between them is the server's share.
func BenchmarkStreamOverhead(b *testing.B) {
	f := newFixture(b, "")
	reply := llmtest.Reply{Text: strings.Repeat("word ", 400), ChunkSize: 5, Usage: llmtest.Usage{Prompt: 10, Completion: 400}}
	raw := f.llm.Render(reply, "gpt-4o-mini")
	const events = 400
	as, err := f.srv.models.get(context.Background(), "", true)
	if err != nil {
		b.Fatal(err)
	}
	count := func(r io.Reader) int {
		n := 0
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "data: ") {
				n++
			}
		}
		return n
	}
	b.Run("agent", func(b *testing.B) {
		for b.Loop() {
			f.llm.Enqueue(llmtest.Reply{Raw: raw})
			n := 0
			if _, err := as.Agent.RunMessage(context.Background(), nil, userMsg("go"), func(e agent.Event) {
				if e.Type == agent.EventText {
					n++
				}
			}); err != nil || n != events {
				b.Fatalf("%v, %d events", err, n)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*events), "ns/event")
	})
	for _, tc := range []struct{ name, path, body string }{
		{"v1", "/v1/chat/completions", `{"model":"localgpt","stream":true,"messages":[{"role":"user","content":"go"}]}`},
		{"api", "/api/chat/stream", `{"message":"go","include_memory":false}`},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				f.llm.Enqueue(llmtest.Reply{Raw: raw})
				resp := f.send(context.Background(), "POST", tc.path, tc.body)
				n := count(resp.Body)
				resp.Body.Close()
				if n < events {
					b.Fatalf("%d events", n)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*events), "ns/event")
		})
	}
}
