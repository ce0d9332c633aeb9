//go:build unix

package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// results holds every sample of every figure, per build, in the order
// the figures were first measured.
type results struct {
	order   []string
	unit    map[string]string
	samples map[string][][]float64
	builds  int
}

func newResults(builds int) *results {
	return &results{unit: map[string]string{}, samples: map[string][][]float64{}, builds: builds}
}

func (r *results) add(name, unit string, build int, v float64) {
	if _, ok := r.samples[name]; !ok {
		r.order = append(r.order, name)
		r.unit[name] = unit
		r.samples[name] = make([][]float64, r.builds)
	}
	r.samples[name][build] = append(r.samples[name][build], v)
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// print writes a markdown table: each figure's median for both builds,
// the ratio B/A and the number of samples.
func (r *results) print(w io.Writer, a, b string) {
	fmt.Fprintf(w, "| figure | unit | %s | %s | %s/%s | samples |\n|---|---|---:|---:|---:|---:|\n", a, b, b, a)
	for _, name := range r.order {
		s := r.samples[name]
		ma, mb := median(s[0]), median(s[1])
		ratio := "–"
		if ma != 0 && !math.IsNaN(ma) && !math.IsNaN(mb) {
			ratio = fmt.Sprintf("%.2f×", mb/ma)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %d+%d |\n", name, r.unit[name], num(ma), num(mb), ratio, len(s[0]), len(s[1]))
	}
}

// num formats a figure with three significant digits or so.
func num(v float64) string {
	a := math.Abs(v)
	switch {
	case math.IsNaN(v):
		return "–"
	case a >= 100:
		return groupThousands(fmt.Sprintf("%.0f", v))
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	case a >= 1:
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.3f", v)
}

func groupThousands(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
