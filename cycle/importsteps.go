package cycle

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"contactsync/formats/crmcsv"
)

// ImportFileName is the file in every output folder that says how to import
// it.
const ImportFileName = "IMPORT.txt"

// ImportSteps describes an output folder for WriteImportSteps.
type ImportSteps struct {
	Cycle int    // 0: no particular cycle (the help topic)
	Dir   string // the output folder, as the user named it
	// Has reports whether the folder holds a file ("crm/accounts-new.csv");
	// nil means every file a cycle can write.
	Has       func(name string) bool
	KeyColumn string // the Outlook CSV column of the sync key
	// OutlookCSV says how outlook/contacts.csv was written ("Outlook CSV in
	// windows-1252 (...)"), for its step; empty: not said.
	OutlookCSV string
}

// filesIn returns a Has for the files present under dir.
func filesIn(dir string) func(string) bool {
	return func(name string) bool {
		st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(name)))
		return err == nil && st.Mode().IsRegular()
	}
}

// WriteImportSteps writes the numbered steps that import a cycle's files
// into the CRM and Outlook, naming only the files present, in the order
// the import must follow. It is the one text of these steps: IMPORT.txt of
// every output folder and the "import" help topic are both written by it.
func WriteImportSteps(w io.Writer, s ImportSteps) error {
	p := &stepWriter{ImportSteps: s, key: s.KeyColumn, dir: s.Dir}
	p.has = s.Has
	if p.has == nil {
		p.has = func(string) bool { return true }
	}
	if p.key == "" {
		p.key = "User 4"
	}
	if p.dir == "" {
		p.dir = "OUT"
	}
	if s.Cycle > 0 {
		fmt.Fprintf(&p.b, "How to import the outputs of contactsync cycle %d\n(the files named below are in %s)\n\n", s.Cycle, p.dir)
		p.b.WriteString("Follow the steps in this order; they name only the files this cycle wrote.\n" +
			"Nothing changes in the CRM or in Outlook until you import these files, and the\n" +
			"next cycle stops (guard not-imported) if none of them was imported.\n\n")
	} else {
		p.b.WriteString("How to import the outputs of a contactsync cycle (file names are relative to the cycle's --out folder)\n\n")
		p.b.WriteString("Every output folder has its own IMPORT.txt with these steps for the files it holds.\n" +
			"In this order:\n\n")
	}
	p.crmSteps()
	p.outlookSteps()
	if p.has("rejected.csv") {
		p.step("rejected.csv lists the records that could not be read and were set aside:\n" +
			"fix them in their program before the next export; they are read again then.")
	}
	p.step("Export both sides again: the CRM dump (contacts.csv, accounts.csv and\n" +
		"syncgroup.csv) and the Outlook sync folder, in the same form as before. Then run\n" +
		"the next cycle: contactsync sync ... --out NEW-FOLDER (a new folder each cycle).")
	_, err := io.WriteString(w, p.b.String())
	return err
}

// stepWriter writes the numbered import steps.
type stepWriter struct {
	ImportSteps
	has      func(string) bool
	key, dir string
	b        strings.Builder
	n        int
}

// step writes the next numbered step.
func (p *stepWriter) step(format string, args ...any) {
	p.n++
	text := fmt.Sprintf(format, args...)
	fmt.Fprintf(&p.b, "%2d. ", p.n)
	p.b.WriteString(strings.ReplaceAll(text, "\n", "\n    "))
	p.b.WriteString("\n\n")
}

// crmSteps are the steps of the CRM's Import Wizard.
func (p *stepWriter) crmSteps() {
	crm := func(f string) bool { return p.has("crm/" + f) }
	anyCRM := false
	for _, f := range []string{crmcsv.NewAccountsFile, crmcsv.NewContactsFile, crmcsv.UpdateContactsFile, crmcsv.GroupAddFile, crmcsv.GroupRemoveFile} {
		anyCRM = anyCRM || crm(f)
	}
	p.b.WriteString("Infor CRM: the Import Wizard (Web Client), one file at a time; each file is a CSV\n" +
		"whose first row holds the field names (UTF-8). Log on as the syncing user.\n\n")
	if !anyCRM {
		p.b.WriteString("    Nothing to import into the CRM this cycle.\n\n")
	}
	if crm(crmcsv.NewAccountsFile) {
		p.step("Import crm/%s first, as new accounts. The new contacts of\n"+
			"the next step name these accounts, so they must exist before them.", crmcsv.NewAccountsFile)
	}
	if crm(crmcsv.NewContactsFile) {
		p.step("Import crm/%s as new contacts (the file has no CONTACTID:\n"+
			"the CRM gives each one its id). On the wizard's options page set the ad hoc\n"+
			"group option to add the imported contacts to the contact sync group, so that\n"+
			"the next cycle finds them. ACCOUNT names each contact's account.", crmcsv.NewContactsFile)
	}
	if crm(crmcsv.UpdateContactsFile) {
		p.step("Import crm/%s to update existing contacts, matching on\n"+
			"CONTACTID (the matching criteria page: Contact ID, never e-mail or name).\n"+
			"Every mapped column holds the new value: an empty cell means empty.", crmcsv.UpdateContactsFile)
	}
	if crm(crmcsv.GroupAddFile) {
		p.step("Add the contacts of crm/%s (one CONTACTID a row) to the\n"+
			"contact sync group: import it matching on CONTACTID with the ad hoc group\n"+
			"option set to the contact sync group, or add them in the group's view.", crmcsv.GroupAddFile)
	}
	if crm(crmcsv.GroupRemoveFile) {
		p.step("Remove the contacts of crm/%s (one CONTACTID a row) from the\n"+
			"contact sync group, in the group's view (Remove from Group). The contacts stay\n"+
			"in the CRM: contactsync never deletes a CRM contact.", crmcsv.GroupRemoveFile)
	}
}

