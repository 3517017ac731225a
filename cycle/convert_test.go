package cycle

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// Convert streams each contact from the Reader to the Writer; what it
// writes is what writing the side read whole writes, byte for byte, for
// every input format and both written formats, with or without an export
// time, and it says the same.
func TestConvertStreamsAsReadWhole(t *testing.T) {
	rw := filepath.Join("..", "..", "shared", "realworld")
	inputs := []string{
		filepath.Join("..", "fixtures", "outlook", "contacts.csv"),
		filepath.Join(rw, "roundcubemail", "tests", "src", "Csv2vcard", "outlook.csv"),
		filepath.Join(rw, "tine20", "tests", "tine20", "Addressbook", "Import", "files", "importtest_outlook2013.csv"),
		filepath.Join(rw, "kcontacts", "autotests", "data", "testfullvcard.vcf"),
		filepath.Join(rw, "java-libpst", "src", "test", "resources", "dist-list.pst"),
		filepath.Join(rw, "Aspose.Email-for-.NET", "Examples", "Data", "Outlook", "SampleContacts.pst"),
		filepath.Join(rw, "Aspose.Email-for-.NET", "Examples", "Data", "Outlook", "Contact.msg"),
	}
	// Dates in the day-first order, which only the second record shows:
	// the records already given were read in the usual order.
	late := filepath.Join(t.TempDir(), "late.csv")
	if err := os.WriteFile(late, []byte("First Name,Last Name,Birthday\r\nAnn,Lee,1/2/1980\r\nBo,Ng,25/2/1981\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	inputs = append(inputs, late)
	for _, in := range inputs {
		if _, err := os.Stat(in); err != nil {
			t.Fatalf("sample missing: %v", err)
		}
		for _, out := range []string{"out.csv", "out.vcf"} {
			for _, at := range []time.Time{{}, time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)} {
				dir := t.TempDir()
				o := OutlookOptions{ExportedAt: at}
				got, err := Convert(in, filepath.Join(dir, "s-"+out), "", o)
				if err != nil {
					t.Fatalf("%s → %s: %v", in, out, err)
				}
				want, err := convertWhole(in, filepath.Join(dir, "w-"+out), "", o)
				if err != nil {
					t.Fatal(err)
				}
				if in == late && (len(got.Warnings) == 0 || !bytes.Contains([]byte(got.Warnings[0]), []byte("D/M/YYYY"))) {
					t.Errorf("%s: warnings %q, want the day-first order read", in, got.Warnings)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s → %s: streamed %+v, read whole %+v", in, out, got, want)
				}
				a, _ := os.ReadFile(filepath.Join(dir, "s-"+out))
				b, _ := os.ReadFile(filepath.Join(dir, "w-"+out))
				if len(b) == 0 || !bytes.Equal(a, b) {
					t.Errorf("%s → %s (export time %v): streamed %d bytes differ from read whole %d bytes", in, out, at, len(a), len(b))
				}
			}
		}
	}
}
