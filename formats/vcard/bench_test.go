package vcard

import (
	"bytes"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	govcard "github.com/emersion/go-vcard"

	"contactsync/engine/contact"
)

// synthetic returns n varied contacts like an Outlook address book's.
func synthetic(n int) []contact.Contact {
	cs := make([]contact.Contact, n)
	for i := range cs {
		c := &cs[i]
		c.Key = fmt.Sprintf("urn:uuid:%08x-0000-4000-8000-%012x", i, i*7919)
		c.Modified = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)
		v := &c.Values
		v[contact.First] = fmt.Sprintf("Jörg%d", i)
		v[contact.Last] = fmt.Sprintf("Müller-O'Brien %d", i%977)
		v[contact.Company] = fmt.Sprintf("ACME %d, Inc.", i%1000)
		v[contact.Department] = "Sales; EMEA"
		v[contact.JobTitle] = "Account Manager"
		v[contact.Email1] = fmt.Sprintf("user%d@example.com", i)
		if i%2 == 0 {
			v[contact.Email2] = fmt.Sprintf("private%d@mail.example", i)
		}
		v[contact.PhoneBusiness] = fmt.Sprintf("+49 89 %07d", i)
		v[contact.PhoneMobile] = fmt.Sprintf("+49 170 %07d", i)
		v[contact.BusinessStreet] = fmt.Sprintf("Hauptstraße %d\nGebäude B", i%300)
		v[contact.BusinessCity] = "München"
		v[contact.BusinessPostalCode] = fmt.Sprintf("%05d", 80000+i%999)
		v[contact.BusinessCountry] = "Deutschland"
		if i%5 == 0 {
			v[contact.Notes] = "Met at the fair, wants a quote.\nCall back in spring."
		}
		v[contact.Categories] = "Kunde;VIP"
		c.Extra = []contact.Extra{{Name: "X-MS-OL-DEFAULT-POSTAL-ADDRESS", Value: "2", Format: contact.FormatVCard}}
		if i%2 == 0 { // converted from Outlook CSV: foreign Extras in carriers
			c.Extra = append(c.Extra, contact.Extra{Name: "Gender", Value: "Unspecified", Format: contact.FormatOutlookCSV},
				contact.Extra{Name: "E-mail Display Name", Value: fmt.Sprintf("Jörg (user%d@example.com)", i), Format: contact.FormatOutlookCSV})
		}
	}
	return cs
}

const benchContacts = 100_000

var benchData = sync.OnceValue(func() []byte {
	var buf bytes.Buffer
	if err := Write(&buf, synthetic(benchContacts), Options{}); err != nil {
		panic(err)
	}
	return buf.Bytes()
})

// BenchmarkRead reads a 100,000-contact vCard 3.0 file.
func BenchmarkRead(b *testing.B) {
	data := benchData()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f, err := Read(bytes.NewReader(data), "bench.vcf")
		if err != nil || len(f.Contacts) != benchContacts {
			b.Fatalf("read %v", err)
		}
	}
	b.ReportMetric(float64(benchContacts*b.N)/b.Elapsed().Seconds(), "contacts/s")
}

// BenchmarkWrite writes 100,000 contacts as vCard 3.0.
func BenchmarkWrite(b *testing.B) {
	cs := synthetic(benchContacts)
	b.SetBytes(int64(len(benchData())))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := Write(io.Discard, cs, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(benchContacts*b.N)/b.Elapsed().Seconds(), "contacts/s")
}

// BenchmarkGoVcardDecode is the yardstick: go-vcard's raw decoder on the
// same bytes (no mapping, no charset, no 2.1 handling). BenchmarkRead must
// be at least half as fast.
func BenchmarkGoVcardDecode(b *testing.B) {
	data := benchData()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n, err := goVcardCount(data)
		if err != nil || n != benchContacts {
			b.Fatalf("go-vcard decoded %d cards: %v", n, err)
		}
	}
	b.ReportMetric(float64(benchContacts*b.N)/b.Elapsed().Seconds(), "contacts/s")
}

func goVcardCount(data []byte) (int, error) {
	dec := govcard.NewDecoder(bytes.NewReader(data))
	n := 0
	for {
		_, err := dec.Decode()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
	}
}

// TestBenchmarkInputs checks, without timing anything, that the benchmark
// compares like with like: go-vcard and Read see the same cards in the
// generated file, and Read gets back the generated contacts.
func TestBenchmarkInputs(t *testing.T) {
	cs := synthetic(500)
	var buf bytes.Buffer
	if err := Write(&buf, cs, Options{}); err != nil {
		t.Fatal(err)
	}
	n, err := goVcardCount(buf.Bytes())
	if err != nil || n != len(cs) {
		t.Fatalf("go-vcard decoded %d of %d cards: %v", n, len(cs), err)
	}
	f, err := Read(bytes.NewReader(buf.Bytes()), "gen.vcf")
	if err != nil {
		t.Fatal(err)
	}
	for i := range cs {
		if f.Contacts[i].Values != cs[i].Values || f.Contacts[i].Key != cs[i].Key {
			t.Fatalf("contact %d read back as %+v, want %+v", i, f.Contacts[i], cs[i])
		}
	}
}
