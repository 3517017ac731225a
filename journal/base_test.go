package journal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"unicode/utf8"

	"contactsync/engine"
	"contactsync/engine/contact"
)

func TestBaseDocument(t *testing.T) {
	l := smallLink(7, "Ann", "ann@example.com")
	l.NameAccount = "Ann Lee"
	l.Detached = engine.Outlook
	l.SetPendingCRM(engine.Pending{Op: engine.OpUpdate, Fields: []contact.Field{contact.PhoneBusiness}, Old: []string{"1\n2"}})
	got := string(appendBase(nil, &l))
	want := `{"values":{"first":"Ann","last":"Lee","email1":"ann@example.com"},"name_account":"Ann Lee","detached":"outlook",` +
		`"pending_crm":{"op":"update","fields":["phone_business"],"old":["1\n2"]}}`
	if got != want {
		t.Errorf("base document =\n%s\nwant\n%s", got, want)
	}
	var back engine.Link
	if err := decodeBase(got, &back); err != nil || back.Detached != engine.Outlook || back.NameAccount != "Ann Lee" {
		t.Errorf("decodeBase(%s) = %+v, %v; want the detached side and name account back", got, back, err)
	}
	if !json.Valid([]byte(got)) {
		t.Error("base document is not valid JSON")
	}
	for _, bad := range []string{``, `{`, `{"values":{"nope":"x"}}`, `{"values":{"first":1}}`, `{"other":"x"}`,
		`{"values":{}} x`, `{"values":{"first":"a` + "\x01" + `"}}`, `{"values":{"first":"\q"}}`, `{"values":{"first":"\u12"}}`,
		`{"pending_crm":{"fields":["nope"]}}`, `{"values":{"first":"x",}}`, `{"detached":"both"}`} {
		var l engine.Link
		if err := decodeBase(bad, &l); err == nil {
			t.Errorf("decodeBase(%q) succeeded", bad)
		}
	}
}

// FuzzBase checks that every link survives encode and decode byte for byte,
// and that the decoder agrees with encoding/json on valid UTF-8 documents and
// never panics on anything.
func FuzzBase(f *testing.F) {
	f.Add("Zoë", "line\n\"2\"\\", "\xff\x01", `{"values":{"first":"\ud83d\ude00 \u00e9\/"}}`)
	f.Add("", "", "", `{"values":{},"pending_outlook":{"op":"create","old":["a","b"]}}`)
	f.Add("a\tb", "\u2028", "x", `{"values":{"notes":"\ud800"}}`)
	f.Fuzz(func(t *testing.T, a, b, c, doc string) {
		l := engine.Link{ID: 1, NameAccount: c, Base: &contact.Values{}}
		l.Base[contact.First], l.Base[contact.Notes], l.Base[contact.Categories] = a, b, c
		if a != "" {
			l.SetPendingCRM(engine.Pending{Op: engine.Op(a), Fields: []contact.Field{contact.Notes}, Old: []string{b}})
		}
		enc := appendBase(nil, &l)
		var got engine.Link
		got.ID = 1
		if err := decodeBase(string(enc), &got); err != nil {
			t.Fatalf("decode of %q: %v", enc, err)
		}
		if !reflect.DeepEqual(normal(got), normal(l)) {
			t.Fatalf("round trip of %q:\n%+v\nwant\n%+v", enc, got, l)
		}
		if utf8.ValidString(a+b+c) && !json.Valid(enc) {
			t.Fatalf("not valid JSON: %q", enc)
		}

		var mine engine.Link
		if decodeBase(doc, &mine) != nil || !utf8.ValidString(doc) {
			return
		}
		var std struct {
			Values      map[string]string `json:"values"`
			NameAccount string            `json:"name_account"`
		}
		if err := json.Unmarshal([]byte(doc), &std); err != nil {
			t.Fatalf("decodeBase accepted %q, encoding/json says %v", doc, err)
		}
		var fromStd contact.Values
		for k, v := range std.Values {
			fromStd[fieldByName[k]] = v
		}
		if mine.Base == nil {
			mine.Base = &contact.Values{}
		}
		if fromStd != *mine.Base || std.NameAccount != mine.NameAccount {
			t.Fatalf("decodeBase(%q) = %q %q, encoding/json = %q %q", doc, mine.Base, mine.NameAccount, fromStd, std.NameAccount)
		}
	})
}

