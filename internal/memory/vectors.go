package memory

import (
	"container/heap"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"sync"
)

// Vectors are stored compactly: int8 with one float32 scale per vector
// (4 + dims bytes: 772 for 768 dimensions, a quarter of float32 and half
// of float16). Cosine similarity does not depend on the scale, and 8 bits
// keep the order of neighbours of a unit vector: the error per dimension is
// at most max|x|/254. Searches score every vector in memory (vecSet), by
// brute force: a search reads no vector from SQLite.

// vecHashSize is how much of the SHA-256 of a chunk's text names its
// vector: 128 bits, so that two texts never share one by accident.
const vecHashSize = 16

// embedText is what is embedded for a chunk: its heading path, which says
// what the text is about, then the text.
func embedText(heading, text string) string {
	if heading == "" {
		return text
	}
	return heading + "\n\n" + text
}

// textHash names the vector of an embedded text.
func textHash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:vecHashSize]
}

// encodeVec quantizes v to int8: q = round(x/scale), scale = max|x|/127.
func encodeVec(v []float32) []byte {
	var m float32
	for _, x := range v {
		m = max(m, float32(math.Abs(float64(x))))
	}
	out := make([]byte, 4+len(v))
	scale := m / 127
	binary.LittleEndian.PutUint32(out, math.Float32bits(scale))
	if scale == 0 {
		return out
	}
	inv := 1 / scale
	for i, x := range v {
		out[4+i] = byte(int8(max(-127, min(127, math.Round(float64(x*inv))))))
	}
	return out
}

// decodeVec returns the vector a blob of encodeVec holds.
func decodeVec(b []byte) []float32 {
	if len(b) < 4 {
		return nil
	}
	scale := math.Float32frombits(binary.LittleEndian.Uint32(b))
	out := make([]float32, len(b)-4)
	for i, q := range b[4:] {
		out[i] = float32(int8(q)) * scale
	}
	return out
}

// vecSet is every vector of one index database, in memory for scoring:
// one slab of int8 rows, ordered by chunk id.
type vecSet struct {
	key   string // the state of the index it was read at (vecKey)
	model string // the model of the index's vectors ("" if none)
	dims  int
	ids   []int64   // chunk ids, ascending
	rows  []int8    // len(ids) × dims
	inv   []float32 // 1/|row| per row, 0 for a zero vector
	// chunks is how many chunks the index held when the set was read.
	chunks int
}

// row returns the int8 vector of row i.
func (v *vecSet) row(i int) []int8 { return v.rows[i*v.dims : (i+1)*v.dims : (i+1)*v.dims] }

// find returns the row of chunk id, or -1.
func (v *vecSet) find(id int64) int {
	if i, ok := slices.BinarySearch(v.ids, id); ok {
		return i
	}
	return -1
}

// cosineRows is the cosine similarity of rows i and j.
func (v *vecSet) cosineRows(i, j int) float64 {
	a, b := v.row(i), v.row(j)
	var dot int64
	for k := range a {
		dot += int64(a[k]) * int64(b[k])
	}
	return float64(dot) * float64(v.inv[i]) * float64(v.inv[j])
}

// near is a chunk found by its vector: row in the set and cosine.
type near struct {
	row int
	cos float64
}

// nearHeap is a min-heap of the best n so far: the worst on top.
type nearHeap []near

