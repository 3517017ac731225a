package contact

// column is one column of a Table: w values per record, kept in pages of
// pageRecords records. Appending never copies what the column holds (a
// slice grown by doubling copies it and leaves the old copy behind, up to
// three times the column at the moment it grows), and a column costs at
// most one page beyond its records. The first page starts small and
// grows (copied) to a page's size, so that a small table stays small.
//
// A page is filled whole (w values a record) and packed once full (or
// clipped): a value that is the same in every record of the page (most
// often "", a field the side does not fill, or a file's ModifiedFrom) is
// kept once in the page, not in each record, and so is one that grows by
// the same step from record to record (the lines of a file of one line a
// record; the keys of a dump, of one length, appended one after another). An Outlook export fills a
// dozen of a table's two dozen fields: its table holds about half of the
// values it would hold unpacked. A packed page the column adds to again
// (after a truncate or a clip) is unpacked first.
type column[T integer] struct {
	pages []page[T]
	w     int
	spare []T // a full page's room, packed away and kept for the next
}

// integer is what a column holds.
type integer interface {
	~uint8 | ~int32 | ~uint32 | ~int64
}

// page is one page of a column. Unpacked (keep nil), record o's values
// are v[o*w : o*w+w]. Packed, its n records' value k of record o is
// v[o*stride+keep[k]], or same[k] + o*step[k] when keep[k] is -1.
type page[T integer] struct {
	v      []T
	keep   []int8
	same   []T
	step   []T
	stride int
	n      int
}

const (
	pageBits    = 10
	pageRecords = 1 << pageBits
	firstPage   = 16 // records the first page holds at first
)

// add returns the w values of record i, the next one, to be set (zero).
func (c *column[T]) add(i int) []T {
	p := i >> pageBits
	if p == len(c.pages) {
		if p > 0 {
			c.pack(p - 1)
		}
		n := pageRecords
		if p == 0 {
			n = firstPage
		}
		v := c.spare
		c.spare = nil
		if cap(v) < n*c.w {
			v = make([]T, 0, n*c.w)
		}
		c.pages = append(c.pages, page[T]{v: v[:0]})
	}
	pg := &c.pages[p]
	if pg.keep != nil {
		c.unpack(p)
	}
	if len(pg.v)+c.w > cap(pg.v) {
		pg.v = append(make([]T, 0, min(pageRecords*c.w, 2*cap(pg.v))), pg.v...)
	}
	pg.v = pg.v[:len(pg.v)+c.w]
	row := pg.v[len(pg.v)-c.w:]
	clear(row)
	return row
}

// pack packs page p (see column): each value the same in every record is
// kept once. A page with no such value stays as it is.
func (c *column[T]) pack(p int) {
	pg := &c.pages[p]
	w := c.w
	if pg.keep != nil || len(pg.v) == 0 {
		return
	}
	n := len(pg.v) / w
	keep := make([]int8, w)
	same, step := make([]T, w), make([]T, w)
	stride := 0
	for k := range w {
		x, d := pg.v[k], T(0)
		if n > 1 {
			d = pg.v[w+k] - x
		}
		y := x + d
		for o := 2*w + k; o < len(pg.v); o += w {
			if y += d; pg.v[o] != y {
				keep[k] = int8(stride)
				stride++
				goto next
			}
		}
		keep[k], same[k], step[k] = -1, x, d
	next:
	}
	if stride == w {
		return
	}
	ks := make([]int, 0, stride) // the columns kept, in their order in v
	for k, j := range keep {
		if j >= 0 {
			ks = append(ks, k)
		}
	}
	v := make([]T, n*stride)
	for o := range n {
		row := pg.v[o*w : o*w+w]
		dst := v[o*stride : o*stride+stride]
		for j, k := range ks {
			dst[j] = row[k]
		}
	}
	if cap(pg.v) == pageRecords*w {
		c.spare = pg.v[:0]
	}
	*pg = page[T]{v: v, keep: keep, same: same, step: step, stride: stride, n: n}
}

// unpack undoes pack of page p, for a record to be added to it.
func (c *column[T]) unpack(p int) {
	pg := &c.pages[p]
	if pg.keep == nil {
		return
	}
	n := pg.n
	v := make([]T, n*c.w, max(n, firstPage)*c.w)
	for o := range n {
		c.rowInto(p, o, v[o*c.w:o*c.w+c.w])
	}
	*pg = page[T]{v: v}
}

// rowInto sets dst (w values) to the values of record o of page p.
func (c *column[T]) rowInto(p, o int, dst []T) {
	pg := &c.pages[p]
	if pg.keep == nil {
		copy(dst, pg.v[o*c.w:o*c.w+c.w])
		return
	}
	for k, j := range pg.keep {
		if j < 0 {
			dst[k] = pg.same[k] + T(o)*pg.step[k]
		} else {
			dst[k] = pg.v[o*pg.stride+int(j)]
		}
	}
}

// row sets dst (w values) to the values of record i and returns it.
func (c *column[T]) row(i int, dst []T) []T {
	c.rowInto(i>>pageBits, i&(pageRecords-1), dst[:c.w])
	return dst[:c.w]
}

// at returns value k of record i.
func (c *column[T]) at(i, k int) T {
	pg := &c.pages[i>>pageBits]
	o := i & (pageRecords - 1)
	if pg.keep == nil {
		return pg.v[o*c.w+k]
	}
	if j := pg.keep[k]; j >= 0 {
		return pg.v[o*pg.stride+int(j)]
	}
	return pg.same[k] + T(o)*pg.step[k]
}

// fill adds n zero records: a column started after n records were added.
func (c *column[T]) fill(n int) {
	for i := 0; i < n; i++ {
		c.add(i)
	}
}

// truncate removes the records from n on (the rows add gave out for
// them).
func (c *column[T]) truncate(n int) {
	if c.pages == nil {
		return
	}
	p, o := n>>pageBits, n&(pageRecords-1)
	if p < len(c.pages) {
		c.unpack(p)
		c.pages[p].v = c.pages[p].v[:o*c.w]
		c.pages = c.pages[:p+1]
	}
}

// reset removes every record, keeping the first page for reuse.
func (c *column[T]) reset() {
	switch {
	case len(c.pages) == 0:
	case c.pages[0].keep != nil:
		c.pages = c.pages[:0]
	default:
		c.pages = append(c.pages[:0], page[T]{v: c.pages[0].v[:0]})
	}
}

// clip packs the last page and lets go of the room it holds beyond its
// records, and of the spare page.
func (c *column[T]) clip() {
	c.spare = nil
	n := len(c.pages)
	if n == 0 {
		return
	}
	c.pack(n - 1)
	if last := &c.pages[n-1]; last.keep == nil {
		last.v = append(make([]T, 0, len(last.v)), last.v...)
	}
}

// size returns the bytes the column's pages hold, sz the size of one value.
func (c *column[T]) size(sz int) int {
	n := 112*cap(c.pages) + sz*cap(c.spare)
	for _, p := range c.pages {
		n += sz*(cap(p.v)+cap(p.same)+cap(p.step)) + cap(p.keep)
	}
	return n
}
