package pst

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"contactsync/engine/contact"
	"contactsync/fixtures"
)

// realPSTs lists every .pst under the realworld folder; the test fails when
// the folder is missing (CI always has it).
func realPSTs(t testing.TB) (string, []string) {
	t.Helper()
	dir, files, err := fixtures.RealWorldFiles(".pst")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no .pst files under %s", dir)
	}
	return dir, files
}

// oracleName finds the readpst-oracle entry of a PST: the logs are named
// "<repo folder>__<part of the path with _>.readpst.log".
func oracleName(t *testing.T, dir, pst string, logs []string) string {
	rel, _ := filepath.Rel(dir, pst)
	repo := strings.SplitN(filepath.ToSlash(rel), "/", 2)[0]
	base := strings.TrimSuffix(filepath.Base(pst), filepath.Ext(pst))
	var found []string
	for _, l := range logs {
		n := strings.TrimSuffix(l, ".readpst.log")
		if strings.HasPrefix(n, repo+"__") && (strings.HasSuffix(n, "_"+base)) {
			found = append(found, n)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s: want exactly one readpst oracle, found %v", rel, found)
	}
	return found[0]
}

// card is what the oracle comparison looks at.
type card struct {
	first, last string
	fn          string // readpst's FN: the display name, or "(null)"
	emails      []string
	phones      []string
}

// contactKey is key without the name.
func (c card) contactKey() string {
	return strings.Join(c.emails, ",") + "|" + strings.Join(c.phones, ",")
}

func (c card) key() string {
	return c.last + "|" + c.first + "|" + strings.Join(c.emails, ",") + "|" + strings.Join(c.phones, ",")
}

// parseReadpst reads readpst's vCards. Its quirks (SOURCES.md): FN may be
// "(null)", VERSION comes last, values use vCard 3.0 escapes; we only read
// N, EMAIL and TEL, so the others do not matter.
func parseReadpst(t *testing.T, path string) []card {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []card
	var cur *card
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimRight(line, "\r")
		name, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		prop := strings.ToUpper(strings.SplitN(name, ";", 2)[0])
		switch {
		case line == "BEGIN:VCARD":
			cur = &card{}
		case line == "END:VCARD":
			if cur != nil {
				out = append(out, cur.sorted())
			}
			cur = nil
		case cur == nil:
		case prop == "N":
			parts := splitEscaped(val)
			if len(parts) > 0 {
				cur.last = parts[0]
			}
			if len(parts) > 1 {
				cur.first = parts[1]
			}
		case prop == "FN":
			cur.fn = strings.Join(strings.Fields(unescape(val)), " ")
		case prop == "EMAIL":
			cur.emails = append(cur.emails, unescape(val))
		case prop == "TEL":
			cur.phones = append(cur.phones, unescape(val))
		}
	}
	return out
}

func splitEscaped(v string) []string {
	var parts []string
	var sb strings.Builder
	for i := 0; i < len(v); i++ {
		switch {
		case v[i] == '\\' && i+1 < len(v):
			i++
			sb.WriteByte(v[i])
		case v[i] == ';':
			parts = append(parts, sb.String())
			sb.Reset()
		default:
			sb.WriteByte(v[i])
		}
	}
	return append(parts, sb.String())
}

func unescape(v string) string { return strings.Join(splitEscaped(v), ";") }

func (c card) sorted() card {
	slices.Sort(c.emails)
	slices.Sort(c.phones)
	return c
}

// phoneExtras are the phone properties kept in Extra; readpst prints them
// as TEL lines too.
var phoneExtras = []string{
	"PidTagPrimaryTelephoneNumber", "PidTagPrimaryFaxNumber", "PidTagCarTelephoneNumber",
	"PidTagRadioTelephoneNumber", "PidTagCallbackTelephoneNumber", "PidTagIsdnNumber",
	"PidTagTelexNumber", "PidTagTtyTddPhoneNumber",
}

func cardOf(c contact.Contact) card {
	k := card{first: c.Values[contact.First], last: c.Values[contact.Last]}
	for f := contact.Email1; f <= contact.Email3; f++ {
		if v := c.Values[f]; v != "" {
			k.emails = append(k.emails, v)
		}
	}
	for f := contact.PhoneBusiness; f <= contact.PhoneCompanyMain; f++ {
		if v := c.Values[f]; v != "" {
			k.phones = append(k.phones, v)
		}
	}
	for _, e := range c.Extra {
		if slices.Contains(phoneExtras, e.Name) {
			k.phones = append(k.phones, e.Value)
		}
	}
	return k.sorted()
}

