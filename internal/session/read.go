package session

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/segmentio/encoding/json"
)

// Reading a session file streams it: lines are read in batches, each
// batch decoded on every CPU (segmentio/encoding/json, a drop-in decoder
// three to four times faster than encoding/json on these lines; writing
// keeps encoding/json), then applied in order. Memory stays bounded by a
// batch whatever the file's length, so `session show` of a long session
// holds little more than what it prints.

// ErrNoHeader means a file does not start with a session header.
var ErrNoHeader = errors.New("not a session file: the first line is not a session header")

// sink receives what a session file holds, in order: its header, then
// every committed entry (with, for a message, where its line is: see
// lazy.go), warnings about what was skipped, and at the end the intact
// size and whether turns end with commits.
type sink interface {
	header(Entry)
	entry(Entry, msgRef)
	warn(string)
	end(size int64, commits bool)
}

// Parse reads a session file's content. A last line without its newline
// (the turn in flight when the process died), the lines of a turn that
// has no commit record after them, and lines that are not valid JSON are
// skipped with a warning; everything before them is kept.
func Parse(data []byte) (*Transcript, error) {
	t := newTranscript(Entry{})
	if err := read(bytes.NewReader(data), t, false); err != nil {
		return nil, err
	}
	return t, nil
}

// read streams a session file from r into s. With lazy, messages are not
// decoded, only located (see lazy.go). One goroutine reads and decodes
// the next batch while the caller's sink takes the current one (printing
// it, for `session show`), so both CPUs work; at most two batches are
// held at once.
func read(r io.Reader, s sink, lazy bool) error {
	type decoded struct {
		lines   [][]byte
		arenas  [][]byte   // that lines are in
		entries []Entry    // decoded whole
		heads   []headLine // or without their messages (lazy)
		errs    []error
	}
	batches := make(chan decoded, 1)
	stop := make(chan struct{})
	// Buffers of batches the sink is done with, for the next batches to
	// reuse: nothing the sink keeps points into them (decoded strings and
	// raw messages are copies), and a 10,000-message session otherwise
	// left 9 MB of them behind for the garbage collector while it was
	// read, which set the peak of its memory.
	var bufs buffers
	var torn int
	var rerr error
	go func() {
		defer close(batches)
		torn, rerr = readLines(r, &bufs, func(batch, arenas [][]byte) error {
			d := decoded{lines: batch, arenas: arenas}
			if lazy {
				d.heads, d.errs = decodeLinesHead(batch, bufs.heads())
			} else {
				d.entries, d.errs = decodeLines(batch)
			}
			select {
			case batches <- d:
				return nil
			case <-stop:
				return errStopped
			}
		})
	}()
	b := &builder{s: s}
	var err error
	for d := range batches {
		for i, line := range d.lines {
			if err != nil {
				break
			}
			if d.heads != nil {
				err = b.line(line, d.heads[i].Entry, d.heads[i].Message, d.errs[i])
			} else {
				err = b.line(line, d.entries[i], lazyMessage{}, d.errs[i])
			}
		}
		if err != nil {
			close(stop)
			for range batches { // let the reader finish
			}
			return err
		}
		bufs.free(d.arenas, d.heads)
	}
	if rerr != nil {
		return rerr
	}
	if torn > 0 {
		s.warn(fmt.Sprintf("line %d: incomplete last line (%d bytes) ignored: the process probably stopped while writing it", b.n+1, torn))
	}
	return b.finish()
}

// errStopped ends the reader of a file whose consumer gave up.
var errStopped = errors.New("stopped")

// batchLines is how many lines are read and decoded at once.
const batchLines = 256

// buffers keeps the line arenas and decoded heads of batches that were
// consumed, for reuse; a channel each, so the reader and the sink can
// share them.
type buffers struct {
	once   sync.Once
	arenaC chan []byte
	headC  chan []headLine
}

func (b *buffers) init() {
	b.once.Do(func() {
		b.arenaC = make(chan []byte, 8)
		b.headC = make(chan []headLine, 2)
	})
}

// arena returns an empty arena of at least n bytes.
func (b *buffers) arena(n int) []byte {
	b.init()
	select {
	case a := <-b.arenaC:
		if cap(a) >= n {
			return a[:0]
		}
	default:
	}
	return make([]byte, 0, max(arenaBytes, n))
}

// heads returns a slice of headLines to decode into, or nil.
func (b *buffers) heads() []headLine {
	b.init()
	select {
	case h := <-b.headC:
		return h
	default:
		return nil
	}
}

// free takes back the buffers of a consumed batch (those that do not fit
// are left to the garbage collector).
func (b *buffers) free(arenas [][]byte, heads []headLine) {
	b.init()
	for _, a := range arenas {
		select {
		case b.arenaC <- a:
		default:
		}
	}
	if heads != nil {
		select {
		case b.headC <- heads:
		default:
		}
	}
}

// arenaBytes is the size of the buffers lines are copied into.
const arenaBytes = 256 << 10

