package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/localgpt-go/localgpt/internal/fsutil"
)

// WriteFile creates or replaces a file atomically.
type WriteFile struct {
	Paths PathPolicy
	Gate  *Gate
	// Reads learns the version written, so a later edit_file of it is not
	// refused as changed; nil records nothing.
	Reads *reads
}

type writeArgs struct {
	Path    *string `json:"path"`
	Content *string `json:"content"`
}

// Name implements Tool.
func (*WriteFile) Name() string { return "write_file" }

// Description implements Tool.
func (*WriteFile) Description() string {
	return "Create or overwrite a file with the given content, creating missing parent folders. " +
		"Relative paths are relative to the workspace. The write is atomic. Writing outside the workspace needs the user's approval. " +
		"To change part of an existing file prefer edit_file."
}

// Parameters implements Tool.
func (*WriteFile) Parameters() json.RawMessage {
	return json.RawMessage(`{"type":"object","properties":{` +
		`"path":{"type":"string","description":"File to write; relative to the workspace, ~ for home."},` +
		`"content":{"type":"string","description":"The complete new content of the file."}` +
		`},"required":["path","content"],"additionalProperties":false}`)
}

// Summary implements Summarizer.
func (*WriteFile) Summary(raw json.RawMessage) string {
	a, err := decodeArgs[writeArgs]("write_file", raw)
	if err != nil || a.Path == nil || a.Content == nil {
		return ""
	}
	return fmt.Sprintf("write %d bytes to %s", len(*a.Content), *a.Path)
}

// Run implements Tool.
func (t *WriteFile) Run(ctx context.Context, raw json.RawMessage) (Result, error) {
	a, err := decodeArgs[writeArgs]("write_file", raw, "path", "content")
	if err != nil {
		return Result{}, err
	}
	if a.Path == nil || *a.Path == "" {
		return Result{}, &ArgError{"write_file", "path is required and must be a non-empty string"}
	}
	if a.Content == nil {
		return Result{}, &ArgError{"write_file", "content is required (use \"\" for an empty file)"}
	}
	target, err := t.Paths.writeTarget(ctx, t.Gate, Request{Tool: "write_file", Summary: t.Summary(raw), Args: raw}, *a.Path)
	if err != nil {
		return Result{}, err
	}
	unlock, err := t.Paths.Locks.Lock(ctx, target) // not in the middle of an edit_file
	if err != nil {
		return Result{}, err
	}
	defer unlock()
	if fi, err := os.Stat(target); err == nil && fi.IsDir() {
		return Result{}, fmt.Errorf("%s is a folder; give a file path", target)
	}
	// Exactly where the policy looked: a link that appeared since (a
	// command running beside this call) is not followed.
	if err := fsutil.WriteAtomicExact(target, []byte(*a.Content), fsutil.FileMode); err != nil {
		return Result{}, fmt.Errorf("could not write the file: %w", err)
	}
	t.Reads.refresh(target)
	return Result{Content: fmt.Sprintf("Wrote %d bytes to %s", len(*a.Content), target)}, nil
}
