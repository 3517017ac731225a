package outlookcsv

import (
	"bytes"
	"encoding/csv"
	"io"
	"sync"
	"testing"

	"contactsync/formats/csvscan"
)

const benchContacts = 100_000

var benchData = sync.OnceValue(func() []byte { return []byte(sample("en", benchContacts, "")) })

func BenchmarkReadOutlookCSV(b *testing.B) {
	data := benchData()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		f, err := Read(bytes.NewReader(data), "bench.csv", Options{})
		if err != nil || len(f.Contacts) != benchContacts {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(benchContacts*b.N)/b.Elapsed().Seconds(), "contacts/s")
}

// BenchmarkReadPlainEncodingCSV is the yardstick: encoding/csv alone on
// the same bytes.
func BenchmarkReadPlainEncodingCSV(b *testing.B) {
	data := benchData()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		r := csv.NewReader(bytes.NewReader(data))
		r.FieldsPerRecord = -1
		r.ReuseRecord = true
		n := 0
		for {
			_, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != benchContacts+1 {
			b.Fatal(n)
		}
	}
	b.ReportMetric(float64(benchContacts*b.N)/b.Elapsed().Seconds(), "contacts/s")
}

// BenchmarkReadPlainCSVScan is csvscan, the reader the formats use, on
// the same bytes: against BenchmarkReadPlainEncodingCSV, the parsing's
// share of a read (Read hands out bytes; ReadStrings makes strings that
// stay valid, one allocation a record as encoding/csv does).
func BenchmarkReadPlainCSVScan(b *testing.B) {
	for _, mode := range []string{"bytes", "strings"} {
		b.Run(mode, func(b *testing.B) {
			data := benchData()
			b.SetBytes(int64(len(data)))
			b.ResetTimer()
			var rec []string
			for b.Loop() {
				r := csvscan.NewReader(bytes.NewReader(data))
				r.FieldsPerRecord = -1
				n := 0
				for {
					var err error
					if mode == "bytes" {
						_, err = r.Read()
					} else {
						rec, err = r.ReadStrings(rec)
					}
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					n++
				}
				if n != benchContacts+1 {
					b.Fatal(n)
				}
			}
			b.ReportMetric(float64(benchContacts*b.N)/b.Elapsed().Seconds(), "contacts/s")
		})
	}
}

func BenchmarkWriteOutlookCSV(b *testing.B) {
	data := benchData()
	f, err := Read(bytes.NewReader(data), "bench.csv", Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := Write(io.Discard, f.Contacts, f, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(benchContacts*b.N)/b.Elapsed().Seconds(), "contacts/s")
}
