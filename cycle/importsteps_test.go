package cycle

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func importText(t *testing.T, files ...string) string {
	t.Helper()
	present := map[string]bool{}
	for _, f := range files {
		present[f] = true
	}
	var b strings.Builder
	if err := WriteImportSteps(&b, ImportSteps{Cycle: 4, Dir: "out/4", Has: func(n string) bool { return present[n] }, KeyColumn: "Benutzer 4"}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// stepOf returns the number of the step that names file, or 0.
func stepOf(text, file string) int {
	m := regexp.MustCompile(`(?m)^ ?(\d+)\. [^\n]*` + regexp.QuoteMeta(file)).FindStringSubmatch(text)
	if m == nil {
		return 0
	}
	n := 0
	for _, c := range m[1] {
		n = n*10 + int(c-'0')
	}
	return n
}

func TestImportStepsOrderAndFiles(t *testing.T) {
	text := importText(t, "crm/accounts-new.csv", "crm/contacts-new.csv", "crm/contacts-update.csv",
		"crm/syncgroup-remove.csv", "outlook/contacts.csv", "outlook/contacts.vcf", "outlook/deleted-items.csv")
	acc, nw, upd := stepOf(text, "crm/accounts-new.csv"), stepOf(text, "crm/contacts-new.csv"), stepOf(text, "crm/contacts-update.csv")
	if acc == 0 || nw == 0 || upd == 0 || !(acc < nw) {
		t.Errorf("want accounts-new before contacts-new, each a step (got %d, %d, %d):\n%s", acc, nw, upd, text)
	}
	for _, want := range []string{"cycle 4", "out/4", "ad hoc group", "contact sync group", "matching on\nCONTACTID",
		"Empty the Outlook sync folder", "File > Open & Export > Import/Export", `"Benutzer 4"`, "Export both sides again"} {
		if ws := regexp.MustCompile(`\s+`); !strings.Contains(ws.ReplaceAllString(text, " "), ws.ReplaceAllString(want, " ")) {
			t.Errorf("IMPORT.txt lacks %q:\n%s", want, text)
		}
	}
	// Only the files present are named.
	for _, absent := range []string{"syncgroup-add.csv", "contacts-new.csv into the sync folder", "rejected.csv"} {
		if strings.Contains(text, absent) {
			t.Errorf("IMPORT.txt names %q, which the cycle did not write:\n%s", absent, text)
		}
	}
	// The last step is the next cycle.
	if last := strings.LastIndex(text, "Export both sides again"); last < strings.LastIndex(text, "outlook/") {
		t.Errorf("the next-cycle step is not last:\n%s", text)
	}
}

func TestImportStepsChangesModeAndNothingForCRM(t *testing.T) {
	text := importText(t, "outlook/contacts-new.csv", "outlook/contacts-update.csv", "outlook/deleted-items.csv", "rejected.csv")
	if !strings.Contains(text, "Nothing to import into the CRM this cycle") {
		t.Errorf("no CRM files, but the steps do not say so:\n%s", text)
	}
	if stepOf(text, "crm/") != 0 || strings.Contains(text, "Empty the Outlook sync folder") {
		t.Errorf("changes mode names CRM files or empties the folder:\n%s", text)
	}
	if !strings.Contains(text, "Replace duplicates with items imported") || stepOf(text, "outlook/deleted-items.csv") == 0 || stepOf(text, "rejected.csv") == 0 {
		t.Errorf("changes mode steps incomplete:\n%s", text)
	}
	// Steps are numbered 1, 2, 3, ... without gaps.
	nums := regexp.MustCompile(`(?m)^ ?(\d+)\. `).FindAllStringSubmatch(text, -1)
	for i, m := range nums {
		if m[1] != strconv.Itoa(i+1) {
			t.Errorf("step %d is numbered %s", i+1, m[1])
		}
	}
}
