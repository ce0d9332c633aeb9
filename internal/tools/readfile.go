package tools

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/localgpt-go/localgpt/internal/clip"
	"github.com/localgpt-go/localgpt/internal/fsutil"
)

// Limits of read_file.
const (
	// DefaultReadLines is how many lines read_file shows without a limit.
	DefaultReadLines = 2000
	// maxLineChars cuts single lines longer than this (minified files).
	maxLineChars = 2000
	// sniffBytes is how much of a file is examined to tell text from binary.
	sniffBytes = 8 << 10
)

// ReadFile shows a text file with numbered lines.
type ReadFile struct {
	Paths PathPolicy
	// MaxChars caps what one call returns; the note says how to read on.
	MaxChars int
	// Gate asks before reading credentials and LocalGPT's own files.
	Gate *Gate
	// Reads learns the version read, for edit_file; nil records nothing.
	Reads *reads
}

type readArgs struct {
	Path   string `json:"path"`
	Offset int    `json:"offset"`
	Limit  int    `json:"limit"`
}

// Name implements Tool.
func (*ReadFile) Name() string { return "read_file" }

// Description implements Tool.
func (*ReadFile) Description() string {
	return fmt.Sprintf("Read a text file. Lines are numbered from 1 like cat -n. Relative paths are relative to the workspace; ~ is the home folder. "+
		"Shows up to %d lines from offset (a 1-based line number); use offset and limit to read large files in parts. Binary files are refused.", DefaultReadLines)
}

// Parameters implements Tool.
func (*ReadFile) Parameters() json.RawMessage {
	return json.RawMessage(`{"type":"object","properties":{` +
		`"path":{"type":"string","description":"File to read; relative to the workspace, ~ for home."},` +
		`"offset":{"type":"integer","minimum":1,"description":"First line to show (1-based); default 1."},` +
		`"limit":{"type":"integer","minimum":1,"description":"How many lines to show; default 2000."}` +
		`},"required":["path"],"additionalProperties":false}`)
}

// Run implements Tool.
func (t *ReadFile) Run(ctx context.Context, raw json.RawMessage) (Result, error) {
	a, err := decodeArgs[readArgs]("read_file", raw, "path", "offset", "limit")
	if err != nil {
		return Result{}, err
	}
	if err := required("read_file", "path", a.Path); err != nil {
		return Result{}, err
	}
	if a.Offset < 0 || a.Limit < 0 {
		return Result{}, &ArgError{"read_file", "offset and limit must be positive line counts"}
	}
	offset, limit := max(a.Offset, 1), a.Limit
	if limit == 0 {
		limit = DefaultReadLines
	}
	if _, err := t.Paths.Resolve(a.Path); err != nil {
		return Result{}, &ArgError{"read_file", "path: " + err.Error()}
	}
	path, err := t.Paths.readTarget(ctx, t.Gate, Request{Tool: "read_file", Summary: "read " + a.Path, Args: raw}, a.Path)
	if err != nil {
		return Result{}, err
	}
	f, err := openRegular(path)
	if err != nil {
		return Result{}, err
	}
	defer f.Close()
	before, _ := f.Stat() // the version read is at most this old
	br := bufio.NewReaderSize(f, 64<<10)
	if err := refuseBinary(br, path); err != nil {
		return Result{}, err
	}
	res, err := readLines(ctx, br, path, offset, limit, t.MaxChars)
	if err == nil && before != nil {
		t.Reads.note(path, before)
	}
	return res, err
}

// openRegular opens path (resolved: no symbolic link in it, as the
// policy judged it) for reading, with errors that say what to do. A link
// that appeared since the check is not followed.
func openRegular(path string) (*os.File, error) {
	// Devices are not even opened (opening one can act: a watchdog, a
	// tape), and a FIFO must not block the call: O_NONBLOCK.
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() && !fi.IsDir() && fi.Mode()&fs.ModeSymlink == 0 {
		return nil, fmt.Errorf("%s is not a regular file (%s)", path, fi.Mode().Type())
	}
	f, err := fsutil.OpenExact(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s does not exist; check the path (relative paths are relative to the workspace)", path)
		}
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%s does not exist; check the path (relative paths are relative to the workspace)", path)
	case fi.IsDir():
		f.Close()
		return nil, fmt.Errorf("%s is a folder, not a file; list it with bash (ls)", path)
	case !fi.Mode().IsRegular():
		f.Close()
		return nil, fmt.Errorf("%s is not a regular file (%s)", path, fi.Mode().Type())
	}
	return f, nil
}

