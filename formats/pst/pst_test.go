package pst

import (
	"bytes"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"contactsync/engine/contact"
	"contactsync/formats"
)

func TestCryptTables(t *testing.T) {
	r, s, i := mpbbCrypt[0:256], mpbbCrypt[256:512], mpbbCrypt[512:768]
	for x := range 256 {
		if int(i[r[x]]) != x {
			t.Fatalf("mpbbI is not the inverse of mpbbR at %d", x)
		}
		if int(s[s[x]]) != x {
			t.Fatalf("mpbbS is not an involution at %d", x)
		}
	}
	plain := []byte("Given name: Zoë, e-mail zoe@example.com \x00\xff")
	// Permute: encoding is R, decoding I.
	enc := bytes.Clone(plain)
	for k, c := range enc {
		enc[k] = r[c]
	}
	decode(enc, cryptPermute, 0)
	if !bytes.Equal(enc, plain) {
		t.Errorf("permute decode(encode(x)) = %q, want %q", enc, plain)
	}
	// Cyclic is its own inverse ([MS-PST] §5.2) and depends on the key.
	enc = bytes.Clone(plain)
	decode(enc, cryptCyclic, 0x12345)
	if bytes.Equal(enc, plain) {
		t.Fatal("cyclic encoding left the data unchanged")
	}
	other := bytes.Clone(plain)
	decode(other, cryptCyclic, 0x12349)
	if bytes.Equal(enc, other) {
		t.Error("cyclic encoding does not depend on the key")
	}
	decode(enc, cryptCyclic, 0x12345)
	if !bytes.Equal(enc, plain) {
		t.Errorf("cyclic decode(encode(x)) = %q, want %q", enc, plain)
	}
}

