package outlookcsv

import (
	"bytes"
	"encoding/csv"
	"reflect"
	"testing"

	"contactsync/engine/contact"
	"contactsync/formats"
)

// records parses CSV output (any encoding) into rows of cells.
func records(t testing.TB, b []byte) [][]string {
	t.Helper()
	text, _, err := formats.DecodeText(b, "")
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(text))
	r.Comma = detectDelimiter(text)
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("output does not parse: %v\n%s", err, text)
	}
	return recs
}

// pad makes every row as wide as the header: Outlook leaves out trailing
// empty cells.
func pad(recs [][]string) [][]string {
	if len(recs) == 0 {
		return recs
	}
	n := len(recs[0])
	out := make([][]string, len(recs))
	for i, r := range recs {
		out[i] = append([]string(nil), r...)
		for len(out[i]) < n {
			out[i] = append(out[i], "")
		}
	}
	return out
}

// roundTrip writes f's contacts with f as layout and checks the output has
// the same cells as the input.
func roundTrip(t *testing.T, f *File, opt Options) []byte {
	t.Helper()
	var out bytes.Buffer
	res, err := WriteReport(&out, f.Contacts, f, opt)
	if err != nil {
		t.Fatal(err)
	}
	if res.Mapped != 0 || res.Dropped != 0 || res.DroppedNames != nil {
		t.Errorf("Outlook CSV's own values counted as foreign: %+v", res)
	}
	// Read back, the contacts are the same: values, key, and every Extra
	// with its name, value and format.
	back, err := Read(bytes.NewReader(out.Bytes()), f.Path, opt)
	if err != nil {
		t.Fatalf("reading own output: %v", err)
	}
	if len(back.Contacts) != len(f.Contacts) {
		t.Fatalf("%d contacts came back as %d", len(f.Contacts), len(back.Contacts))
	}
	for i := range f.Contacts {
		a, b := &f.Contacts[i], &back.Contacts[i]
		if a.Values != b.Values || a.Key != b.Key || !reflect.DeepEqual(a.Extra, b.Extra) {
			t.Errorf("contact %d read back differs:\n got %+v\nwant %+v", i, *b, *a)
		}
		for _, x := range b.Extra {
			if x.Format != contact.FormatOutlookCSV {
				t.Errorf("contact %d: extra %q read with format %q", i, x.Name, x.Format)
			}
		}
	}
	raw, err := readRaw(f.Path, opt)
	if err != nil {
		t.Fatal(err)
	}
	in := pad(raw)
	got := pad(records(t, out.Bytes()))
	if !reflect.DeepEqual(in, got) {
		for i := range max(len(in), len(got)) {
			if i >= len(in) || i >= len(got) {
				t.Errorf("record %d: only in one side", i)
				continue
			}
			for j := range max(len(in[i]), len(got[i])) {
				var a, b string
				if j < len(in[i]) {
					a = in[i][j]
				}
				if j < len(got[i]) {
					b = got[i][j]
				}
				if a != b {
					t.Errorf("record %d cell %d (%s): wrote %q, read %q", i, j, in[0][j], b, a)
				}
			}
		}
	}
	return out.Bytes()
}
