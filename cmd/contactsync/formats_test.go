package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"contactsync/engine"
	"contactsync/engine/contact"
	"contactsync/fixtures"
	"contactsync/formats"
	"contactsync/formats/crmcsv"
	"contactsync/formats/outlookcsv"
	"contactsync/formats/pst"
	"contactsync/formats/vcard"
)

func realWorld(t *testing.T) string {
	t.Helper()
	dir, ok := fixtures.RealWorld()
	if !ok {
		t.Fatalf("real-world samples not found at %s (CI has them beside the repository)", dir)
	}
	return dir
}

func findFiles(t *testing.T, ext string) []string {
	t.Helper()
	root, out, err := fixtures.RealWorldFiles(ext)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("no %s files under %s", ext, root)
	}
	return out
}

var wrote = regexp.MustCompile(`^(\d+) contacts written to `)

// TestConvertEveryPST: each real PST converts to vCard and to Outlook CSV
// with as many contacts as the PST reader finds, and both outputs read back
// with that count.
func TestConvertEveryPST(t *testing.T) {
	dir := t.TempDir()
	converted := 0
	for _, p := range findFiles(t, ".pst") {
		st, err := pst.ReadFile(p, pst.Options{})
		if err != nil || len(st.Contacts) == 0 {
			// Unreadable or without a contacts folder: convert must fail
			// with exit 2 and say why, never write a file.
			out := filepath.Join(dir, filepath.Base(p)+".vcf")
			code, _, errs := runCLI(t, "convert", p, out)
			if err != nil && code != 2 || err == nil && code != 0 && code != 2 {
				t.Errorf("convert %s: exit %d (%s)", p, code, errs)
			}
			continue
		}
		for _, ext := range []string{".vcf", ".csv"} {
			out := filepath.Join(dir, strings.TrimSuffix(filepath.Base(p), ".pst")+ext)
			msg := mustCLI(t, "convert", p, out)
			m := wrote.FindStringSubmatch(msg)
			if m == nil || m[1] != strconv.Itoa(len(st.Contacts)) {
				t.Errorf("convert %s %s: %q, want %d contacts", p, ext, msg, len(st.Contacts))
			}
			var n int
			if ext == ".vcf" {
				f, err := vcard.ReadFile(out)
				if err != nil {
					t.Fatalf("read back %s: %v", out, err)
				}
				n = len(f.Contacts)
			} else {
				f, err := outlookcsv.ReadFile(out, outlookcsv.Options{})
				if err != nil {
					t.Fatalf("read back %s: %v", out, err)
				}
				n = len(f.Contacts)
			}
			if n != len(st.Contacts) {
				t.Errorf("%s has %d contacts, the PST %d", out, n, len(st.Contacts))
			}
		}
		converted++
	}
	if converted < 3 {
		t.Fatalf("only %d PSTs with contacts converted", converted)
	}
}

// TestConvertVCardCSVRoundTrip: vCard → Outlook CSV → vCard keeps the
// number of contacts and their names and e-mails.
func TestConvertVCardCSVRoundTrip(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(realWorld(t), "ez-vcard", "src", "test", "resources", "ezvcard", "io", "text", "John_Doe_MS_OUTLOOK.vcf")
	csv := filepath.Join(dir, "a.csv")
	back := filepath.Join(dir, "b.vcf")
	mustCLI(t, "convert", src, csv)
	mustCLI(t, "convert", csv, back, "--vcard-version", "4.0")
	a, err := vcard.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	b, err := vcard.ReadFile(back)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Contacts) != len(b.Contacts) || len(a.Contacts) == 0 {
		t.Fatalf("%d contacts became %d", len(a.Contacts), len(b.Contacts))
	}
	for i := range a.Contacts {
		for _, f := range []int{1, 3, 8} { // first, last, email1
			if a.Contacts[i].Values[f] != b.Contacts[i].Values[f] {
				t.Errorf("contact %d field %d: %q became %q", i, f, a.Contacts[i].Values[f], b.Contacts[i].Values[f])
			}
		}
	}
}

