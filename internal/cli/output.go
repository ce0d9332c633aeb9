package cli

import (
	"encoding/json"
	"fmt"
	"io"
)

// writeJSON prints v as indented JSON, the form of every --json output.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// readStdin reads all of r, refusing more than limit bytes rather than
// silently using a truncated text. what names the text in errors.
func readStdin(r io.Reader, limit int64, what string) (string, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return "", fmt.Errorf("read %s from stdin: %w", what, err)
	}
	if int64(len(data)) > limit {
		return "", fmt.Errorf("%s on stdin is longer than %d MiB; pass a shorter text, or save it to a file in the workspace and refer to it", what, limit>>20)
	}
	return string(data), nil
}