// outlookSteps are the steps of Outlook's import.
func (p *stepWriter) outlookSteps() {
	ol := func(f string) bool { return p.has("outlook/" + f) }
	p.b.WriteString("Outlook: classic Outlook for Windows (2013 to 2021, Microsoft 365):\n" +
		"File > Open & Export > Import/Export > Import from another program or file >\n" +
		"Comma Separated Values. The new Outlook and Outlook on the web (People > Manage\n" +
		"contacts > Import contacts) only add contacts and cannot replace duplicates: use\n" +
		"them only for a snapshot into an emptied folder. Keep the column " + quoted(p.key) + ": it\n" +
		"holds the sync key that joins each contact to its CRM contact.\n\n")
	// The help topic (no folder) describes both forms of the Outlook output.
	general := p.Has == nil
	snapshot := ol("contacts.csv")
	if general {
		p.b.WriteString("  When outlook/ holds contacts.csv (a snapshot of the folder, the default):\n\n")
	}
	if snapshot {
		p.step("Empty the Outlook sync folder: select every contact in it (Ctrl+A) and delete\n" +
			"them (they go to Deleted Items). outlook/contacts.csv is the whole folder\n" +
			"after this cycle, and Outlook's import can add and replace but never delete.")
		p.step("Import outlook/contacts.csv into the emptied sync folder (options:\n"+
			"\"Allow duplicates to be created\" is safe, the folder is empty; choose the sync\n"+
			"folder as the destination). outlook/contacts.vcf holds the same contacts for\n"+
			"programs that import vCards.%s", wrapped(p.OutlookCSV))
		if ol("deleted-items.csv") {
			p.step("outlook/deleted-items.csv lists the contacts this cycle removed from the\n" +
				"folder; emptying it already moved them to Deleted Items. Nothing more to do.")
		}
	}
	if general {
		p.b.WriteString("  When outlook/ holds contacts-new.csv and contacts-update.csv instead\n" +
			"  (--outlook-output changes, the default for PST input):\n\n")
	}
	if !snapshot || general {
		if ol("contacts-update.csv") {
			p.step("Import outlook/contacts-update.csv into the sync folder with the option\n" +
				"\"Replace duplicates with items imported\" (Outlook finds the contacts by name\n" +
				"and e-mail and replaces them).")
		}
		if ol("contacts-new.csv") {
			p.step("Import outlook/contacts-new.csv into the sync folder (option \"Replace\n" +
				"duplicates with items imported\", so that a second import does not double them).")
		}
		if ol("deleted-items.csv") {
			p.step("Move each contact listed in outlook/deleted-items.csv from the sync folder\n" +
				"to Deleted Items by hand: Outlook's import cannot delete.")
		}
		if !ol("contacts-update.csv") && !ol("contacts-new.csv") && !ol("deleted-items.csv") {
			p.b.WriteString("    Nothing to import into Outlook this cycle.\n\n")
		}
	}
}

func quoted(s string) string { return fmt.Sprintf("%q", s) }

// wrapped is " outlook/contacts.csv is " + desc, cut into lines of about
// 80 columns for a step; "" for no desc.
func wrapped(desc string) string {
	if desc == "" {
		return ""
	}
	var b strings.Builder
	col := 0
	for i, w := range strings.Fields("outlook/contacts.csv is " + desc + ".") {
		switch {
		case i == 0:
			b.WriteString("\n")
		case col+1+len(w) > 76:
			b.WriteString("\n")
			col = 0
		default:
			b.WriteString(" ")
			col++
		}
		b.WriteString(w)
		col += len(w)
	}
	return b.String()
}