// hasMappedValue reports whether any canonical field is set. readpst skips
// a contact message in which it found no contact property at all ("items
// skipped" in its log), so such records are left out of the comparison.
func hasMappedValue(c contact.Contact) bool {
	for f, v := range c.Values {
		if v == "" {
			continue
		}
		// A name taken from the display name alone (nameFromDisplay) is
		// not a contact property readpst would have found.
		if (f == int(contact.First) || f == int(contact.Last)) && nameFromDisplayOnly(c) {
			continue
		}
		return true
	}
	return false
}

// nameFromDisplayOnly reports whether c's name is what nameFromDisplay
// makes of its display name alone.
func nameFromDisplayOnly(c contact.Contact) bool {
	d := c
	d.Values[contact.First], d.Values[contact.Last] = "", ""
	nameFromDisplay(&d)
	return d.Values[contact.First] == c.Values[contact.First] && d.Values[contact.Last] == c.Values[contact.Last]
}

// TestReadpstOracle compares every real PST with what readpst extracted:
// the same number of contacts, and per contact the same given name,
// surname, e-mail addresses and phone numbers.
func TestReadpstOracle(t *testing.T) {
	dir, files := realPSTs(t)
	oracle := filepath.Join(dir, "readpst-oracle")
	ents, err := os.ReadDir(oracle)
	if err != nil {
		t.Fatal(err)
	}
	var logs []string
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".readpst.log") {
			logs = append(logs, e.Name())
		}
	}
	matched := map[string]bool{}
	totalCompared := 0
	for _, pst := range files {
		rel, _ := filepath.Rel(dir, pst)
		t.Run(rel, func(t *testing.T) {
			name := oracleName(t, dir, pst, logs)
			matched[name] = true
			vcfs, _ := filepath.Glob(filepath.Join(oracle, name, "*.contacts"))
			if len(vcfs) == 0 {
				// readpst found no contacts: neither may we, in the
				// default folder.
				st, err := ReadFile(pst, Options{})
				if err != nil {
					t.Fatalf("ReadFile: %v", err)
				}
				if n := countMapped(st.Contacts); n != 0 {
					t.Errorf("ReadFile(%s) found %d contacts, readpst none", rel, n)
				}
				return
			}
			for _, vcf := range vcfs {
				folderName := strings.TrimSuffix(filepath.Base(vcf), ".contacts")
				want := parseReadpst(t, vcf)
				// Without a folder named, the reader must find the one
				// readpst found the contacts in (by class, else by items).
				st, err := ReadFile(pst, Options{})
				if err != nil {
					t.Fatalf("ReadFile: %v", err)
				}
				folder := st.Folder
				if folder != folderName && !strings.HasSuffix(folder, "/"+folderName) {
					t.Fatalf("chose folder %q (%s, %v), readpst found the contacts in %q", folder, st.FolderChoice, st.Unchosen, folderName)
				}
				var got []card
				for _, c := range st.Contacts {
					if hasMappedValue(c) {
						got = append(got, cardOf(c))
					}
				}
				if len(got) != len(want) {
					t.Errorf("%s folder %q: %d contacts, readpst %d", rel, folder, len(got), len(want))
				}
				// readpst shows no name at all (FN:(null), N empty) for a
				// contact whose name is only in its display name, which it
				// does not read; we take the name from there. For those
				// contacts only the e-mails and phones are compared.
				nameless := map[string]bool{}
				for _, w := range want {
					if w.first == "" && w.last == "" {
						nameless[w.contactKey()] = true
					}
				}
				for i := range got {
					if nameless[got[i].contactKey()] {
						got[i].first, got[i].last = "", ""
					}
				}
				gotKeys := keys(got)
				wantKeys := keys(want)
				if !slices.Equal(gotKeys, wantKeys) {
					t.Errorf("%s folder %q contacts differ from readpst:\n got  %q\n want %q", rel, folder, gotKeys, wantKeys)
				}
				totalCompared += len(want)
			}
		})
	}
	for _, l := range logs {
		n := strings.TrimSuffix(l, ".readpst.log")
		if !matched[n] {
			t.Errorf("oracle %s has no PST", n)
		}
	}
	if totalCompared < 100 {
		t.Errorf("compared only %d contacts with readpst; the realworld set holds more", totalCompared)
	}
}

func countMapped(cs []contact.Contact) int {
	n := 0
	for _, c := range cs {
		if hasMappedValue(c) {
			n++
		}
	}
	return n
}

func keys(cs []card) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.key()
	}
	slices.Sort(out)
	return out
}
