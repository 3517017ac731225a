package outlookcsv

import (
	"bytes"
	"encoding/csv"
	"io"
	"sync"
	"testing"
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