// TestValidate: a good file reports no problems (exit 0); a malformed one
// lists positioned problems and exits 2.
func TestValidate(t *testing.T) {
	rw := realWorld(t)
	good := []string{
		filepath.Join(fixtures.Dir(), "outlook", "contacts.csv"),
		filepath.Join(fixtures.Dir(), "crm"),
		filepath.Join(rw, "Aspose.Email-for-.NET", "Examples", "Data", "Outlook", "SampleContacts.pst"),
		filepath.Join(rw, "ez-vcard", "src", "test", "resources", "ezvcard", "io", "text", "outlook-2007.vcf"),
	}
	for _, p := range good {
		out := mustCLI(t, "validate", p)
		if !strings.Contains(out, "no problems") {
			t.Errorf("validate %s: %q", p, out)
		}
	}
	// A PST without a contacts folder reads, but cannot be synced without
	// --outlook-folder: validate says so.
	noContacts := filepath.Join(rw, "go-pst", "data", "32-bit.pst")
	if code, out, _ := runCLI(t, "validate", noContacts); code != 2 || !strings.Contains(out, "no contact items (IPM.Contact, IPM.DistList) in any folder") {
		t.Errorf("validate 32-bit.pst: exit %d, output %q; want exit 2 and the missing contacts folder", code, out)
	}
	bad := filepath.Join(t.TempDir(), "bad.vcf")
	os.WriteFile(bad, []byte("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\nthis line: has a blank in its name\r\nEND:VCARD\r\n"), 0o644)
	code, out, _ := runCLI(t, "validate", bad)
	if code != 2 || !regexp.MustCompile(`bad\.vcf:4:\d+: `).MatchString(out) {
		t.Errorf("validate bad.vcf: exit %d, output %q; want exit 2 and bad.vcf:4:col", code, out)
	}
	// What a read reads past is listed as warnings; the file is valid.
	odd := filepath.Join(t.TempDir(), "odd.vcf")
	os.WriteFile(odd, []byte("ENCODING:UTF-8\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nNOTE;:x\r\nFN:A\r\n"), 0o644)
	code, out, _ = runCLI(t, "validate", odd)
	for _, w := range []string{"warning: " + odd + ":1:1: text outside a vCard skipped", "warning: " + odd + ":4:6: NOTE: empty parameter ignored",
		"warning: " + odd + ":5: END: end of input", "no problems found, 3 warnings"} {
		if code != 0 || !strings.Contains(out, w) {
			t.Errorf("validate odd.vcf: exit %d, output %q; want exit 0 and %q", code, out, w)
		}
	}
}

// TestSyncFromPST: a PST is a valid Outlook side; its outputs default to
// the changes mode, since a CSV snapshot would lose what the PST holds.
func TestSyncFromPST(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(realWorld(t), "Aspose.Email-for-.NET", "Examples", "Data", "Outlook", "SampleContacts.pst")
	out := filepath.Join(dir, "c1")
	mustCLI(t, "sync", "--journal", filepath.Join(dir, "j.db"), "--crm", filepath.Join(fixtures.Dir(), "crm"),
		"--outlook", p, "--user", "U1", "--out", out)
	if _, err := os.Stat(filepath.Join(out, "outlook", "contacts.csv")); err == nil {
		t.Error("PST input wrote a folder snapshot; want the changes mode")
	}
	if _, err := os.Stat(filepath.Join(out, "outlook", "contacts-new.csv")); err != nil {
		t.Errorf("no outlook/contacts-new.csv for the CRM contacts: %v", err)
	}
	plan, _ := os.ReadFile(filepath.Join(out, "plan.txt"))
	if !strings.Contains(string(plan), "Outlook output: changes") {
		t.Errorf("plan does not say which Outlook output mode ran and why:\n%s", plan)
	}
}

