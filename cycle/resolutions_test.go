package cycle

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"contactsync/engine"
	"contactsync/engine/contact"
)

// FuzzReadResolutions: no resolutions file panics the reader, and every
// decision it accepts names its row and has a choice.
func FuzzReadResolutions(f *testing.F) {
	f.Add("link,contact,field,base,crm,crm_time,outlook,outlook_time,choose\n1,Ann,phone_business,1,'=2,,3,,crm\n")
	f.Add("\uFEFFlink,field,base,crm,outlook,choose\r\n2,email1,a,b,c,Outlook\r\n2,email1,a,b,c,x\r\n")
	f.Add("link,field,base,crm,outlook,choose\n\"1,x\n")
	f.Add("")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data string) {
		p := filepath.Join(dir, "r.csv")
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		res, err := readResolutions(p)
		if err != nil {
			if !strings.Contains(err.Error(), p) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for k, d := range res.Decisions {
			if k.Link <= 0 || !strings.HasPrefix(d.Row, p+":") || d.Choice < engine.ChooseCRM || d.Choice > engine.ChooseValue {
				t.Fatalf("decision %+v for %+v", d, k)
			}
		}
	})
}

func TestUnSpreadsheet(t *testing.T) {
	for _, v := range []string{"=1+1", "@x", "-x", "+1 555 0100", "'quoted", "plain", "", "'=1"} {
		cell := v
		if strings.HasPrefix(v, "'") && len(v) > 1 && v[1] == '=' {
			continue // "'=1" reads back as "=1": the one ambiguity, see unSpreadsheet
		}
		if got := unSpreadsheet(contact.SpreadsheetCell(cell)); got != v {
			t.Errorf("unSpreadsheet(SpreadsheetCell(%q)) = %q", v, got)
		}
	}
}