func (h nearHeap) Len() int           { return len(h) }
func (h nearHeap) Less(i, j int) bool { return h[i].cos < h[j].cos }
func (h nearHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *nearHeap) Push(x any)        { *h = append(*h, x.(near)) }
func (h *nearHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// top returns the n rows whose vectors are nearest q by cosine, best
// first, leaving out those at a right angle or more (nothing in common).
// It scores every row: brute force on one core.
func (v *vecSet) top(q []float32, n int) []near {
	if len(q) != v.dims || n <= 0 || len(v.ids) == 0 {
		return nil
	}
	var qn float64
	for _, x := range q {
		qn += float64(x) * float64(x)
	}
	if qn == 0 {
		return nil
	}
	qinv := float32(1 / math.Sqrt(qn))
	h := make(nearHeap, 0, n+1)
	worst := float32(0)
	for i := range v.ids {
		if v.inv[i] == 0 {
			continue
		}
		c := dotInt8(q, v.row(i)) * v.inv[i] * qinv
		if c <= worst {
			continue
		}
		heap.Push(&h, near{row: i, cos: float64(c)})
		if len(h) > n {
			heap.Pop(&h)
		}
		if len(h) == n {
			worst = float32(h[0].cos)
		}
	}
	out := make([]near, len(h))
	for i := len(h) - 1; i >= 0; i-- {
		out[i] = heap.Pop(&h).(near)
	}
	return out
}

// dotInt8 is the dot product of a float32 query and an int8 row, eight
// elements per step in four accumulators: the loop the Go compiler turns
// into the fewest instructions per element (measured in
// BenchmarkVectorScore; docs/benchmarks.md).
func dotInt8(q []float32, r []int8) float32 {
	r = r[:len(q)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+8 <= len(q); i += 8 {
		qq := q[i : i+8 : i+8]
		rr := r[i : i+8 : i+8]
		s0 += qq[0]*float32(rr[0]) + qq[4]*float32(rr[4])
		s1 += qq[1]*float32(rr[1]) + qq[5]*float32(rr[5])
		s2 += qq[2]*float32(rr[2]) + qq[6]*float32(rr[6])
		s3 += qq[3]*float32(rr[3]) + qq[7]*float32(rr[7])
	}
	for ; i < len(q); i++ {
		s0 += q[i] * float32(r[i])
	}
	return s0 + s1 + s2 + s3
}

// vecKeyQuery reads what a vecSet is valid for: the vectors' model, their
// version (bumped by every change to the links, vector_meta), and the time
// of the last write of chunks (meta), which changes the count of chunks.
const vecKeyQuery = `SELECT
	coalesce((SELECT value FROM vector_meta WHERE key = 'model'), ''),
	coalesce((SELECT value FROM vector_meta WHERE key = 'version'), ''),
	coalesce((SELECT value FROM meta WHERE key = 'last_indexed'), '')`

// vecCache holds the vecSet of the index in use, read again when the
// index changes (another process embedded or indexed, or the database was
// replaced). Only stores with an Embedder make one.
type vecCache struct {
	mu  sync.Mutex
	ix  *index
	set *vecSet
}

// get returns the vectors of ix as they are now.
func (c *vecCache) get(ctx context.Context, ix *index) (*vecSet, error) {
	var model, version, indexed string
	if err := ix.r.QueryRowContext(ctx, vecKeyQuery).Scan(&model, &version, &indexed); err != nil {
		return nil, fmt.Errorf("read the vectors' state: %w", err)
	}
	key := model + "\x00" + version + "\x00" + indexed
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ix == ix && c.set != nil && c.set.key == key {
		return c.set, nil
	}
	c.set = nil // the old one can go while the new one is read
	set, err := loadVecs(ctx, ix.r)
	if err != nil {
		return nil, err
	}
	set.key, set.model = key, model
	c.ix, c.set = ix, set
	return set, nil
}

// loadVecs reads every linked vector, ordered by chunk id.
func loadVecs(ctx context.Context, db *sql.DB) (*vecSet, error) {
	set := &vecSet{}
	var links int
	if err := db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM chunk_vectors), (SELECT count(*) FROM chunks)`).
		Scan(&links, &set.chunks); err != nil {
		return nil, fmt.Errorf("read the vectors: %w", err)
	}
	if links == 0 {
		return set, nil
	}
	rows, err := db.QueryContext(ctx, `SELECT m.chunk_id, v.vec FROM chunk_vectors m JOIN vectors v ON v.id = m.vector_id ORDER BY m.chunk_id`)
	if err != nil {
		return nil, fmt.Errorf("read the vectors: %w", err)
	}
	defer rows.Close()
	set.ids = make([]int64, 0, links)
	set.inv = make([]float32, 0, links)
	for rows.Next() {
		var id int64
		var blob sql.RawBytes
		if err := rows.Scan(&id, &blob); err != nil {
			return nil, err
		}
		if len(blob) <= 4 {
			continue
		}
		if set.dims == 0 {
			set.dims = len(blob) - 4
			set.rows = make([]int8, 0, links*set.dims)
		}
		if len(blob)-4 != set.dims { // of another model: never compared
			continue
		}
		var ss int64
		for _, b := range blob[4:] {
			q := int8(b)
			set.rows = append(set.rows, q)
			ss += int64(q) * int64(q)
		}
		var inv float32
		if ss > 0 {
			inv = float32(1 / math.Sqrt(float64(ss)))
		}
		set.ids = append(set.ids, id)
		set.inv = append(set.inv, inv)
	}
	return set, rows.Err()
}