// TestPSTFolderByItems: Aspose's PersonalStorageFile.pst keeps its 18
// contacts in "myInbox" (readpst finds them there) and has no IPF.Contact
// folder: convert and sync find them without --outlook-folder, and the plan
// names the folder and why it was taken.
func TestPSTFolderByItems(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(realWorld(t), "Aspose.Email-for-.NET", "Examples", "Data", "Outlook", "PersonalStorageFile.pst")
	if out := mustCLI(t, "convert", p, filepath.Join(dir, "c.vcf")); !strings.HasPrefix(out, "18 contacts written") {
		t.Errorf("convert: %q", out)
	}
	out := filepath.Join(dir, "c1")
	mustCLI(t, "sync", "--journal", filepath.Join(dir, "j.db"), "--crm", filepath.Join(fixtures.Dir(), "crm"),
		"--outlook", p, "--user", "U1", "--out", out)
	plan, _ := os.ReadFile(filepath.Join(out, "plan.txt"))
	if !strings.Contains(string(plan), `PST folder "myInbox" (the only folder holding contact items`) {
		t.Errorf("plan does not name the folder chosen:\n%s", plan)
	}
}

// TestMSG: Outlook .msg contact items (Aspose's real Contact.msg, alone and
// as a folder of dragged-out contacts) convert and sync like any Outlook
// export; sync writes the changes mode, as for a PST.
func TestMSG(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(realWorld(t), "Aspose.Email-for-.NET", "Examples", "Data", "Outlook", "Contact.msg")
	if out := mustCLI(t, "convert", p, filepath.Join(dir, "c.vcf")); !strings.HasPrefix(out, "1 contacts written") {
		t.Errorf("convert: %q", out)
	}
	vcf, _ := os.ReadFile(filepath.Join(dir, "c.vcf"))
	if !strings.Contains(string(vcf), "N:LastName;FirstName;;;") || !strings.Contains(string(vcf), "user@domain.com") {
		t.Errorf("converted:\n%s", vcf)
	}
	folder := filepath.Join(dir, "dragged")
	os.Mkdir(folder, 0o755)
	raw, _ := os.ReadFile(p)
	os.WriteFile(filepath.Join(folder, "FirstName LastName.msg"), raw, 0o644)
	if out := mustCLI(t, "validate", folder); !strings.Contains(out, "no problems") {
		t.Errorf("validate folder: %q", out)
	}
	out := filepath.Join(dir, "c1")
	mustCLI(t, "sync", "--journal", filepath.Join(dir, "j.db"), "--crm", filepath.Join(fixtures.Dir(), "crm"),
		"--outlook", folder, "--user", "U1", "--out", out)
	plan, _ := os.ReadFile(filepath.Join(out, "plan.txt"))
	if !strings.Contains(string(plan), "Outlook output: changes") {
		t.Errorf("plan:\n%s", plan)
	}
}