// refuseBinary returns an error when the start of br looks binary: a NUL
// byte, or bytes that are not UTF-8.
func refuseBinary(br *bufio.Reader, path string) error {
	head, err := br.Peek(sniffBytes)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return fmt.Errorf("cannot read %s: %w", path, err)
	}
	if isBinary(head, len(head) == sniffBytes) {
		return fmt.Errorf("%s is a binary file; read_file only shows text (use bash with file, xxd or a suitable converter to inspect it)", path)
	}
	return nil
}

// isBinary tells binary data from text. cut says the sample may end in
// the middle of a UTF-8 sequence.
func isBinary(sample []byte, cut bool) bool {
	if bytes.IndexByte(sample, 0) >= 0 {
		return true
	}
	if cut {
		// Drop an incomplete rune at the end of the sample.
		for i := 0; i < utf8.UTFMax && len(sample) > 0; i++ {
			if r, size := utf8.DecodeLastRune(sample); r != utf8.RuneError || size > 1 {
				break
			}
			sample = sample[:len(sample)-1]
		}
	}
	return !utf8.Valid(sample)
}

// readLines formats lines offset..offset+limit-1 of br like cat -n, within
// maxChars, and says how to read on when it stopped early.
func readLines(ctx context.Context, br *bufio.Reader, path string, offset, limit, maxChars int) (Result, error) {
	var out strings.Builder
	line, shown := 0, 0
	more := false
	for {
		if line%4096 == 0 && ctx.Err() != nil {
			return Result{}, ctx.Err()
		}
		raw, cut, err := readLine(br, maxLineChars*utf8.UTFMax)
		if len(raw) == 0 && !cut && err != nil {
			if !errors.Is(err, io.EOF) {
				return Result{}, fmt.Errorf("cannot read %s: %w", path, err)
			}
			break
		}
		line++
		if line < offset {
			continue
		}
		if shown == limit {
			more = true
			break
		}
		text := strings.ToValidUTF8(strings.TrimRight(string(raw), "\r\n"), "\uFFFD")
		if cut || utf8.RuneCountInString(text) > maxLineChars {
			text = clip.Runes(text, maxLineChars, "") + " [… line cut …]"
		}
		entry := fmt.Sprintf("%6d\t%s\n", line, text)
		if maxChars > 0 && out.Len()+len(entry) > maxChars && shown > 0 {
			more = true
			break
		}
		out.WriteString(entry)
		shown++
	}
	switch {
	case shown == 0 && line < offset:
		if line == 0 {
			return Result{Content: fmt.Sprintf("[%s is empty]", path)}, nil
		}
		return Result{}, &ArgError{"read_file", fmt.Sprintf("offset %d is past the end of %s, which has %d lines", offset, path, line)}
	case more:
		next := offset + shown
		fmt.Fprintf(&out, "[showing lines %d-%d; the file continues: call read_file with offset=%d to read more]", offset, next-1, next)
	}
	return Result{Content: out.String()}, nil
}

// readLine reads one line (with its newline) from br, keeping at most
// keep bytes of it so a huge line without newlines costs bounded memory;
// cut says the rest of the line was skipped.
func readLine(br *bufio.Reader, keep int) (line []byte, cut bool, err error) {
	total := 0
	for {
		chunk, err := br.ReadSlice('\n')
		total += len(chunk)
		if room := keep - len(line); room > 0 {
			line = append(line, chunk[:min(room, len(chunk))]...)
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			if len(chunk) > 0 && chunk[len(chunk)-1] == '\n' {
				total--
			}
			return line, total > keep, err
		}
	}
}
