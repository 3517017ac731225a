package vcard

import (
	"bytes"
	"testing"

	"contactsync/engine/contact"
)

// Cards written one at a time are the bytes Write writes for the slice.
func TestCardWriterIsWrite(t *testing.T) {
	var cs []contact.Contact
	for _, n := range []string{"Ann", "Bob", "Zoë"} {
		var c contact.Contact
		c.Key = "k-" + n
		c.Values[contact.First], c.Values[contact.Last] = n, "Lee"
		c.Values[contact.Notes] = "a long note that is folded because it is longer than seventy-five octets, " + n
		c.Extra = []contact.Extra{{Name: "X-CUSTOM", Value: n, Format: contact.FormatVCard}}
		cs = append(cs, c)
	}
	for _, v := range []string{"3.0", "4.0"} {
		var whole, streamed bytes.Buffer
		if err := Write(&whole, cs, Options{Version: v}); err != nil {
			t.Fatal(err)
		}
		w, err := NewCardWriter(&streamed, Options{Version: v})
		if err != nil {
			t.Fatal(err)
		}
		for i := range cs {
			if err := w.Write(&cs[i]); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if whole.Len() == 0 || !bytes.Equal(whole.Bytes(), streamed.Bytes()) {
			t.Errorf("vCard %s: streamed\n%s\nwant\n%s", v, streamed.Bytes(), whole.Bytes())
		}
	}
	if _, err := NewCardWriter(&bytes.Buffer{}, Options{Version: "2.1"}); err == nil {
		t.Error("NewCardWriter took version 2.1, which is not written")
	}
}
