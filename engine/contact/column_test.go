package contact

import (
	"math/rand/v2"
	"testing"
)

// TestColumnPacksPages holds a column to a plain slice of rows through
// adds, truncates, clips and resets, with values that are the same across
// a page, grow by a step (that wraps, too), or differ: every value reads back
// (at, row) as it was set, whether its page is packed or not.
func TestColumnPacksPages(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, w := range []int{1, 3, 7} {
		var c column[uint32]
		c.w = w
		var want [][]uint32
		check := func(when string) {
			t.Helper()
			buf := make([]uint32, w)
			for i, r := range want {
				got := c.row(i, buf)
				for k := range w {
					if c.at(i, k) != r[k] || got[k] != r[k] {
						t.Fatalf("w=%d %s: record %d value %d: at %d, row %d, want %d", w, when, i, k, c.at(i, k), got[k], r[k])
					}
				}
			}
		}
		for step := range 60 {
			switch rng.IntN(10) {
			case 0:
				n := rng.IntN(len(want) + 1)
				c.truncate(n)
				want = want[:n]
			case 1:
				c.clip()
			case 2:
				if rng.IntN(4) == 0 {
					c.reset()
					want = want[:0]
				}
			default:
				// A run of records: column k is constant, varies, or
				// changes once, by k and the step.
				n := rng.IntN(3 * pageRecords)
				for range n {
					i := len(want)
					r := c.add(i)
					row := make([]uint32, w)
					for k := range w {
						switch (k + step) % 5 {
						case 0:
							row[k] = uint32(step % 2)
						case 1:
							row[k] = uint32(i)
						case 2:
							row[k] = uint32(i) * 0x9E3779B9 // a step that wraps
						case 3:
							row[k] = uint32(i * i)
						default:
							row[k] = uint32(i / 1500)
						}
						r[k] = row[k]
					}
					want = append(want, row)
				}
			}
			check("step")
		}
		c.clip()
		check("clipped")
	}
}

// TestTablePacksEmptyFields: a table whose records leave most kept fields
// empty holds the values they fill, not a handle for each field.
func TestTablePacksEmptyFields(t *testing.T) {
	fields := []Field{Prefix, First, Middle, Last, Suffix, Company, Department, JobTitle, Email1, Email2, Email3,
		PhoneBusiness, PhoneBusiness2, PhoneMobile, PhoneHome, PhoneHome2, PhoneOther, BusinessCity}
	tb := NewTable(fields)
	n := 10 * pageRecords
	for i := range n {
		var c Contact
		c.Key = "k" + itoa(i)
		c.Line = 2 + i // a file of one line a record
		c.Values[First] = "Ann" + itoa(i%97)
		c.Values[Last] = "Lee" + itoa(i)
		c.Values[Email1] = "ann" + itoa(i) + "@example.com"
		if i%5000 == 3 {
			c.Values[Suffix] = "Jr." // one in some pages only
		}
		if err := tb.Add(&c); err != nil {
			t.Fatal(err)
		}
	}
	tb.Clip()
	for i := range n {
		if tb.Get(i, Last) != "Lee"+itoa(i) || tb.Get(i, Middle) != "" || tb.Get(i, First) != "Ann"+itoa(i%97) {
			t.Fatalf("record %d reads %q %q %q", i, tb.Get(i, First), tb.Get(i, Middle), tb.Get(i, Last))
		}
		if want := map[bool]string{true: "Jr."}[i%5000 == 3]; tb.Get(i, Suffix) != want {
			t.Fatalf("record %d: suffix %q, want %q", i, tb.Get(i, Suffix), want)
		}
		if tb.Line(i) != 2+i {
			t.Fatalf("record %d: line %d, want %d", i, tb.Line(i), 2+i)
		}
		if v := tb.Values(i); v[Email1] != "ann"+itoa(i)+"@example.com" || v[Suffix] != tb.Get(i, Suffix) {
			t.Fatalf("record %d: Values %q %q", i, v[Email1], v[Suffix])
		}
	}
	if got := tb.lines.size(4); got > n { // a quarter of 4 bytes a record
		t.Errorf("the lines of %d records, one after another, hold %d bytes", n, got)
	}
	// Unpacked, the cells alone are 4 bytes a kept field a record.
	unpacked := 4 * len(tb.Fields()) * n
	if got := tb.cells.size(4); got > unpacked/3 {
		t.Errorf("the cells of %d records, 3 of %d fields filled, hold %d bytes; unpacked %d", n, len(tb.Fields()), got, unpacked)
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	k := len(b)
	for ; i > 0; i /= 10 {
		k--
		b[k] = byte('0' + i%10)
	}
	return string(b[k:])
}
