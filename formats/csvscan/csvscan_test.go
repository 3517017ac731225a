package csvscan

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// seeds are inputs where encoding/csv's rules show: quotes, line breaks
// in and out of quotes, CRs, empty lines, a last line without a break,
// bad quotes on the first and on a later line of a record.
var seeds = []string{
	"",
	"\n",
	"a",
	"a,b,c\n",
	"a,b,c\r\nd,e,f\r\n",
	"a,b\n\n\nc,d\n",
	"a,b\r\n\r\n",
	"\r",
	"a\r",
	"a\r\r\n",
	"a\rb,c\n",
	"a\x01,\"b\x1b\"\"\n\x00\",c\x1f\n\"\x7f\",d\n",
	"a,\n",
	",\n,,\n",
	`"a","b"` + "\n",
	`"a""b",c` + "\n",
	`"a` + "\n" + `b",c` + "\n",
	`"a` + "\r\n" + `b",c` + "\r\n",
	`"a` + "\r\r\n" + `b"` + "\n",
	`"a` + "\n\n" + `b"`,
	`"a` + "\n",
	`"a`,
	`"`,
	`""`,
	`"""`,
	`""""`,
	`"a"b`,
	`"a"` + "\r",
	`"a"` + "\r\r\n",
	`a"b`,
	`a,b"c"`,
	`"a",b"` + "\n",
	"a,b\nc\n",
	`"a` + "\n" + `b"x,c` + "\n",
	`"a` + "\n" + "\r",
	`"a` + "\n\r\n",
	`x,"a` + "\n" + `b` + "\n",
	"é,\"ü\",x\n\"ß\"é\n",
	"a;b;\"c;d\"\n",
	"a\tb\t\"c\"\n",
	`"a",,"",` + "\n",
	"\n" + `"a",,"b c",` + "\n" + `"a,b",""` + "\n" + `,"x"` + "\n" + `"x",y` + "\n",
	"\n" + `"a",,"b"` + "\r\n" + `,` + "\r\n" + `"a"` + "\r\r\n" + `"a"` + "\r",
}

// TestPlain: the records of one line whose fields are each empty or
// quoted (not empty, no quote inside) are plain, and their text is the
// line's; any other is not.
func TestPlain(t *testing.T) {
	in := "\"h\",\"i\"\r\n\"a\",,\"b, c\"\r\n,\n\"\",x\n\"a\"\"\",\n\"x\",y\n\"l\n2\",\n\"é\",\"\x01\"\r"
	want := []string{`"h","i"`, `"a",,"b, c"`, `,`, "", "", "", "", `"é","` + "\x01" + `"`}
	r := NewReader(strings.NewReader(in))
	r.FieldsPerRecord = -1
	for k, w := range want {
		if _, err := r.ReadViews(nil); err != nil {
			t.Fatal(err)
		}
		text, ok := r.Plain()
		if ok != (w != "") || text != w {
			t.Errorf("record %d: Plain %q, %v; want %q", k, text, ok, w)
		}
	}
}

// FuzzDifferential holds Reader to encoding/csv: on every input, for every
// delimiter the readers use and both FieldsPerRecord settings, the same
// records, the same errors at the same line and column, the same field
// positions and input offsets, read whole or a byte at a time.
func FuzzDifferential(f *testing.F) {
	for _, s := range seeds {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, in string, opt uint8) {
		comma := []byte{',', ';', '\t', '|'}[opt%4]
		fields := []int{-1, 0, 2}[int(opt/4)%3]
		if opt&0x10 != 0 {
			defer smallBuffer(1 + len(in)%13)()
		}
		differ(t, in, comma, fields, int(opt>>6))
	})
}

func TestDifferentialSeeds(t *testing.T) {
	for _, size := range []int{64 << 10, 1, 2, 3, 5, 8, 9, 13} {
		restore := smallBuffer(size)
		for _, in := range seeds {
			for _, comma := range []byte{',', ';', '\t'} {
				for _, fields := range []int{-1, 0, 2} {
					for chunks := range 3 {
						differ(t, in, comma, fields, chunks)
					}
				}
			}
		}
		restore()
	}
}

