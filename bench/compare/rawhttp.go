//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"
)

// rawTimeout bounds one request of the raw client.
const rawTimeout = 30 * time.Second

// rawClient is the search load's default client, a lean HTTP/1.1 client
// in the manner of wrk: one keep-alive connection, requests written from
// prepared bytes, each response's status checked and its body read to the
// end (by Content-Length or chunk by chunk) and thrown away. Go's
// net/http client spends about 0.2 ms of CPU per search request on these
// two cores, a fifth of what the daemon spends, and the load generator
// shares the cores with the daemon it measures; this one spends a
// fraction of that, so that the figure is the daemon's (-client net/http
// measures with Go's client instead).
type rawClient struct {
	addr string
	reqs [][]byte // one prepared request per URL
	conn net.Conn
	r    *bufio.Reader
}

// newRawClient prepares GET requests of urls (all on one host), with a
// bearer token when token is set.
func newRawClient(urls []string, token string) (*rawClient, error) {
	c := &rawClient{}
	for _, s := range urls {
		u, err := url.Parse(s)
		if err != nil {
			return nil, err
		}
		if c.addr != "" && u.Host != c.addr {
			return nil, fmt.Errorf("raw client: %s is not on %s", s, c.addr)
		}
		c.addr = u.Host
		req := "GET " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host + "\r\n"
		if token != "" {
			req += "Authorization: Bearer " + token + "\r\n"
		}
		c.reqs = append(c.reqs, []byte(req+"\r\n"))
	}
	return c, nil
}

// get sends request i and reads its response; a failed connection is
// dropped and the next call dials again.
func (c *rawClient) get(ctx context.Context, i int) error {
	if c.conn == nil {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", c.addr)
		if err != nil {
			return err
		}
		c.conn, c.r = conn, bufio.NewReaderSize(conn, 16<<10)
	}
	c.conn.SetDeadline(time.Now().Add(rawTimeout))
	err := c.roundTrip(c.reqs[i])
	if err != nil {
		c.Close()
	}
	return err
}

func (c *rawClient) roundTrip(req []byte) error {
	if _, err := c.conn.Write(req); err != nil {
		return err
	}
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(line, []byte("HTTP/1.1 200 ")) {
		return fmt.Errorf("status %q", bytes.TrimSpace(line))
	}
	length, chunked := -1, false
	for {
		h, err := c.r.ReadSlice('\n')
		if err != nil {
			return err
		}
		h = bytes.TrimRight(h, "\r\n")
		if len(h) == 0 {
			break
		}
		name, value, _ := bytes.Cut(h, []byte(":"))
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil {
				return fmt.Errorf("Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		}
	}
	switch {
	case chunked:
		return c.skipChunks()
	case length >= 0:
		_, err = c.r.Discard(length)
		return err
	default:
		return errors.New("a response with neither Content-Length nor chunks")
	}
}

// skipChunks reads a chunked body and its trailer.
func (c *rawClient) skipChunks() error {
	for {
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			return err
		}
		size, _, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(";"))
		n, err := strconv.ParseInt(string(size), 16, 64)
		if err != nil {
			return fmt.Errorf("chunk size %q", size)
		}
		if n == 0 {
			for { // trailer, up to the blank line
				t, err := c.r.ReadSlice('\n')
				if err != nil {
					return err
				}
				if len(bytes.TrimRight(t, "\r\n")) == 0 {
					return nil
				}
			}
		}
		if _, err := c.r.Discard(int(n) + 2); err != nil { // the chunk and its CRLF
			return err
		}
	}
}

// Close closes the connection, if any.
func (c *rawClient) Close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn, c.r = nil, nil
	}
}
