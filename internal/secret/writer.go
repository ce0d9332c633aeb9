package secret

import "io"

// Writer returns a writer that masks every Write before passing it on to
// w. Each Write is masked on its own, so it suits writers that receive
// whole lines or records (a log handler, error messages); a secret split
// across two Writes is not seen. With a nil Masker it returns w.
func (m *Masker) Writer(w io.Writer) io.Writer {
	if m == nil {
		return w
	}
	return &writer{w: w, m: m}
}

type writer struct {
	w io.Writer
	m *Masker
}

// Unwrap returns the writer masked, so callers can tell whether it is a
// terminal.
func (w *writer) Unwrap() io.Writer { return w.w }

// Write masks p and writes it, reporting len(p) on success: the caller
// wrote all of its bytes, however long their masked form.
func (w *writer) Write(p []byte) (int, error) {
	if _, err := w.w.Write(w.m.MaskBytes(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}
