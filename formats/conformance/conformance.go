// Package conformance is the one test suite every format runs through the
// formats.Reader and formats.Writer interfaces: what DESIGN §10 asks of
// every format, checked the same way for each.
//
//   - Read: every good input reads to the end without error; a record
//     kept as a plain copy of the struct stays as read (its Extra is not
//     reused by the reader), and the input files are hashed.
//   - Round trip (formats with a writer): what a writer made in the
//     input's own layout (Create with the reader as like) reads back to
//     the same records: keys, values and every value the format holds
//     without a field (Extra, in any order). Nothing is lost.
//   - Positioned errors: a broken input fails with a *formats.ParseError
//     that names the file and the place ("file:line:col: field: what").
//   - Fuzz: no input panics a reader; every error it returns is a
//     positioned *formats.ParseError naming the file (or says the whole
//     file is not of the format: formats.ErrNotText).
//
// A format's test calls Run with its cases and Fuzz from its fuzz target.
package conformance

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"contactsync/engine/contact"
	"contactsync/formats"
)

// Suite is what a format gives the suite.
type Suite struct {
	// Kind is the format's kind in the registry.
	Kind string
	// Options are passed to Open and Create.
	Options formats.Options
	// Good are inputs (files or folders) that read without error.
	Good []string
	// Broken are inputs that must fail, each with the start of the error
	// it must give ("file:line:col: field"); "" for the file itself, the
	// suite puts the input's path before.
	Broken []Broken
	// MinRecords is the least number of records all Good inputs hold
	// together: a suite that reads nothing proves nothing.
	MinRecords int
}

// Broken is an input that must fail, and where.
type Broken struct {
	Path string
	// Want is what the error must start with after the path: ":3:7: N".
	Want string
}

// Run runs the suite for s.
func Run(t *testing.T, s Suite) {
	t.Helper()
	f, ok := formats.Lookup(s.Kind)
	if !ok {
		t.Fatalf("format %q is not registered", s.Kind)
	}
	total := 0
	for _, in := range s.Good {
		t.Run("read/"+filepath.Base(in), func(t *testing.T) {
			r, err := f.Open(in, s.Options)
			if err != nil {
				t.Fatal(err)
			}
			recs, err := formats.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			total += len(recs)
			cloned := readCloned(t, f, in, s.Options)
			if len(cloned) != len(recs) {
				t.Fatalf("%d records, then %d", len(recs), len(cloned))
			}
			for i := range recs {
				if d := diff(&cloned[i], &recs[i]); d != "" || cloned[i].Line != recs[i].Line {
					t.Fatalf("record %d kept as a plain copy changed while reading on (its Extra is reused): %s", i+1, d)
				}
			}
			sum := r.Summary()
			if len(sum.Inputs) == 0 {
				t.Error("no input file hashed")
			}
			for _, in := range sum.Inputs {
				if len(in.SHA256) != 64 || in.Path == "" {
					t.Errorf("input %+v: want its path and SHA-256", in)
				}
			}
			if f.Create != nil {
				roundTrip(t, f, s.Options, in, recs)
			}
		})
	}
	if total < s.MinRecords {
		t.Errorf("the good inputs hold %d records, want at least %d", total, s.MinRecords)
	}
	for _, b := range s.Broken {
		t.Run("broken/"+filepath.Base(b.Path), func(t *testing.T) {
			err := readErr(f, b.Path, s.Options)
			var pe *formats.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T), want a *formats.ParseError", err, err)
			}
			if want := b.Path + b.Want; !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %v\nwant it to start %s", err, want)
			}
		})
	}
}

// readCloned reads every record of path, each cloned as soon as read.
func readCloned(t *testing.T, f *formats.Format, path string, o formats.Options) []contact.Contact {
	t.Helper()
	r, err := f.Open(path, o)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []contact.Contact
	for {
		c, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c.Clone())
	}
}

