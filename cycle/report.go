package cycle

import (
	"io"

	"contactsync/engine"
	"contactsync/journal"
	"contactsync/journal/audit"
)

// reportRows caps the likely-duplicates table of report.html (contacts in
// all); duplicates.csv lists every one.
const reportRows = 5000

// chainStatus says how the journal's hash chain stands before a cycle, for
// the top of its report.html. It checks what is new since the check the
// last cycle recorded (journal.CheckNew: the chain of cycle hashes, the
// rows of the cycles after that check and the link rows they wrote), not
// every row each cycle, and says exactly what it checked.
func chainStatus(j *journal.Journal, last int) (bool, string) {
	if j == nil || last == 0 {
		return true, "no earlier cycles: the journal starts with this one"
	}
	c, err := j.CheckNew()
	if err != nil {
		return false, "hash chain broken: " + err.Error()
	}
	return true, "checked before this cycle: hash chain intact: " + c.String()
}

// writeReport writes a cycle's report.html: the journal's report page of
// the plan, with the likely duplicates of each side as a section of its
// own.
func writeReport(w io.Writer, p *engine.Plan, verifyOK bool, verify string, dups *sideDuplicates) error {
	var extra []audit.ReportTable
	if dups != nil {
		if groups, more := dups.reportGroups(reportRows); len(groups) > 0 {
			t := audit.ReportTable{ID: "duplicates", Title: "Likely duplicates",
				Intro:  "Contacts of one side that share an e-mail, a phone number or their name and company; a duplicate on one side can be linked to only one contact on the other. Also in duplicates.csv.",
				Header: []string{"side", "group", "key", "line", "contact", "e-mail", "shared"}}
			if more {
				t.Intro = "Contacts of one side that share an e-mail, a phone number or their name and company; a duplicate on one side can be linked to only one contact on the other. The first groups; duplicates.csv lists every one."
			}
			for _, g := range groups {
				for _, m := range g.Members {
					t.Rows = append(t.Rows, []string{g.Side, g.Number, m.Key, m.Line, m.Name, m.Email, m.Reason})
				}
			}
			extra = append(extra, t)
		}
	}
	return audit.WritePlanReport(w, p, verifyOK, verify, extra...)
}