// FuzzCompact: any link survives the compact forms byte for byte, and no
// input makes their decoders panic or accept trailing garbage silently.
func FuzzCompact(f *testing.F) {
	f.Add("Zoë", "line\n\"2\"\\", "\xff\x01", "\x01\x00\x00\x01\x03Ann")
	f.Add("", "", "", "\x01\x02\x03Bob\x00\x05a")
	f.Add("a", "b", "c", "\x01\x00\x00\x00\x00\x00")
	f.Fuzz(func(t *testing.T, a, b, c, doc string) {
		l := engine.Link{ID: 1, NameAccount: c, Detached: engine.Side(len(a) % 3), Base: &contact.Values{}}
		l.Base[contact.First], l.Base[contact.Notes], l.Base[contact.Categories] = a, b, c
		if a != "" {
			l.SetPendingCRM(engine.Pending{Op: engine.Op(a), Fields: []contact.Field{contact.Notes}, Old: []string{b}})
		}
		enc := appendCompactBase(nil, &l)
		var got engine.Link
		if err := decodeBase(string(enc), &got); err != nil {
			t.Fatalf("decode of %q: %v", enc, err)
		}
		if *got.Base != *l.Base || got.NameAccount != l.NameAccount || got.Detached != l.Detached {
			t.Fatalf("round trip of %q: %+v", enc, got)
		}
		if storedValuesHash(string(enc), got.Base) != valuesHash(engine.PackValues(l.Base)) {
			t.Fatalf("the stored hash of %q is not that of its values packed", enc)
		}
		if p, ok := appendCompactPending(nil, &l); ok {
			var back engine.Link
			err := decodePending(string(p), &back)
			nb, nl := normal(back), normal(l)
			if err != nil || !reflect.DeepEqual(nb.PendingCRM(), nl.PendingCRM()) {
				t.Fatalf("pending round trip of %q: %+v, %v", p, back.PendingCRM(), err)
			}
		}
		// Arbitrary bytes: an error or a link that encodes back the same.
		var any engine.Link
		if decodeCompactBase(doc, &any) == nil {
			if again := appendCompactBase(nil, &any); string(again) != doc {
				t.Fatalf("decoded %q, which encodes back as %q", doc, again)
			}
			if storedValuesHash(doc, any.Base) != valuesHash(engine.PackValues(any.Base)) {
				t.Fatalf("the stored hash of %q is not that of its values packed", doc)
			}
		}
		var pend engine.Link
		_ = decodeCompactPending(doc, &pend)
		var hdr engine.Link
		_ = decodeCompactHeader([]byte(doc), &hdr, &contact.Arena{})
	})
}

// A row rewritten for a link whose base the engine did not read (its CRM
// id arrived, its name account changed) keeps the stored values as they
// are after the link's new header (rowMaker.makeStored): the row is the
// one that decoding the stored base and packing it again gives, base_sum
// included, and the journal verifies.
func TestRewrittenRowKeepsItsStoredBase(t *testing.T) {
	j := openTest(t, filepath.Join(t.TempDir(), "sync.db"))
	p1 := benchPlan(1300)
	for i := range p1.Links {
		if i%3 == 0 {
			p1.Links[i].CRMID = "" // the CRM creates it
		}
		if i%7 == 0 {
			p1.Links[i].NameAccount = "Old Account"
		}
	}
	if err := j.Commit(p1, info(1)); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Load(); err != nil {
		t.Fatal(err)
	}
	p2 := &engine.Plan{Cycle: 2, User: p1.User, Mapping: p1.Mapping, Prefer: p1.Prefer, Direction: p1.Direction, NextLinkID: p1.NextLinkID}
	want := map[int64]linkRow{}
	m := &rowMaker{n: 2}
	for i := range p1.Links {
		l := p1.Links[i].Link
		l.SetPending(engine.Pending{}, engine.Pending{})
		l.DropBase()
		ls := engine.LinkState{Link: l}
		if i%3 == 0 || i%5 == 0 {
			ls.Changed = true
			if i%3 == 0 {
				ls.CRMID = fmt.Sprintf("C-%d", i)
			}
			if i%5 == 0 {
				ls.NameAccount = fmt.Sprint("Account ", i)
			}
			var doc string
			if err := j.db.QueryRow(`SELECT base FROM links WHERE id = ?`, l.ID).Scan(&doc); err != nil {
				t.Fatal(err)
			}
			old, err := withStoredBase(&ls.Link, doc)
			if err != nil {
				t.Fatal(err)
			}
			want[l.ID] = m.make(old)
		}
		p2.Links = append(p2.Links, ls)
	}
	if err := j.Commit(p2, info(2)); err != nil {
		t.Fatal(err)
	}
	rows, err := j.db.Query(`SELECT id, base, base_sum FROM links WHERE written = 2`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id int64
		var base, sum []byte
		if err := rows.Scan(&id, &base, &sum); err != nil {
			t.Fatal(err)
		}
		w, ok := want[id]
		if !ok {
			t.Fatalf("link %d rewritten, not changed", id)
		}
		if !bytes.Equal(base, w.base) || !bytes.Equal(sum, w.baseSum) {
			t.Errorf("link %d: base %q, sum %x; want %q, %x", id, base, sum, w.base, w.baseSum)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != len(want) {
		t.Errorf("%d rows rewritten, want %d", n, len(want))
	}
	if err := j.Verify(); err != nil {
		t.Fatal(err)
	}
}
