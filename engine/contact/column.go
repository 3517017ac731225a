package contact

// column is one column of a Table: w values per record, kept in pages of
// pageRecords records. Appending never copies what the column holds (a
// slice grown by doubling copies it and leaves the old copy behind, up to
// three times the column at the moment it grows), and a column costs at
// most one page beyond its records. The first page starts small and
// grows (copied) to a page's size, so that a small table stays small.
type column[T any] struct {
	pages [][]T
	w     int
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
		n := pageRecords
		if p == 0 {
			n = firstPage
		}
		c.pages = append(c.pages, make([]T, 0, n*c.w))
	}
	pg := c.pages[p]
	if len(pg)+c.w > cap(pg) {
		pg = append(make([]T, 0, min(pageRecords*c.w, 2*cap(pg))), pg...)
	}
	pg = pg[:len(pg)+c.w]
	c.pages[p] = pg
	return pg[len(pg)-c.w:]
}

// row returns the w values of record i.
func (c *column[T]) row(i int) []T {
	o := (i & (pageRecords - 1)) * c.w
	return c.pages[i>>pageBits][o : o+c.w : o+c.w]
}

// at returns value k of record i.
func (c *column[T]) at(i, k int) T {
	return c.pages[i>>pageBits][(i&(pageRecords-1))*c.w+k]
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
	p, o := n>>pageBits, (n&(pageRecords-1))*c.w
	if p < len(c.pages) {
		c.pages[p] = c.pages[p][:o]
		c.pages = c.pages[:p+1]
	}
}

// reset removes every record, keeping the first page for reuse.
func (c *column[T]) reset() {
	if len(c.pages) > 0 {
		c.pages = append(c.pages[:0], c.pages[0][:0])
	}
}

// clip lets go of the room the last page holds beyond its records.
func (c *column[T]) clip() {
	if n := len(c.pages); n > 0 {
		last := c.pages[n-1]
		c.pages[n-1] = append(make([]T, 0, len(last)), last...)
	}
}

// size returns the bytes the column's pages hold, sz the size of one value.
func (c *column[T]) size(sz int) int {
	n := 24 * cap(c.pages)
	for _, p := range c.pages {
		n += sz * cap(p)
	}
	return n
}