// smallBuffer makes the Readers made until restore start with a buffer of
// size bytes, so that their scans run at its end and it grows.
func smallBuffer(size int) (restore func()) {
	old := bufSize
	bufSize = size
	return func() { bufSize = old }
}

// TestLongRecords crosses the buffer's edge and makes it grow: records
// longer than the buffer, quoted line breaks and doubled quotes where a
// refill moves the record.
func TestLongRecords(t *testing.T) {
	var b strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&b, "%d,\"%s\",\"x\"\"%s\ny\",%s\r\n", i, strings.Repeat("v", i*7%300), strings.Repeat("q", i%50), strings.Repeat("w", i*13%200))
		if i%700 == 0 {
			fmt.Fprintf(&b, "\"%s\"\n", strings.Repeat("L\"\"\r\n", 50_000))
		}
	}
	in := b.String()
	differ(t, in, ',', -1, 0)
	differ(t, in, ',', 0, 2)
	defer smallBuffer(7)()
	differ(t, in, ',', -1, 2)
}

// differ reads text with encoding/csv and with a Reader that reads its
// input whole (chunks 0), a byte at a time (1) or in halves (2), and fails
// at the first difference.
func differ(t *testing.T, text string, comma byte, fields, chunks int) {
	t.Helper()
	in := text
	if len(in) > 80 {
		in = in[:80] + "..."
	}
	want := csv.NewReader(strings.NewReader(text))
	want.Comma, want.FieldsPerRecord = rune(comma), fields
	var src io.Reader = strings.NewReader(text)
	switch chunks {
	case 1:
		src = iotest.OneByteReader(src)
	case 2:
		src = iotest.HalfReader(src)
	}
	got := NewReader(src)
	got.Comma, got.FieldsPerRecord = comma, fields
	var dst, views []string
	prev := int64(0) // where the record starts, its empty lines before it
	for n := 0; n < 10_000; n++ {
		wrec, werr := want.Read()
		var grec []string
		var gerr error
		switch n % 3 {
		case 0:
			var b [][]byte
			b, gerr = got.Read()
			for _, f := range b {
				grec = append(grec, string(f))
			}
			if b == nil {
				grec = nil
			}
		case 1:
			dst, gerr = got.ReadStrings(dst)
			grec = dst
		case 2:
			views, gerr = got.ReadViews(views)
			grec = nil
			for _, v := range views {
				grec = append(grec, strings.Clone(v))
			}
			if views == nil {
				grec = nil
			}
		}
		if !sameErr(werr, gerr) {
			t.Fatalf("%q (comma %q, fields %d), record %d: error %v, encoding/csv %v", in, comma, fields, n, gerr, werr)
		}
		if werr == io.EOF {
			return
		}
		var pe *csv.ParseError
		if werr == nil || errors.As(werr, &pe) && pe.Err == csv.ErrFieldCount {
			if fmt.Sprintf("%q", grec) != fmt.Sprintf("%q", wrec) {
				t.Fatalf("%q (comma %q, fields %d), record %d = %q, encoding/csv %q", in, comma, fields, n, grec, wrec)
			}
		} else if len(grec) != len(wrec) {
			t.Fatalf("%q (comma %q, fields %d), record %d: %d fields before the error, encoding/csv %d", in, comma, fields, n, len(grec), len(wrec))
		}
		for i := range wrec {
			wl, wc := want.FieldPos(i)
			gl, gc := got.FieldPos(i)
			if wl != gl || wc != gc {
				t.Fatalf("%q (comma %q, fields %d), record %d field %d at %d:%d, encoding/csv %d:%d", in, comma, fields, n, i, gl, gc, wl, wc)
			}
		}
		if werr == nil {
			checkText(t, in, n, got.Text(), wrec)
			checkPlain(t, in, n, got, comma, wrec, text[prev:got.InputOffset()])
			if n%3 != 0 { // ReadStrings, ReadViews
				checkFilled(t, in, n, got.Filled(), wrec)
			}
		}
		if w, g := want.InputOffset(), got.InputOffset(); w != g {
			t.Fatalf("%q (comma %q, fields %d), record %d: InputOffset %d, encoding/csv %d", in, comma, fields, n, g, w)
		}
		prev = got.InputOffset()
	}
}

