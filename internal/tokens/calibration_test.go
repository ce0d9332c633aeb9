package tokens

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

func TestCalibration(t *testing.T) {
	type obs struct{ est, rep int }
	tests := []struct {
		name string
		obs  []obs
		want float64
	}{
		{"unknown model", nil, 1},
		{"one report", []obs{{1000, 4000}}, 4},
		{"up at once", []obs{{1000, 1000}, {1000, 3000}}, 3},
		{"down slowly", []obs{{1000, 4000}, {1000, 1000}}, 4 + (1-4)*0.3},
		{"too small to learn from", []obs{{10, 400}}, 1},
		{"no report", []obs{{1000, 0}}, 1},
		{"clamped", []obs{{1000, 100000}}, MaxRatio},
		{"clamped low", []obs{{1000, 10}}, MinRatio},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := LoadCalibration(filepath.Join(t.TempDir(), "tokens.json"))
			for _, o := range tt.obs {
				if err := c.Observe("ollama/m", o.est, o.rep); err != nil {
					t.Fatal(err)
				}
			}
			if got := c.Ratio("ollama/m"); math.Abs(got-tt.want) > 1e-9 {
				t.Fatalf("ratio %v, want %v", got, tt.want)
			}
		})
	}
}

// TestCalibrationPersists: a new process starts with what an earlier one
// learned, for every model, and a corrupt file is an empty calibration.
func TestCalibrationPersists(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "tokens.json")
	a, b := LoadCalibration(path), LoadCalibration(path) // two processes
	if err := a.Observe("ollama/dense", 500, 2000); err != nil {
		t.Fatal(err)
	}
	if err := b.Observe("openai/gpt-4o", 500, 550); err != nil {
		t.Fatal(err)
	}
	c := LoadCalibration(path)
	if c.Ratio("ollama/dense") != 4 || c.Ratio("openai/gpt-4o") != 1.1 {
		t.Fatalf("reloaded: %v %v", c.Ratio("ollama/dense"), c.Ratio("openai/gpt-4o"))
	}
	if c.Scale("ollama/dense", 100) != 400 || c.Unscale("ollama/dense", 400) != 100 {
		t.Fatalf("scale %d unscale %d", c.Scale("ollama/dense", 100), c.Unscale("ollama/dense", 400))
	}
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := LoadCalibration(path).Ratio("ollama/dense"); r != 1 {
		t.Fatalf("corrupt file gave ratio %v", r)
	}
	var none *Calibration
	if none.Ratio("x") != 1 || none.Scale("x", 7) != 7 || none.Observe("x", 100, 400) != nil {
		t.Fatal("a nil calibration must not correct")
	}
}
