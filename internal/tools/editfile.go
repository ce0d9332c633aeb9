package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/localgpt-go/localgpt/internal/fsutil"
)

// MaxEditBytes bounds the size of a file edit_file will load.
const MaxEditBytes = 16 << 20

// EditFile replaces an exact string in a file. In a file with CRLF line
// endings, line breaks match whatever their form and the new text gets
// the file's own. It refuses a file that changed since the model last
// read it (Reads), as the edit would be based on a stale view.
type EditFile struct {
	Paths PathPolicy
	Gate  *Gate
	// Reads is shared with read_file and write_file; nil checks nothing.
	Reads *reads
}

type editArgs struct {
	Path       string  `json:"path"`
	OldString  *string `json:"old_string"`
	NewString  *string `json:"new_string"`
	ReplaceAll bool    `json:"replace_all"`
}

// Name implements Tool.
func (*EditFile) Name() string { return "edit_file" }

// Description implements Tool.
func (*EditFile) Description() string {
	return "Replace an exact string in an existing file. old_string must match the file exactly, whitespace and " +
		"indentation included, and must occur once unless replace_all is true; include surrounding lines to make it unique. " +
		"Read the file first. Editing outside the workspace needs the user's approval."
}

// Parameters implements Tool.
func (*EditFile) Parameters() json.RawMessage {
	return json.RawMessage(`{"type":"object","properties":{` +
		`"path":{"type":"string","description":"File to edit; relative to the workspace, ~ for home."},` +
		`"old_string":{"type":"string","description":"The exact text to replace."},` +
		`"new_string":{"type":"string","description":"The text to put in its place."},` +
		`"replace_all":{"type":"boolean","description":"Replace every occurrence; default false."}` +
		`},"required":["path","old_string","new_string"],"additionalProperties":false}`)
}

// Summary implements Summarizer.
func (*EditFile) Summary(raw json.RawMessage) string {
	a, err := decodeArgs[editArgs]("edit_file", raw)
	if err != nil || a.Path == "" {
		return ""
	}
	return "edit " + a.Path
}

// Run implements Tool.
func (t *EditFile) Run(ctx context.Context, raw json.RawMessage) (Result, error) {
	a, err := decodeArgs[editArgs]("edit_file", raw, "path", "old_string", "new_string", "replace_all")
	if err != nil {
		return Result{}, err
	}
	if err := required("edit_file", "path", a.Path); err != nil {
		return Result{}, err
	}
	switch {
	case a.OldString == nil || *a.OldString == "":
		return Result{}, &ArgError{"edit_file", "old_string is required and must not be empty; to create a file use write_file"}
	case a.NewString == nil:
		return Result{}, &ArgError{"edit_file", "new_string is required (use \"\" to delete old_string)"}
	case *a.OldString == *a.NewString:
		return Result{}, &ArgError{"edit_file", "old_string and new_string are the same; nothing would change"}
	}
	target, err := t.Paths.writeTarget(ctx, t.Gate, Request{Tool: "edit_file", Summary: t.Summary(raw), Args: raw}, a.Path)
	if err != nil {
		return Result{}, err
	}
	// Held from the read to the write, so that a concurrent edit of the
	// same file reads this one's result instead of being erased by it.
	unlock, err := t.Paths.Locks.Lock(ctx, target)
	if err != nil {
		return Result{}, err
	}
	defer unlock()
	if t.Reads.changed(target) {
		return Result{}, fmt.Errorf("%s changed since you read it, read it again (read_file) and then make your edit", target)
	}
	f, err := openRegular(target)
	if err != nil {
		return Result{}, err
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxEditBytes+1))
	f.Close()
	if err != nil {
		return Result{}, fmt.Errorf("cannot read %s: %w", target, err)
	}
	if len(data) > MaxEditBytes {
		return Result{}, fmt.Errorf("%s is larger than %d MiB; edit it with bash (sed) instead", target, MaxEditBytes>>20)
	}
	if isBinary(data, false) {
		return Result{}, fmt.Errorf("%s is a binary file; edit_file only changes text", target)
	}
	content, old := string(data), *a.OldString
	crlf := strings.Contains(content, "\r\n")
	var text crlfText
	n := strings.Count(content, old)
	if crlf {
		text = newCRLFText(content)
		n = text.count(old)
	}
	switch {
	case n == 0:
		return Result{}, fmt.Errorf("old_string was not found in %s; it must match exactly, including whitespace and indentation (read the file again to copy the text)", target)
	case n > 1 && !a.ReplaceAll:
		return Result{}, fmt.Errorf("old_string occurs %d times in %s; include more surrounding text to make it unique, or set replace_all to true to replace all %d", n, target, n)
	}
	times := 1
	if a.ReplaceAll {
		times = -1
	}
	if crlf {
		content = text.replace(old, *a.NewString, times)
	} else {
		content = strings.Replace(content, old, *a.NewString, times)
	}
	if err := fsutil.WriteAtomicExact(target, []byte(content), fsutil.FileMode); err != nil {
		return Result{}, fmt.Errorf("could not write the edited file: %w", err)
	}
	t.Reads.refresh(target) // the model knows this version: it just made it
	return Result{Content: fmt.Sprintf("Replaced %d occurrence(s) in %s", n, target)}, nil
}