// readLines reads r in batches of whole lines (without their newlines),
// handed to fn with the arenas that hold them; fn may keep both, or give
// the arenas back to bufs once nothing refers to the lines. torn is the
// length of a last line without its newline, which is not handed over.
func readLines(r io.Reader, bufs *buffers, fn func(lines, arenas [][]byte) error) (torn int, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var arena []byte
	var arenas [][]byte // of this batch
	batch := make([][]byte, 0, batchLines)
	var long []byte // a line longer than the reader's buffer, so far
	for {
		chunk, rerr := br.ReadSlice('\n')
		switch {
		case rerr == bufio.ErrBufferFull:
			long = append(long, chunk...)
			continue
		case rerr == io.EOF:
			if n := len(long) + len(chunk); n > 0 {
				torn = n
			}
			if len(batch) > 0 {
				err = fn(batch, arenas)
			}
			return torn, err
		case rerr != nil:
			return 0, rerr
		}
		line := chunk[:len(chunk)-1]
		if long != nil {
			line = append(long, line...)
			long = nil
		}
		// Copy into an arena shared by the lines of a batch: one buffer
		// per 256 KB rather than one per line. Lines are never appended
		// to in place, so earlier slices stay valid when a new arena
		// starts; a batch's arenas go with it.
		if arena == nil || len(line) > cap(arena)-len(arena) {
			arena = bufs.arena(len(line))
			arenas = append(arenas, arena)
		}
		start := len(arena)
		arena = append(arena, line...)
		arenas[len(arenas)-1] = arena
		batch = append(batch, arena[start:len(arena):len(arena)])
		if len(batch) == batchLines {
			if err := fn(batch, arenas); err != nil {
				return 0, err
			}
			batch, arena, arenas = make([][]byte, 0, batchLines), nil, nil
		}
	}
}

// decodeLines decodes every non-blank line, on every CPU for a batch.
func decodeLines(lines [][]byte) ([]Entry, []error) {
	entries := make([]Entry, len(lines))
	errs := make([]error, len(lines))
	parallel(len(lines), func(i int) {
		if len(bytes.TrimSpace(lines[i])) > 0 {
			errs[i] = json.Unmarshal(lines[i], &entries[i])
		}
	})
	return entries, errs
}

// parallel runs fn(0) … fn(n-1), split across the CPUs when n is large
// enough to be worth it.
func parallel(n int, fn func(int)) {
	run := func(from, to int) {
		for i := from; i < to; i++ {
			fn(i)
		}
	}
	workers := min(runtime.GOMAXPROCS(0), 8, n/64)
	if workers < 2 {
		run(0, n)
		return
	}
	var wg sync.WaitGroup
	per := (n + workers - 1) / workers
	for from := 0; from < n; from += per {
		wg.Go(func() { run(from, min(from+per, n)) })
	}
	wg.Wait()
}

// builder applies a file's lines in order. From format version 2 on, it
// holds a turn's messages until the commit record that follows them.
type builder struct {
	s         sink
	n         int   // lines seen
	off       int64 // offset of the next line
	size      int64 // the intact end of the file
	gotHeader bool
	commits   bool // turns end with a commit record
	pending   []pendingMsg
	from      int64 // offset of the first pending line
}

// pendingMsg is a message (or withdrawal) line waiting for its turn's
// commit.
type pendingMsg struct {
	e   Entry
	ref msgRef
}

// line applies one complete line (without its newline), decoded as e, or
// err if it could not be decoded; lm stands for its message when the line
// was decoded without it.
func (b *builder) line(line []byte, e Entry, lm lazyMessage, err error) error {
	b.n++
	at := b.off
	b.off += int64(len(line)) + 1
	if len(bytes.TrimSpace(line)) == 0 {
		b.advance()
		return nil
	}
	if err != nil {
		b.s.warn(fmt.Sprintf("line %d: unreadable line ignored: %v", b.n, err))
		b.advance()
		return nil
	}
	if !b.gotHeader {
		if e.Type != TypeSession {
			return ErrNoHeader
		}
		b.gotHeader = true
		b.s.header(e)
		b.commits = e.Version >= 2
		b.advance()
		return nil
	}
	ref := msgRef{off: at, n: len(line), role: lm.role, lazy: lm.present}
	switch {
	case e.Type == TypeMessage && e.Message == nil && !lm.present:
		b.s.warn(fmt.Sprintf("line %d: a message line without a message was ignored", b.n))
		b.advance()
		return nil
	case (e.Type == TypeMessage || e.Type == TypeWithdraw) && b.commits:
		// A withdrawal belongs to the turn that replaces it.
		if len(b.pending) == 0 {
			b.from = at
		}
		b.pending = append(b.pending, pendingMsg{e, ref})
		return nil
	case e.Type == TypeCommit:
		n := 0
		for _, m := range b.pending {
			b.emit(m.e, m.ref)
			if m.e.Type == TypeMessage {
				n++
			}
		}
		if e.Count != n {
			b.s.warn(fmt.Sprintf("line %d: a turn of %d messages was committed as %d", b.n, n, e.Count))
		}
		b.pending = b.pending[:0]
	case len(b.pending) > 0:
		b.drop(fmt.Sprintf("line %d", b.n))
	}
	if e.Type == TypeFormat && e.Version >= 2 {
		b.commits = true
	}
	b.emit(e, ref)
	b.advance()
	return nil
}

func (b *builder) emit(e Entry, ref msgRef) { b.s.entry(e, ref) }

// advance moves the intact end of the file past the current line, unless
// an unfinished turn holds it back.
func (b *builder) advance() {
	if len(b.pending) == 0 {
		b.size = b.off
	}
}

// drop forgets the pending messages of a turn that was never committed.
func (b *builder) drop(where string) {
	b.s.warn(fmt.Sprintf("%s: an unfinished turn of %d messages was dropped: the process stopped before the turn was saved whole", where, len(b.pending)))
	b.pending = b.pending[:0]
}

// finish ends the file: a turn without its commit is dropped, and the
// intact size stays where it began, so the next append replaces it.
func (b *builder) finish() error {
	if !b.gotHeader {
		return ErrNoHeader
	}
	if len(b.pending) > 0 {
		b.drop("end of file")
		b.size = b.from
	}
	b.s.end(b.size, b.commits)
	return nil
}
