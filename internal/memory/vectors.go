package memory

import (
	"cmp"
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
		if x < 0 {
			x = -x
		}
		if x > m { // a NaN never is
			m = x
		}
	}
	out := make([]byte, 4+len(v))
	scale := m / 127
	if scale == 0 || math.IsInf(float64(scale), 0) { // zero, or not a vector
		return out
	}
	binary.LittleEndian.PutUint32(out, math.Float32bits(scale))
	inv := 1 / scale
	for i, x := range v {
		r := x * inv
		var q int32
		switch {
		case r >= 0.5:
			q = min(int32(r+0.5), 127)
		case r <= -0.5:
			q = max(int32(r-0.5), -127)
		}
		out[4+i] = byte(int8(q))
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
// one slab of int8 vectors (each distinct text's once), and the chunks,
// ordered by id, with the vector each has. "Row i" is chunk i's.
type vecSet struct {
	key   string // the state of the index it was read at (vecKey)
	model string // the model of the index's vectors ("" if none)
	dims  int
	ids   []int64   // chunk ids, ascending
	vec   []int32   // per chunk, its vector's index in rows
	rows  []int8    // vectors × dims
	inv   []float32 // per vector, 1/|vector|, 0 for a zero vector
	// chunks is how many chunks the index held when the set was read.
	chunks int
}

// row returns the int8 vector of chunk i.
func (v *vecSet) row(i int) []int8 {
	k := int(v.vec[i])
	return v.rows[k*v.dims : (k+1)*v.dims : (k+1)*v.dims]
}

// norm returns 1/|vector| of chunk i.
func (v *vecSet) norm(i int) float32 { return v.inv[v.vec[i]] }

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
	return float64(dot) * float64(v.norm(i)) * float64(v.norm(j))
}

// near is a chunk found by its vector: row in the set and cosine.
type near struct {
	row int
	cos float64
}

// nearHeap is a min-heap of the best n so far: the worst on top. (Not
// container/heap: its interface boxes every element pushed.)
type nearHeap []near

// push adds x, dropping the worst when the heap holds n already.
func (h *nearHeap) push(x near, n int) {
	a := *h
	if len(a) < n {
		a = append(a, x)
		for i := len(a) - 1; i > 0; { // sift up
			p := (i - 1) / 2
			if a[p].cos <= a[i].cos {
				break
			}
			a[p], a[i] = a[i], a[p]
			i = p
		}
		*h = a
		return
	}
	a[0] = x
	for i := 0; ; { // sift down
		l, m := 2*i+1, i
		if l < len(a) && a[l].cos < a[m].cos {
			m = l
		}
		if r := l + 1; r < len(a) && a[r].cos < a[m].cos {
			m = r
		}
		if m == i {
			break
		}
		a[m], a[i] = a[i], a[m]
		i = m
	}
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
	h := make(nearHeap, 0, n)
	worst := float32(0)
	for i := range v.ids {
		inv := v.norm(i)
		if inv == 0 {
			continue
		}
		c := dotInt8(q, v.row(i)) * inv * qinv
		if c <= worst {
			continue
		}
		h.push(near{row: i, cos: float64(c)}, n)
		if len(h) == n {
			worst = float32(h[0].cos)
		}
	}
	slices.SortFunc(h, func(a, b near) int { return cmp.Compare(b.cos, a.cos) })
	return h
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

// loadVecs reads every linked vector and the links, each table in one
// pass in the order it is stored (a join would seek a vector per chunk).
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
	// The links, by chunk id.
	rows, err := db.QueryContext(ctx, `SELECT chunk_id, vector_id FROM chunk_vectors ORDER BY chunk_id`)
	if err != nil {
		return nil, fmt.Errorf("read the vectors: %w", err)
	}
	set.ids = make([]int64, 0, links)
	vecIDs := make([]int64, 0, links)
	for rows.Next() {
		var c, v int64
		if err := rows.Scan(&c, &v); err != nil {
			rows.Close()
			return nil, err
		}
		set.ids = append(set.ids, c)
		vecIDs = append(vecIDs, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// The vectors linked to, by id; slot[i] is the index in rows of
	// linked[i] once read (k+1, 0 before).
	linked := slices.Clone(vecIDs)
	slices.Sort(linked)
	linked = slices.Compact(linked)
	slot := make([]int32, len(linked))
	rows, err = db.QueryContext(ctx, `SELECT id, vec FROM vectors`)
	if err != nil {
		return nil, fmt.Errorf("read the vectors: %w", err)
	}
	defer rows.Close()
	n := int32(0)
	for rows.Next() {
		var id int64
		var blob sql.RawBytes
		if err := rows.Scan(&id, &blob); err != nil {
			return nil, err
		}
		at, ok := slices.BinarySearch(linked, id)
		if !ok || len(blob) <= 4 {
			continue // no chunk links to it (yet, or any more)
		}
		if set.dims == 0 {
			set.dims = len(blob) - 4
			set.rows = make([]int8, len(linked)*set.dims)
			set.inv = make([]float32, len(linked))
		}
		if len(blob)-4 != set.dims { // of another model: never compared
			continue
		}
		row := set.rows[int(n)*set.dims : int(n+1)*set.dims]
		var ss int64
		for k, b := range blob[4:] {
			row[k] = int8(b)
			ss += int64(int8(b)) * int64(int8(b))
		}
		if ss > 0 {
			set.inv[n] = float32(1 / math.Sqrt(float64(ss)))
		}
		n++
		slot[at] = n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Keep the chunks whose vector was read.
	set.vec = make([]int32, 0, len(set.ids))
	ids := set.ids[:0]
	for i, c := range set.ids {
		if at, _ := slices.BinarySearch(linked, vecIDs[i]); slot[at] > 0 {
			ids = append(ids, c)
			set.vec = append(set.vec, slot[at]-1)
		}
	}
	set.ids = ids
	set.rows, set.inv = set.rows[:int(n)*set.dims], set.inv[:n]
	return set, nil
}
