//go:build unix

package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// searchQueries are the ten queries of bench/memory.sh and the memory
// benchmarks: common and rare words, a phrase, an accented word, CJK, and
// queries only the all-but-one and OR stages answer.
var searchQueries = []string{
	"deploy budget", "postgres migration", `"deploy of"`, "kalomi", "review plan customer",
	"café", "会議の議事録", "latency cache", "invoice travel", "kubernetes backup zzzznotaword",
}

// loadResult is what one load run measured.
type loadResult struct {
	requests int
	errors   int
	elapsed  time.Duration
	lat      []time.Duration // sorted
	peakRSS  int64           // bytes, sampled every 50 ms
	cpu      time.Duration   // the daemon's CPU time during the run
}

func (l loadResult) rps() float64 { return float64(l.requests) / l.elapsed.Seconds() }

func (l loadResult) pct(p float64) time.Duration {
	if len(l.lat) == 0 {
		return 0
	}
	return l.lat[int(p*float64(len(l.lat)-1))]
}

// searchURLs are the search requests, one per query.
func searchURLs(base string) []string {
	out := make([]string, len(searchQueries))
	for i, q := range searchQueries {
		out[i] = base + "/api/memory/search?limit=10&q=" + url.QueryEscape(q)
	}
	return out
}

// loadSearch keeps conns keep-alive connections busy with GET
// /api/memory/search for d, rotating the queries, after a warm-up of a
// second; it samples the daemon's RSS meanwhile. token, when set, is sent
// as a bearer token. client is "raw" (rawClient) or "net/http".
func loadSearch(ctx context.Context, client, base, token string, pid, conns int, d time.Duration) (loadResult, error) {
	urls := searchURLs(base)
	newGet := func() (get func(context.Context, int) error, done func(), err error) {
		if client == "net/http" {
			return netHTTPGetter(urls, token)
		}
		rc, err := newRawClient(urls, token)
		if err != nil {
			return nil, nil, err
		}
		return rc.get, rc.Close, nil
	}
	get, done, err := newGet()
	if err != nil {
		return loadResult{}, err
	}
	for i := range urls { // every query answers before the load starts
		if err := get(ctx, i); err != nil {
			done()
			return loadResult{}, fmt.Errorf("GET %s: %w", urls[i], err)
		}
	}
	done()
	var next atomic.Int64
	var measuring atomic.Bool
	var firstErr atomic.Value
	lats := make([][]time.Duration, conns)
	errs := make([]int, conns)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for w := range conns {
		get, done, err := newGet()
		if err != nil {
			return loadResult{}, err
		}
		wg.Go(func() {
			defer done()
			for runCtx.Err() == nil {
				i := int(next.Add(1) % int64(len(urls)))
				t0 := time.Now()
				err := get(runCtx, i)
				if !measuring.Load() || runCtx.Err() != nil {
					continue
				}
				if err != nil {
					errs[w]++
					firstErr.CompareAndSwap(nil, err)
					continue
				}
				lats[w] = append(lats[w], time.Since(t0))
			}
		})
	}
	// Sample RSS for the whole run, warm-up included.
	var peak atomic.Int64
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if rss := procStatus(pid, "VmRSS"); rss > peak.Load() {
				peak.Store(rss)
			}
			select {
			case <-stopSampling:
				return
			case <-t.C:
			}
		}
	}()
	time.Sleep(time.Second) // warm-up
	_, cpu0, _ := procStat(pid)
	measuring.Store(true)
	t0 := time.Now()
	time.Sleep(d)
	measuring.Store(false)
	elapsed := time.Since(t0)
	_, cpu1, _ := procStat(pid)
	cancel()
	wg.Wait()
	close(stopSampling)
	<-sampled
	r := loadResult{elapsed: elapsed, peakRSS: peak.Load(), cpu: cpu1 - cpu0}
	for w := range conns {
		r.lat = append(r.lat, lats[w]...)
		r.errors += errs[w]
	}
	r.requests = len(r.lat)
	slices.Sort(r.lat)
	if r.errors > 0 {
		return r, fmt.Errorf("%d of %d requests failed, the first: %v", r.errors, r.errors+r.requests, firstErr.Load())
	}
	return r, nil
}

// netHTTPGetter is a client of the load with Go's net/http: each worker
// gets its own, with one keep-alive connection, as with rawClient.
func netHTTPGetter(urls []string, token string) (get func(context.Context, int) error, done func(), err error) {
	tr := &http.Transport{MaxIdleConnsPerHost: 1, MaxConnsPerHost: 1, DisableCompression: true}
	client := &http.Client{Transport: tr}
	get = func(ctx context.Context, i int) error {
		req, err := http.NewRequestWithContext(ctx, "GET", urls[i], nil)
		if err != nil {
			return err
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: status %d", urls[i], resp.StatusCode)
		}
		return err
	}
	return get, tr.CloseIdleConnections, nil
}
