package contact

import (
	"strconv"
	"sync"
	"testing"
	"time"
	"unsafe"
)

// BenchmarkTableAddSides adds what a cycle's two readers hand out for a
// million contacts a side (the synthetic generator's shape: unique keys,
// e-mails and phones; repeating names, companies, cities, accounts; 80% of
// the contacts on both sides) to two tables sharing a pool, from two
// goroutines at once, as a cycle reads its sides. The values are made in a
// buffer the tables copy from, as a reader's are.
func BenchmarkTableAddSides(b *testing.B) {
	const n = 1_000_000
	fields := []Field{First, Last, Company, JobTitle, Email1, PhoneBusiness, PhoneMobile, BusinessStreet,
		BusinessCity, BusinessPostalCode, BusinessCountry}
	names := []string{"Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hugo", "Ida", "Jonas", "Karl", "Lena", "Mia",
		"Noah", "Olga", "Paul", "Quinn", "Rosa", "Sven", "Tara", "Ute", "Vera", "Wim", "Xenia", "Yann", "Zoe"}
	cities := []string{"Springfield", "Riverton", "Lakeside", "Hill Valley", "Fairview", "Greenville"}
	side := func(t *Table, crm bool) {
		var buf []byte
		view := func(from int) string { return unsafe.String(&buf[from], len(buf)-from) }
		var c Contact
		c.Modified = time.Unix(1_700_000_000, 0).UTC()
		for i := range n {
			r := uint64(i)*0x9E3779B97F4A7C15 + 1
			if !crm && r%5 == 0 {
				continue // on one side only
			}
			buf = buf[:0]
			c.Values = Values{}
			c.Key, c.CRM = "", CRM{}
			if crm {
				buf = strconv.AppendInt(append(buf, 'C'), 100_000_000_000+int64(i), 10)
				c.Key = view(0)
				c.ModifiedFrom = "MODIFYDATE"
				c.CRM.AccountID = "A" + strconv.Itoa(int(r>>20)%5000) // allocates: one of 5,000
				c.CRM.Owner = "SYST00000001"
			}
			s := len(buf)
			buf = strconv.AppendInt(append(buf, "user"...), int64(i), 10)
			buf = append(buf, "@example.com"...)
			c.Values[Email1] = view(s)
			s = len(buf)
			buf = strconv.AppendInt(append(buf, "+1 555 "...), int64(r>>8)%10_000_000, 10)
			c.Values[PhoneBusiness] = view(s)
			s = len(buf)
			buf = strconv.AppendInt(append(buf, "+1 555 "...), int64(r>>32)%10_000_000, 10)
			c.Values[PhoneMobile] = view(s)
			s = len(buf)
			buf = strconv.AppendInt(buf, int64(r>>40)%1000, 10)
			buf = append(buf, " Main Street"...)
			c.Values[BusinessStreet] = view(s)
			s = len(buf)
			buf = strconv.AppendInt(buf, 10_000+int64(r>>24)%90_000, 10)
			c.Values[BusinessPostalCode] = view(s)
			s = len(buf)
			buf = strconv.AppendInt(append(buf, "Company "...), int64(r>>12)%8000, 10)
			c.Values[Company] = view(s)
			c.Values[First], c.Values[Last] = names[r>>50%26], names[r>>44%26]
			c.Values[JobTitle], c.Values[BusinessCity] = cities[r>>36%6], cities[r>>30%6]
			c.Values[BusinessCountry] = "United States"
			c.Line = i + 2
			if err := t.Add(&c); err != nil {
				b.Error(err)
				return
			}
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		ct := NewTable(fields)
		ot := ct.Sibling()
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			side(ct, true)
		}()
		side(ot, false)
		wg.Wait()
		b.ReportMetric(float64(ct.Pool().Size())/(1<<20), "pool-MiB")
		b.ReportMetric(float64(ct.Size()+ot.Size())/(1<<20), "tables-MiB")
	}
}
