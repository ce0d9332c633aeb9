package tokens

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"sync"

	"github.com/localgpt-go/localgpt/internal/fsutil"
)

// Calibration corrects the estimate per model with what providers report.
// A model's ratio is its reported prompt tokens over our estimate of the
// same request: about 1 for common BPE vocabularies on prose, more for
// code, CJK or small local models (4 for a byte-level vocabulary). It is
// kept in a small JSON file so that a new process starts calibrated.
//
// A nil *Calibration is valid and never corrects (ratio 1). Methods are
// safe for concurrent use.
type Calibration struct {
	path string

	mu     sync.Mutex
	models map[string]Ratio
}

// Ratio is one model's correction.
type Ratio struct {
	// Ratio multiplies an estimate into the model's tokens.
	Ratio float64 `json:"ratio"`
	// Samples counts the reports it was learned from.
	Samples int `json:"samples"`
}

// Bounds of a ratio: no tokenizer is twice as sparse or eight times
// denser than four bytes a token, so a sample outside them is noise (a
// provider that does not count what it renders, say).
const (
	MinRatio = 0.5
	MaxRatio = 8
)

// minCalibrationTokens is the smallest estimate a sample is taken from:
// the per-message framing dominates tiny requests.
const minCalibrationTokens = 64

// calibrationFile is the file format.
type calibrationFile struct {
	Version int              `json:"version"`
	Models  map[string]Ratio `json:"models"`
}

// LoadCalibration reads the calibration kept in path. A missing or
// unreadable file is an empty calibration (it is derived data: it comes
// back with the next reports).
func LoadCalibration(path string) *Calibration {
	c := &Calibration{path: path, models: map[string]Ratio{}}
	if f, err := readCalibration(path); err == nil {
		c.models = f.Models
	}
	return c
}

func readCalibration(path string) (calibrationFile, error) {
	var f calibrationFile
	data, err := os.ReadFile(path)
	if err != nil {
		return f, err
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return f, err
	}
	if f.Models == nil {
		return f, errors.New("no models")
	}
	for k, r := range f.Models {
		if !(r.Ratio >= MinRatio && r.Ratio <= MaxRatio) {
			delete(f.Models, k)
		}
	}
	return f, nil
}

// Ratio returns the correction of model: 1 until it has been observed.
func (c *Calibration) Ratio(model string) float64 {
	if c == nil {
		return 1
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if r, ok := c.models[model]; ok {
		return r.Ratio
	}
	return 1
}

// Scale turns an estimate of n tokens into model's tokens, rounding up.
func (c *Calibration) Scale(model string, n int) int {
	return int(math.Ceil(float64(n) * c.Ratio(model)))
}

// Unscale turns n of model's tokens into the estimate's units (for
// budgets that are cut by the estimate), rounding down.
func (c *Calibration) Unscale(model string, n int) int {
	return int(float64(n) / c.Ratio(model))
}

// Observe learns from one call: the provider counted reported prompt
// tokens where we estimated estimated. The ratio follows a larger sample
// at once (an underestimate overflows the window) and a smaller one
// slowly (an overestimate only compacts a little early). The file is
// rewritten when the ratio moved by more than 2%.
func (c *Calibration) Observe(model string, estimated, reported int) error {
	if c == nil || estimated < minCalibrationTokens || reported <= 0 {
		return nil
	}
	sample := min(max(float64(reported)/float64(estimated), MinRatio), MaxRatio)
	c.mu.Lock()
	old, known := c.models[model]
	r := Ratio{Ratio: sample, Samples: old.Samples + 1}
	if known && sample < old.Ratio {
		r.Ratio = old.Ratio + (sample-old.Ratio)*0.3
	}
	c.models[model] = r
	c.mu.Unlock()
	if known && math.Abs(r.Ratio-old.Ratio) <= 0.02*old.Ratio {
		return nil
	}
	return c.save(model, r)
}

// save writes model's ratio into the file, keeping what other processes
// wrote there for other models.
func (c *Calibration) save(model string, r Ratio) error {
	if c.path == "" {
		return nil
	}
	f, err := readCalibration(c.path)
	if err != nil {
		f = calibrationFile{Models: map[string]Ratio{}}
	}
	f.Version = 1
	f.Models[model] = r
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	if err := fsutil.WriteAtomic(c.path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("save the token calibration: %w", err)
	}
	return nil
}