// checkText checks Text against the fields of record n: each is in it,
// and it holds a control character exactly when a field does (the
// delimiters are not ones).
func checkText(t *testing.T, in string, n int, text string, fields []string) {
	t.Helper()
	ctl := func(s string) bool {
		return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 && r != '\t' && r != '\r' && r != '\n' })
	}
	any := false
	for i, f := range fields {
		if !strings.Contains(text, f) {
			t.Fatalf("%q, record %d: field %d %q is not in Text %q", in, n, i, f, text)
		}
		any = any || ctl(f)
	}
	if ctl(text) != any {
		t.Fatalf("%q, record %d: Text %q holds a control character: %v, a field does: %v", in, n, text, ctl(text), any)
	}
}

// checkPlain checks Plain against the fields of record n, whose input is
// raw (with the empty lines before it and its line break): a plain
// record's text is its fields joined by comma, each one that is not empty
// quoted, none holding a quote or a line break; a record of such fields
// whose line is that is plain.
func checkPlain(t *testing.T, in string, n int, r *Reader, comma byte, fields []string, raw string) {
	t.Helper()
	var b strings.Builder
	plain := true
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(comma)
		}
		if f != "" {
			b.WriteString(`"` + f + `"`)
		}
		plain = plain && !strings.ContainsAny(f, "\"\n")
	}
	text, ok := r.Plain()
	if ok && (!plain || text != b.String()) {
		t.Fatalf("%q, record %d: Plain %q, the fields %q written quoted are %q", in, n, text, fields, b.String())
	}
	raw = strings.TrimSuffix(raw, "\n")
	raw = strings.TrimSuffix(raw, "\r")
	for {
		if r := strings.TrimPrefix(raw, "\n"); r != raw {
			raw = r
		} else if r := strings.TrimPrefix(raw, "\r\n"); r != raw {
			raw = r
		} else {
			break
		}
	}
	if !ok && plain && raw == b.String() && raw != "" {
		t.Fatalf("%q, record %d: the fields %q are the plain line %q of the input, Plain says no", in, n, fields, raw)
	}
}

// checkFilled checks Filled against the fields of record n: a bit for
// each field that is not empty, and none else.
func checkFilled(t *testing.T, in string, n int, filled []uint64, fields []string) {
	t.Helper()
	for k := range 64 * len(filled) {
		set := filled[k>>6]&(1<<(k&63)) != 0
		if want := k < len(fields) && fields[k] != ""; set != want {
			t.Fatalf("%q, record %d: Filled says field %d is filled: %v, want %v", in, n, k, set, want)
		}
	}
	if len(fields) > 64*len(filled) {
		t.Fatalf("%q, record %d: Filled holds %d fields of %d", in, n, 64*len(filled), len(fields))
	}
}

// sameErr reports whether two errors are the same: both nil, both io.EOF,
// or parse errors of the same kind at the same place.
func sameErr(want, got error) bool {
	var wp, gp *csv.ParseError
	if errors.As(want, &wp) != errors.As(got, &gp) {
		return false
	}
	if wp != nil {
		return *wp == *gp
	}
	return want == got
}

// TestInputError: an error of the input ends the read with that error,
// after the records read before it.
func TestInputError(t *testing.T) {
	boom := errors.New("boom")
	for _, in := range []string{"a,b\nc,d\ne", "a,b\nc,d\n\"e\n", "a,b\nc,d\n"} {
		want := csv.NewReader(iotest.DataErrReader(io.MultiReader(strings.NewReader(in), iotest.ErrReader(boom))))
		got := NewReader(io.MultiReader(strings.NewReader(in), iotest.ErrReader(boom)))
		for n := 0; ; n++ {
			wrec, werr := want.Read()
			grec, gerr := got.ReadStrings(nil)
			if werr != gerr {
				t.Fatalf("%q record %d: error %v, encoding/csv %v", in, n, gerr, werr)
			}
			if werr != nil {
				if !errors.Is(gerr, boom) {
					t.Fatalf("%q: ended with %v, want boom", in, gerr)
				}
				break
			}
			if fmt.Sprint(grec) != fmt.Sprint(wrec) {
				t.Fatalf("%q record %d = %q, encoding/csv %q", in, n, grec, wrec)
			}
		}
	}
}