// transcode rewrites every data block of a permute-encoded PST into another
// encoding and sets the header's bCryptMethod: the same store, encoded
// differently.
func transcode(t *testing.T, data []byte, method byte) []byte {
	f, err := openFile(bytes.NewReader(data), int64(len(data)), "x")
	if err != nil {
		t.Fatal(err)
	}
	if f.crypt != cryptPermute || !f.unicode {
		t.Fatalf("source must be a permute-encoded Unicode PST")
	}
	out := bytes.Clone(data)
	err = f.walk(f.bbtRoot, f.bbtBid, ptypeBBT, -1, func(e []byte) error {
		bid, off, cb := le.Uint64(e), int64(le.Uint64(e[8:])), int(le.Uint16(e[16:]))
		if bid&2 != 0 {
			return nil
		}
		b := out[off : off+int64(cb)]
		decode(b, cryptPermute, 0)
		decode(b, method, uint32(bid)) // cyclic encoding = cyclic decoding
		// The trailer's CRC covers the data as stored.
		total := int64(cb+16+63) &^ 63
		le.PutUint32(out[off+total-16+4:], crc(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	out[513] = method
	return out
}

func TestEncodings(t *testing.T) {
	data := damageSources(t)["SampleContacts.pst"]
	want, err := Read(bytes.NewReader(data), int64(len(data)), "x.pst", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Contacts) == 0 {
		t.Fatal("no contacts in the permute-encoded source")
	}
	for _, m := range []byte{cryptNone, cryptCyclic} {
		d := transcode(t, data, m)
		got, err := Read(bytes.NewReader(d), int64(len(d)), "x.pst", Options{})
		if err != nil {
			t.Fatalf("encoding %d: %v", m, err)
		}
		if !reflect.DeepEqual(got.Contacts, want.Contacts) {
			t.Errorf("encoding %d: contacts differ from the permute-encoded file", m)
		}
	}
}

func TestHeaderErrors(t *testing.T) {
	data := damageSources(t)["SampleContacts.pst"]
	tests := []struct {
		name  string
		patch func([]byte)
		want  string
	}{
		{"magic", func(b []byte) { b[0] = 'X' }, "not a PST file"},
		{"4k pages", func(b []byte) { b[10] = 36 }, "4k-page"},
		{"version", func(b []byte) { b[10] = 99 }, "unsupported PST version"},
		{"crypt", func(b []byte) { b[513] = 7 }, "unknown encryption method"},
	}
	for _, tt := range tests {
		d := bytes.Clone(data[:1024])
		tt.patch(d)
		_, err := Read(bytes.NewReader(d), int64(len(data)), "x.pst", Options{})
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "header") {
			t.Errorf("%s: Read = %v, want a header error containing %q", tt.name, err, tt.want)
		}
	}
}

func TestPasswordWarning(t *testing.T) {
	_, files := realPSTs(t)
	checked := 0
	for _, f := range files {
		st, err := ReadFile(f, Options{})
		if err != nil {
			t.Fatalf("ReadFile(%s): %v", f, err)
		}
		warned := formats.HasWarning(st.Warnings, formats.WarnPassword)
		protected := strings.Contains(strings.ToLower(filepath.Base(f)), "pass")
		if warned != protected {
			t.Errorf("ReadFile(%s): password warning %v, want %v (warnings %q)", filepath.Base(f), warned, protected, st.Warnings)
		}
		if protected {
			checked++
		}
	}
	if checked < 3 {
		t.Errorf("only %d password-protected PSTs seen, want 3", checked)
	}
}

func TestDistListsCounted(t *testing.T) {
	_, files := realPSTs(t)
	for _, f := range files {
		if filepath.Base(f) != "dist-list.pst" {
			continue
		}
		st, err := ReadFile(f, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if st.DistLists != 1 || len(st.Contacts) != 1 {
			t.Errorf("dist-list.pst: %d contacts, %d distribution lists; want 1 and 1", len(st.Contacts), st.DistLists)
		}
		if !formats.HasWarning(st.Warnings, formats.WarnDistLists) {
			t.Errorf("dist-list.pst: no warning about the distribution list: %q", st.Warnings)
		}
		return
	}
	t.Fatal("dist-list.pst not found")
}

func TestFolders(t *testing.T) {
	_, files := realPSTs(t)
	for _, f := range files {
		if filepath.Base(f) != "Outlook.pst" || !strings.Contains(f, "Aspose") {
			continue
		}
		st, err := ReadFile(f, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"Contacts", "Inbox/SubInbox", "Deleted Items"} {
			if !slices.Contains(st.Folders, want) {
				t.Errorf("Folders = %q, want %q among them", st.Folders, want)
			}
		}
		if st.Folder != "Contacts" {
			t.Errorf("default folder = %q, want Contacts", st.Folder)
		}
		if _, err := ReadFile(f, Options{Folder: "inbox/subinbox"}); err != nil {
			t.Errorf("ReadFile(folder inbox/subinbox): %v", err)
		}
		_, err = ReadFile(f, Options{Folder: "No Such Folder"})
		if err == nil || !strings.Contains(err.Error(), "Inbox/SubInbox") {
			t.Errorf("ReadFile(unknown folder) = %v, want an error listing the folders", err)
		}
		return
	}
	t.Fatal("Aspose Outlook.pst not found")
}

func TestContactMapping(t *testing.T) {
	_, files := realPSTs(t)
	for _, f := range files {
		if filepath.Base(f) != "Outlook.pst" || !strings.Contains(f, "Aspose") {
			continue
		}
		st, err := ReadFile(f, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Contacts) != 1 {
			t.Fatalf("%d contacts, want 1", len(st.Contacts))
		}
		c := st.Contacts[0]
		checks := map[contact.Field]string{
			contact.First: "Saqib", contact.Last: "Razzaq", contact.Company: "Aspose",
			contact.JobTitle: "Developer", contact.Email1: "saqib.razzaq@xp.local",
			contact.PhoneBusiness: "1110001234", contact.PhoneMobile: "3334443333",
			contact.PhoneHome: "1112223333", contact.WebPage: "www.aspose.com",
		}
		for fld, want := range checks {
			if got := c.Values[fld]; got != want {
				t.Errorf("%s = %q, want %q", fld, got, want)
			}
		}
		if c.ModifiedFrom != "PidTagLastModificationTime" || c.Modified.Year() != 2011 {
			t.Errorf("Modified = %v from %q", c.Modified, c.ModifiedFrom)
		}
		if v, _ := c.ExtraValue("PidLidFileUnder"); v != "Razzaq, Saqib" {
			t.Errorf("Extra PidLidFileUnder = %q", v)
		}
		if v, _ := c.ExtraValue("PidTagDisplayName"); v != "Saqib Razzaq" {
			t.Errorf("Extra PidTagDisplayName = %q", v)
		}
		for _, e := range c.Extra {
			if e.Format != contact.FormatPST {
				t.Errorf("Extra %s has Format %q, want %q", e.Name, e.Format, contact.FormatPST)
			}
		}
		if len(c.Key) != 48 || !strings.HasPrefix(c.Key, "00000000") {
			t.Errorf("Key = %q, want a 24-byte entry id in hex", c.Key)
		}
		again, _ := ReadFile(f, Options{})
		if again.Contacts[0].Key != c.Key {
			t.Error("Key is not stable between reads")
		}
		return
	}
	t.Fatal("Aspose Outlook.pst not found")
}

// fakePC builds a property context in memory for mapping tests.
func fakePC(props map[uint16]prop) *pc {
	p := &pc{props: props, n: &node{f: &file{path: "x.pst"}}}
	for id := range props {
		p.order = append(p.order, id)
	}
	slices.Sort(p.order)
	return p
}

func u16s(s string) []byte {
	var b []byte
	for _, r := range s {
		b = le.AppendUint16(b, uint16(r))
	}
	return b
}

func ft(t time.Time) []byte {
	return le.AppendUint64(nil, uint64(t.Unix()+11644473600)*10_000_000)
}

func TestMapContactSynthetic(t *testing.T) {
	names := &nameMap{byID: map[uint16]namedProp{
		0x8001: {guid: psetidAddress, lid: 0x8083}, // Email1EmailAddress
		0x8002: {guid: psetidAddress, lid: 0x8082}, // Email1AddressType
		0x8003: {guid: psetidAddress, lid: 0x8084}, // Email1OriginalDisplayName
		0x8004: {guid: psetidAddress, lid: 0x8045}, // WorkAddressStreet
		0x8005: {guid: psPublicStrings, name: "Keywords"},
		0x8006: {guid: psetidAddress, lid: 0x8052}, // ContactUserField4
	}}
	kw := le.AppendUint32(nil, 2)
	kw = le.AppendUint32(kw, 12)
	kw = le.AppendUint32(kw, 12+uint32(len(u16s("CRM"))))
	kw = append(kw, u16s("CRM")...)
	kw = append(kw, u16s("VIP")...)
	p := fakePC(map[uint16]prop{
		0x3A06: {typString, u16s("Zoë")},
		0x3A11: {typString8, []byte("M\xfcller")},
		0x8001: {typString, u16s("/o=Org/ou=Exchange/cn=Recipients/cn=zoe")},
		0x8002: {typString, u16s("EX")},
		0x8003: {typString, u16s("zoe@example.com")},
		0x8004: {typString, u16s("1 Main St\r\nSuite 2")},
		0x8005: {typMulti | typString, kw},
		0x8006: {typString, u16s("sync-key-1")},
		0x3A42: {typTime, ft(time.Date(1980, 5, 14, 22, 0, 0, 0, time.UTC))}, // midnight in UTC+2
		0x1000: {typString, u16s("line 1\r\nline 2\r\n")},
		0x3A4F: {typString, u16s("Zo")},
	})
	r := &reader{names: names, recordKey: bytes.Repeat([]byte{0xAB}, 16)}
	c, err := r.mapContact(p, 0x200024)
	if err != nil {
		t.Fatal(err)
	}
	want := map[contact.Field]string{
		contact.First: "Zoë", contact.Last: "Müller", contact.Email1: "zoe@example.com",
		contact.BusinessStreet: "1 Main St\nSuite 2", contact.Categories: "CRM;VIP",
		contact.Birthday: "1980-05-15", contact.Notes: "line 1\nline 2",
	}
	for f, w := range want {
		if got := c.Values[f]; got != w {
			t.Errorf("%s = %q, want %q", f, got, w)
		}
	}
	for name, w := range map[string]string{
		"PidLidEmail1EmailAddress": "/o=Org/ou=Exchange/cn=Recipients/cn=zoe",
		"PidLidContactUserField4":  "sync-key-1",
		"PidTagNickname":           "Zo",
	} {
		if got, _ := c.ExtraValue(name); got != w {
			t.Errorf("Extra %s = %q, want %q", name, got, w)
		}
	}
	if len(c.Extra) < 3 {
		t.Fatalf("%d extras, want at least 3", len(c.Extra))
	}
	for _, e := range c.Extra {
		if e.Format != contact.FormatPST {
			t.Errorf("Extra %s has Format %q, want %q", e.Name, e.Format, contact.FormatPST)
		}
	}
	if want := "00000000" + strings.Repeat("AB", 16) + "24002000"; c.Key != want {
		t.Errorf("Key = %q, want %q", c.Key, want)
	}
}

func TestNameMapParse(t *testing.T) {
	guids := psetidAddress[:]
	var entries []byte
	entries = le.AppendUint32(entries, 0x8083)
	entries = le.AppendUint16(entries, 3<<1) // first GUID of the stream
	entries = le.AppendUint16(entries, 5)
	entries = le.AppendUint32(entries, 0) // string at offset 0
	entries = le.AppendUint16(entries, 2<<1|1)
	entries = le.AppendUint16(entries, 6)
	strs := le.AppendUint32(nil, uint32(len(u16s("Keywords"))))
	strs = append(strs, u16s("Keywords")...)
	m := &nameMap{byID: map[uint16]namedProp{}, byLID: map[[16]byte]map[uint32]uint16{}, byStr: map[[16]byte]map[string]uint16{}}
	if err := m.parse(guids, entries, strs); err != nil {
		t.Fatal(err)
	}
	if id, ok := m.lid(psetidAddress, 0x8083); !ok || id != 0x8005 {
		t.Errorf("lid(Email1EmailAddress) = 0x%x, %v; want 0x8005", id, ok)
	}
	if id, ok := m.str(psPublicStrings, "Keywords"); !ok || id != 0x8006 {
		t.Errorf("str(Keywords) = 0x%x, %v; want 0x8006", id, ok)
	}
	if err := m.parse(nil, entries, strs); err == nil {
		t.Error("parse with a missing GUID stream succeeded")
	}
}

func TestDateOf(t *testing.T) {
	for _, tt := range []struct {
		in   time.Time
		want string
	}{
		{time.Date(1980, 5, 14, 22, 0, 0, 0, time.UTC), "1980-05-15"}, // UTC+2 midnight
		{time.Date(1980, 5, 15, 5, 0, 0, 0, time.UTC), "1980-05-15"},  // UTC-5 midnight
		{time.Date(1980, 5, 15, 0, 0, 0, 0, time.UTC), "1980-05-15"},
		{time.Date(1980, 5, 15, 11, 0, 0, 0, time.UTC), "1980-05-15"},
	} {
		if got := dateOf(tt.in); got != tt.want {
			t.Errorf("dateOf(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
	if _, ok := filetime(le.AppendUint64(nil, 0x0CB34557A3DD4000)); ok {
		t.Error("filetime accepted Outlook's 4501-01-01 'none' date")
	}
}

func TestValidateRealFiles(t *testing.T) {
	_, files := realPSTs(t)
	for _, f := range files {
		if errs := Validate(f); len(errs) != 0 {
			t.Errorf("Validate(%s) = %v", filepath.Base(f), errs)
		}
	}
	data := damageSources(t)["SampleContacts.pst"]
	d := bytes.Clone(data)
	d[0] = 'X'
	if errs := validate(bytes.NewReader(d), int64(len(d)), "x.pst"); len(errs) != 1 || errs[0].Field != "header" {
		t.Errorf("validate(bad magic) = %v, want one header error", errs)
	}
}