// readErr opens path and reads it to the end, and returns the error.
func readErr(f *formats.Format, path string, o formats.Options) error {
	r, err := f.Open(path, o)
	if err != nil {
		return err
	}
	defer r.Close()
	for {
		if _, err := r.Next(); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
}

// roundTrip writes recs in the layout of the input read by a fresh
// reader, reads the file back and compares.
func roundTrip(t *testing.T, f *formats.Format, o formats.Options, in string, recs []contact.Contact) {
	t.Helper()
	like, err := f.Open(in, o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := formats.ReadAll(like); err != nil { // a layout is settled at the end
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out"+filepath.Ext(in))
	if st, err := os.Stat(in); err == nil && st.IsDir() {
		out = filepath.Join(t.TempDir(), "out")
	}
	w, err := f.Create(out, o, like)
	if err != nil {
		t.Fatal(err)
	}
	if err := formats.WriteAll(w, recs); err != nil {
		t.Fatal(err)
	}
	if w.Describe() == "" {
		t.Error("the writer does not say what it wrote")
	}
	r, err := f.Open(out, o)
	if err != nil {
		t.Fatal(err)
	}
	back, err := formats.ReadAll(r)
	if err != nil {
		t.Fatalf("reading back what was written: %v", err)
	}
	if len(back) != len(recs) {
		t.Fatalf("%d records written, %d read back", len(recs), len(back))
	}
	if st, err := os.Stat(out); err == nil && st.IsDir() {
		// A folder gives its files in name order, not in the order
		// written: match each record with one read back.
		used := make([]bool, len(back))
	next:
		for i := range recs {
			for j := range back {
				if !used[j] && diff(&recs[i], &back[j]) == "" {
					used[j] = true
					continue next
				}
			}
			t.Errorf("record %d (line %d) is not among the records read back", i+1, recs[i].Line)
		}
		return
	}
	for i := range recs {
		if d := diff(&recs[i], &back[i]); d != "" {
			t.Errorf("record %d (line %d) differs after a round trip: %s", i+1, recs[i].Line, d)
		}
	}
}

// diff says how b differs from a in what a round trip keeps: the key,
// the values, the CRM attributes and the Extra values (as a set).
func diff(a, b *contact.Contact) string {
	if a.Key != b.Key {
		return "key " + q(a.Key) + " became " + q(b.Key)
	}
	for fi := range contact.NumFields {
		if a.Values[fi] != b.Values[fi] {
			return contact.Field(fi).String() + " " + q(a.Values[fi]) + " became " + q(b.Values[fi])
		}
	}
	if a.CRM != b.CRM {
		return "CRM attributes changed"
	}
	xa, xb := extras(a), extras(b)
	for _, x := range xa {
		if !slices.Contains(xb, x) {
			return "unmapped value " + q(x) + " lost"
		}
	}
	for _, x := range xb {
		if !slices.Contains(xa, x) {
			return "unmapped value " + q(x) + " appeared"
		}
	}
	return ""
}

func extras(c *contact.Contact) []string {
	var out []string
	for _, x := range c.Extra {
		out = append(out, x.Format+"\x00"+x.Name+"\x00"+x.Value)
	}
	return out
}

func q(s string) string {
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return "\"" + strings.ReplaceAll(s, "\x00", " ") + "\""
}

// FuzzDir is Fuzz for a format whose input is a folder: files (name →
// content) are written into one and read through the registry; every
// error is a *formats.ParseError naming a file of the folder, with a line
// for a text format unless the file is refused as not text.
func FuzzDir(t *testing.T, kind string, files map[string][]byte, text bool) {
	f, ok := formats.Lookup(kind)
	if !ok {
		t.Fatalf("format %q is not registered", kind)
	}
	dir := t.TempDir()
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	err := readErr(f, dir, formats.Options{})
	if err == nil {
		return
	}
	var pe *formats.ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *formats.ParseError", err, err)
	}
	if filepath.Dir(pe.File) != dir {
		t.Fatalf("error %v names %q, not a file of the folder read", err, pe.File)
	}
	if text && pe.Line <= 0 && !errors.Is(err, formats.ErrNotText) {
		t.Fatalf("error without a line: %v", err)
	}
}

// Fuzz is the body of a format's fuzz target: data written to a file
// named "fuzz"+ext is read through the registry. It must not panic, and
// every error is a *formats.ParseError naming the file; for a text format
// (text set) with a line, unless the whole file is refused as not text.
// What reads without error and can be written reads back, written in its
// own layout, to the same keys and values.
func Fuzz(t *testing.T, kind, ext string, data []byte, text bool) {
	f, ok := formats.Lookup(kind)
	if !ok {
		t.Fatalf("format %q is not registered", kind)
	}
	p := filepath.Join(t.TempDir(), "fuzz"+ext)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := f.Open(p, formats.Options{})
	var recs []contact.Contact
	if err == nil {
		recs, err = formats.ReadAll(r)
	}
	if err != nil {
		var pe *formats.ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("error %v (%T) is not a *formats.ParseError", err, err)
		}
		if pe.File != p {
			t.Fatalf("error %v names %q, not the file read", err, pe.File)
		}
		if text && pe.Line <= 0 && !errors.Is(err, formats.ErrNotText) {
			t.Fatalf("error without a line: %v", err)
		}
		return
	}
	if f.Create == nil {
		return
	}
	out := filepath.Join(t.TempDir(), "out"+ext)
	w, err := f.Create(out, formats.Options{}, r)
	if err != nil {
		t.Fatal(err)
	}
	if err := formats.WriteAll(w, recs); err != nil {
		t.Fatalf("write: %v", err)
	}
	r2, err := f.Open(out, formats.Options{})
	if err != nil {
		t.Fatalf("reading own output: %v", err)
	}
	back, err := formats.ReadAll(r2)
	if err != nil {
		t.Fatalf("reading own output: %v", err)
	}
	if len(back) != len(recs) {
		t.Fatalf("%d records became %d", len(recs), len(back))
	}
	for i := range recs {
		if recs[i].Key != back[i].Key || recs[i].Values != back[i].Values {
			t.Fatalf("record %d changed:\n%q\n%q", i+1, recs[i].Values, back[i].Values)
		}
	}
}
