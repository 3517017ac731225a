package journal

import (
	"path/filepath"
	"reflect"
	"strconv"
	"testing"

	"contactsync/engine"
)

// Load reads every open link row as stored, across the ranges of ids it
// reads at once, with gaps of closed links, and with keys and name
// accounts that hold what its reading must not trip over: commas,
// digits, NUL bytes, bytes that are not UTF-8, nothing at all.
func TestLoadReadsEveryRowAsStored(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sync.db")
	j := openTest(t, path)
	n := loadChunk + loadChunk/2
	p1 := benchPlan(n)
	for i := range p1.Links {
		l := &p1.Links[i].Link
		switch i % 5 {
		case 0:
			l.CRMID = "C,1,-2,\x00\xff" + strconv.Itoa(i)
		case 1:
			l.OutlookKey = ""
			l.NameAccount = "Acme, 12,\x00 Ltd\xfe"
		case 2:
			l.Detached = engine.CRM
			l.CRMID = ""
		case 3:
			l.NameAccount = "-1,"
		}
	}
	if err := j.Commit(p1, info(1)); err != nil {
		t.Fatal(err)
	}
	p2 := &engine.Plan{Cycle: 2, User: p1.User, Mapping: p1.Mapping, Prefer: p1.Prefer, Direction: p1.Direction, NextLinkID: p1.NextLinkID}
	for i := range p1.Links {
		l := p1.Links[i].Link
		if i%7 == 3 || i >= loadChunk-10 && i < loadChunk+10 {
			p2.Closed = append(p2.Closed, l.ID)
			continue
		}
		l.SetPending(engine.Pending{}, engine.Pending{})
		l.DropBase()
		p2.Links = append(p2.Links, engine.LinkState{Link: l, Changed: i%11 == 0})
	}
	if err := j.Commit(p2, info(2)); err != nil {
		t.Fatal(err)
	}
	check := func(j *Journal) {
		t.Helper()
		st, err := j.Load()
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Links) != len(p2.Links) {
			t.Fatalf("loaded %d links, want %d", len(st.Links), len(p2.Links))
		}
		// LoadArena gives the same links as the state's Arena, with room
		// after them for the links a cycle makes.
		sa, err := j.LoadArena()
		if err != nil {
			t.Fatal(err)
		}
		if sa.Links != nil || len(sa.Arena) != len(st.Links) || cap(sa.Arena) <= len(sa.Arena) {
			t.Fatalf("LoadArena: %d links and an arena of %d (room %d), want an arena of %d with room", len(sa.Links), len(sa.Arena), cap(sa.Arena), len(st.Links))
		}
		for i := range sa.Arena {
			if a := sa.Arena[i]; a.Changed || !reflect.DeepEqual(a.Link, st.Links[i]) {
				t.Fatalf("LoadArena: link %d is %+v, Load gives %+v", i, a, st.Links[i])
			}
		}
		for i := range p2.Links {
			got, want := st.Links[i], p2.Links[i].Link
			if got.ID != want.ID || got.CRMID != want.CRMID || got.OutlookKey != want.OutlookKey ||
				got.NameAccount != want.NameAccount || got.Detached != want.Detached || got.BaseSum != want.BaseSum {
				t.Fatalf("link %d loaded as %q %q %q %v %x, want %q %q %q %v %x", want.ID,
					got.CRMID, got.OutlookKey, got.NameAccount, got.Detached, got.BaseSum,
					want.CRMID, want.OutlookKey, want.NameAccount, want.Detached, want.BaseSum)
			}
		}
	}
	check(j)
	j.Close()
	ro, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	check(ro)
}

// The text eachLoadRow reads refuses what it cannot be.
func TestRowTextRefusesDamage(t *testing.T) {
	for _, s := range []string{
		"1,1,1,0,0,3,16",                        // ends in the numbers
		"1,1,1,0,0,3,16,-1,abc",                 // the values end early
		"1,1,1,0,0,x,16,-1,",                    // not a number
		"1,1,1,0,0,-3,16,-1,abc",                // a negative length
		"99999999999999999999,1,1,0,0,0,-1,-1,", // too large
		",1,1,0,0,0,-1,-1,",                     // no digits
	} {
		var r loadRow
		p := rowText{s: []byte(s)}
		if err := p.row(&r); err == nil {
			t.Errorf("row %q: no error", s)
		}
	}
	var r loadRow
	p := rowText{s: []byte("12,2,1,2,0,3,-1,2,a,\x01\x00\x00ff")}
	if err := p.row(&r); err != nil || r.id != 12 || r.written != 2 || r.opened != 1 || string(r.crmID) != "a," ||
		len(r.outlookKey) != 0 || string(r.base) != "\x01\x00\x00" || r.sum != nil || string(r.baseSHA) != "ff" || len(p.s) != 0 {
		t.Errorf("row = %+v, %v", r, err)
	}
}

// FuzzRowText: the reader of eachLoadRow's text never panics, and a row
// it reads took its values from the text: no more bytes than there were,
// and at least its values' and its numbers' shortest forms.
func FuzzRowText(f *testing.F) {
	f.Add([]byte("12,2,1,2,0,3,-1,2,a,\x01\x00\x00ff"))
	f.Add([]byte("1,1,1,0,0,3,16,-1,\x01\x00\x00AAAAAAAAAAAAAAAA1,1,1,0,0,0,-1,-1,"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p := rowText{s: b}
		for len(p.s) > 0 {
			var r loadRow
			before := len(p.s)
			if err := p.row(&r); err != nil {
				return
			}
			re := []byte(strconv.FormatInt(r.id, 10) + "," + strconv.FormatInt(r.written, 10) + "," + strconv.FormatInt(r.opened, 10) + ",")
			for _, v := range [][]byte{r.crmID, r.outlookKey, r.base, r.sum, r.baseSHA} {
				k := -1
				if v != nil {
					k = len(v)
				}
				re = append(re, strconv.Itoa(k)+","...)
			}
			for _, v := range [][]byte{r.crmID, r.outlookKey, r.base, r.sum, r.baseSHA} {
				re = append(re, v...)
			}
			if used := before - len(p.s); used < len(re)-8 || used > before {
				t.Fatalf("row %+v used %d bytes of %d", r, used, before)
			}
		}
	})
}