// TestReuse: Read's fields are slices of one buffer reused by the next
// Read; ReadStrings' stay what they were.
func TestReuse(t *testing.T) {
	r := NewReader(strings.NewReader("aa,bb\ncc,dd\n"))
	first, err := r.ReadStrings(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Read(); err != nil {
		t.Fatal(err)
	}
	if first[0] != "aa" || first[1] != "bb" {
		t.Fatalf("ReadStrings' fields changed after the next Read: %q", first)
	}
	if _, err := r.Read(); err != io.EOF {
		t.Fatalf("after the last record: %v, want io.EOF", err)
	}
}

func TestInvalidDelimiter(t *testing.T) {
	for _, c := range []byte{0, '"', '\r', '\n', 0xC3} {
		r := NewReader(strings.NewReader("a,b\n"))
		r.Comma = c
		if _, err := r.Read(); err == nil || err == io.EOF {
			t.Errorf("Comma %q: Read = %v, want an error", c, err)
		}
	}
}

// benchInputs are 20,000 rows shaped as the two sides' files: an Outlook
// export (92 columns, the values quoted, most cells empty, a note over two
// lines now and then) and a CRM dump (27 columns, nothing quoted).
var benchInputs = func() map[string][]byte {
	var ol, crm bytes.Buffer
	for i := range 20_000 {
		fmt.Fprintf(&ol, `,"Xenia",,"Vogel %d",,"Company %d Ltd",,"Engineer","905 Main Street",,,"Springfield",,"10694","United States"`, i, i%3000)
		ol.WriteString(strings.Repeat(",", 14))
		fmt.Fprintf(&ol, `"+1 555 2081 %03d",,,,,,,,,"+1 555 4425 %03d"`, i%1000, i%997)
		ol.WriteString(strings.Repeat(",", 12))
		fmt.Fprintf(&ol, `"user%d@example.com","SMTP","Xenia Vogel (user%d@example.com)"`, i, i)
		ol.WriteString(strings.Repeat(",", 10))
		if i%10 == 0 {
			ol.WriteString(`"a note, with ""quotes""` + "\r\n" + `and a second line"`)
		}
		ol.WriteString(strings.Repeat(",", 14) + "\r\n")
		fmt.Fprintf(&crm, "C%011d,A%011d,Company %d Ltd,Vogel,Xenia,,,,Engineer,,user%d@example.com,,+1 555 2081 318,+1 555 4425 540,,,905 Main Street,,,Springfield,,10694,United States,SYST00000001,,,2026-01-05 01:28:15\n", i, i%3000, i%3000, i)
	}
	return map[string][]byte{"outlook": ol.Bytes(), "crm": crm.Bytes()}
}()

// BenchmarkRead compares Reader's Read (bytes), ReadViews and ReadStrings
// with encoding/csv's Read (ReuseRecord) on the same input.
func BenchmarkRead(b *testing.B) {
	for _, name := range []string{"outlook", "crm"} {
		data := benchInputs[name]
		b.Run(name+"/encoding-csv", func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				r := csv.NewReader(bytes.NewReader(data))
				r.FieldsPerRecord, r.ReuseRecord = -1, true
				for {
					if _, err := r.Read(); err != nil {
						if err != io.EOF {
							b.Fatal(err)
						}
						break
					}
				}
			}
		})
		for _, mode := range []string{"bytes", "views", "strings"} {
			b.Run(name+"/"+mode, func(b *testing.B) {
				b.SetBytes(int64(len(data)))
				var rec []string
				for b.Loop() {
					r := NewReader(bytes.NewReader(data))
					r.FieldsPerRecord = -1
					for {
						var err error
						switch mode {
						case "bytes":
							_, err = r.Read()
						case "views":
							rec, err = r.ReadViews(rec)
						default:
							rec, err = r.ReadStrings(rec)
						}
						if err != nil {
							if err != io.EOF {
								b.Fatal(err)
							}
							break
						}
					}
				}
			})
		}
	}
}