// TestGermanOutlookCycle: a real German Outlook 2013 export (Windows-1252,
// German headers) is a side like any other: the snapshot keeps its German
// columns, the sync key goes into "Benutzer 4", and the second cycle after
// the imports does nothing.
func TestGermanOutlookCycle(t *testing.T) {
	e := &cycleEnv{t: t, dir: t.TempDir(), user: "U6UJ9A00000D"}
	e.journal = filepath.Join(e.dir, "journal.db")
	de := filepath.Join(realWorld(t), "tine20", "tests", "tine20", "Addressbook", "Import", "files", "importtest_outlook2013.csv")
	crm := filepath.Join(fixtures.Dir(), "crm")
	t1 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	out1 := e.sync(1, crm, de, t1)
	snap, err := outlookcsv.ReadFile(filepath.Join(out1, "outlook", "contacts.csv"), outlookcsv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if snap.Locale != "de" || snap.Encoding != formats.Windows1252 || !slices.Contains(snap.Header, "Benutzer 4") {
		t.Errorf("snapshot locale %q, encoding %q, header has Benutzer 4: %v", snap.Locale, snap.Encoding, slices.Contains(snap.Header, "Benutzer 4"))
	}
	keyed := 0
	for _, c := range snap.Contacts {
		if strings.HasPrefix(c.Key, engine.SyncKeyPrefix) {
			keyed++
		}
	}
	if keyed != len(snap.Contacts) || keyed == 0 {
		t.Errorf("%d of %d snapshot contacts carry a sync key", keyed, len(snap.Contacts))
	}
	crm2, ol2 := e.importBoth(1, crm, de, out1, t1.Add(time.Hour))
	e.sync(2, crm2, ol2, t1.Add(24*time.Hour))
	if ch, co := e.changes(2); len(ch) != 0 || len(co) != 0 {
		t.Fatalf("cycle 2: %d changes, %d conflicts; want none:\n%s", len(ch), len(co), lines(ch))
	}
}

// TestPSTCycles: a PST against a CRM dump that shares its e-mails, with a
// different job title in the CRM. The changes for Outlook go out as update
// files (the PST keeps what a CSV cannot hold); once imported (simulated as
// Outlook's "replace duplicates" does, by e-mail and name), the next cycle,
// here from a vCard export of the result, does nothing.
func TestPSTCycles(t *testing.T) {
	e := &cycleEnv{t: t, dir: t.TempDir(), user: "U1"}
	e.journal = filepath.Join(e.dir, "journal.db")
	p := filepath.Join(realWorld(t), "Aspose.Email-for-.NET", "Examples", "Data", "Outlook", "SampleContacts.pst")
	st, err := pst.ReadFile(p, pst.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var d crmcsv.Dump
	d.Accounts = []contact.Account{{ID: "A00000000001", Name: "Acme"}}
	for i, c := range st.Contacts {
		if c.Values[contact.Email1] == "" {
			continue
		}
		var r contact.Contact
		r.Key = fmt.Sprintf("C%011d", i+1)
		r.Values[contact.First], r.Values[contact.Last] = c.Values[contact.First], c.Values[contact.Last]
		r.Values[contact.Email1], r.Values[contact.Company] = c.Values[contact.Email1], "Acme"
		r.Values[contact.JobTitle] = "Title from the CRM"
		r.CRM.AccountID = "A00000000001"
		r.Modified = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) // later than the PST: the CRM wins
		d.Contacts = append(d.Contacts, r)
	}
	if len(d.Contacts) < 3 {
		t.Fatalf("only %d PST contacts with e-mail", len(d.Contacts))
	}
	crm := filepath.Join(e.dir, "crm")
	if err := crmcsv.WriteDump(crm, &d); err != nil {
		t.Fatal(err)
	}
	out1 := filepath.Join(e.dir, "c1")
	mustCLI(t, "sync", "--journal", e.journal, "--crm", crm, "--outlook", p, "--user", "U1", "--out", out1)
	if _, err := os.Stat(filepath.Join(out1, "outlook", "contacts-update.csv")); err != nil {
		t.Fatalf("no contacts-update.csv for the PST: %v", err)
	}
	ol2 := filepath.Join(e.dir, "outlook2.vcf")
	mustCLI(t, "simulate", "--side", "outlook", "--input", p, "--outputs", out1, "--to", ol2)
	mustCLI(t, "simulate", "--side", "crm", "--input", crm, "--outputs", out1, "--to", filepath.Join(e.dir, "crm2"))
	f, err := vcard.ReadFile(ol2)
	if err != nil {
		t.Fatal(err)
	}
	titled := 0
	for _, c := range f.Contacts {
		if c.Values[contact.JobTitle] == "Title from the CRM" {
			titled++
		}
	}
	if titled != len(d.Contacts) {
		t.Errorf("%d of %d PST contacts got the CRM's job title", titled, len(d.Contacts))
	}
	mustCLI(t, "sync", "--journal", e.journal, "--crm", filepath.Join(e.dir, "crm2"), "--outlook", ol2, "--user", "U1", "--out", filepath.Join(e.dir, "c2"))
	if ch, co := e.changes(2); len(ch) != 0 || len(co) != 0 {
		t.Fatalf("cycle 2: %d changes, %d conflicts; want none:\n%s", len(ch), len(co), lines(ch))
	}
}
