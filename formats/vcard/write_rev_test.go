package vcard

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"contactsync/engine/contact"
)

// Each card gets the REV of its own time, in UTC, also when the writer
// has just formatted another (it keeps the last one formatted).
func TestRevOfEachCard(t *testing.T) {
	var b bytes.Buffer
	w, err := NewCardWriter(&b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t1 := time.Date(2024, 1, 31, 10, 15, 0, 0, time.UTC)
	for _, m := range []time.Time{t1, t1, t1.Add(time.Second), t1.In(time.FixedZone("x", 3600)), {}, t1.Add(-time.Hour)} {
		c := contact.Contact{Modified: m}
		c.Values[contact.First] = "A"
		if err := w.Write(&c); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	var revs []string
	for _, l := range strings.Split(b.String(), "\r\n") {
		if strings.HasPrefix(l, "REV:") {
			revs = append(revs, l[4:])
		}
	}
	want := []string{"20240131T101500Z", "20240131T101500Z", "20240131T101501Z", "20240131T101500Z", "20240131T091500Z"}
	if strings.Join(revs, " ") != strings.Join(want, " ") {
		t.Errorf("REVs %q, want %q", revs, want)
	}
}
