package cycle

import (
	"contactsync/engine/contact"
	"contactsync/formats"
	"contactsync/formats/crmcsv"
	"contactsync/formats/outlookcsv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// SimulatedCRM counts the CRM dump SimulateCRM wrote.
type SimulatedCRM struct {
	Contacts, New, Updated, Accounts, NewAccounts int
}

// SimulatedOutlook says what SimulateOutlook wrote.
type SimulatedOutlook struct {
	Contacts int
	Format   string // as WriteContacts describes it
}

// SimulateCRM writes into the folder to the CRM dump that importing the
// crm/ files of the output folder outputs into the dump input would give,
// new and changed records stamped now.
func SimulateCRM(input, outputs, to string, now time.Time) (*SimulatedCRM, error) {
	if err := checkOutputs(outputs); err != nil {
		return nil, err
	}
	d, err := crmcsv.ReadDir(input)
	if err != nil {
		return nil, err
	}
	ch, err := crmcsv.ReadChanges(filepath.Join(outputs, "crm"))
	if err != nil {
		return nil, err
	}
	d2, err := crmcsv.Apply(d, ch, now)
	if err != nil {
		return nil, err
	}
	if err := formats.MkdirPrivate(to); err != nil {
		return nil, err
	}
	if err := crmcsv.WriteDump(to, d2); err != nil {
		return nil, err
	}
	return &SimulatedCRM{Contacts: len(d2.Contacts), New: len(ch.New), Updated: len(ch.Updates),
		Accounts: len(d2.Accounts), NewAccounts: len(ch.NewAccounts)}, nil
}

// SimulateOutlook writes to the path to the Outlook export that importing
// the outlook/ files of the output folder outputs into the export input
// would give, in the format the name of to says and, for a CSV, the
// input's own columns.
func SimulateOutlook(input, outputs, to string, oo OutlookOptions) (*SimulatedOutlook, error) {
	if err := checkOutputs(outputs); err != nil {
		return nil, err
	}
	in, err := ReadOutlook(input, oo)
	if err != nil {
		return nil, err
	}
	olDir := filepath.Join(outputs, "outlook")
	var folder []contact.Contact
	if _, err := os.Stat(filepath.Join(olDir, "contacts.csv")); err == nil {
		snap, err := outlookcsv.ReadFile(filepath.Join(olDir, "contacts.csv"), oo.csv())
		if err != nil {
			return nil, err
		}
		folder = snap.Contacts
	} else if folder, err = applyChanges(in.Contacts, olDir, oo); err != nil {
		return nil, err
	}
	format, err := WriteContacts(to, "", folder, in.CSV, oo)
	if err != nil {
		return nil, err
	}
	return &SimulatedOutlook{Contacts: len(folder), Format: format}, nil
}

// applyChanges applies the changes-mode files of olDir to the contacts of
// a folder as Outlook's import with "replace duplicates" does: updated and
// deleted contacts, then the new ones. The files carry the sync key only
// for contacts contactsync keys itself; a PST's contacts (keyed by entry
// id) are found as Outlook finds duplicates: by e-mail address, else by
// full name.
func applyChanges(contacts []contact.Contact, olDir string, oo OutlookOptions) ([]contact.Contact, error) {
	folder := append([]contact.Contact(nil), contacts...)
	find := outlookFinder(folder, true)
	read := func(name string) ([]contact.Contact, error) {
		p := filepath.Join(olDir, name)
		if _, err := os.Stat(p); err != nil {
			return nil, nil
		}
		f, err := outlookcsv.ReadFile(p, oo.csv())
		if err != nil {
			return nil, err
		}
		return f.Contacts, nil
	}
	upd, err := read("contacts-update.csv")
	if err != nil {
		return nil, err
	}
	for _, u := range upd {
		i := find(&u)
		if i < 0 {
			return nil, fmt.Errorf("%s: updated contact %q matches no contact of the input by key, e-mail or name", filepath.Join(olDir, "contacts-update.csv"), u.DisplayName())
		}
		folder[i].Values = u.Values
	}
	del, err := read("deleted-items.csv")
	if err != nil {
		return nil, err
	}
	gone := map[int]bool{}
	for _, d := range del {
		if i := find(&d); i >= 0 {
			gone[i] = true
		}
	}
	kept := folder[:0]
	for i, c := range folder {
		if !gone[i] {
			kept = append(kept, c)
		}
	}
	nw, err := read("contacts-new.csv")
	if err != nil {
		return nil, err
	}
	return append(kept, nw...), nil
}

// outlookFinder returns a function that finds a contact of folder by key,
// else by first e-mail address, else (when byFullName) by full name: -1
// when none matches.
func outlookFinder(folder []contact.Contact, byFullName bool) func(*contact.Contact) int {
	byKey, byEmail, byName := map[string]int{}, map[string]int{}, map[string]int{}
	for i := range folder {
		c := &folder[i]
		if c.Key != "" {
			byKey[c.Key] = i
		}
		if e := contact.NormalizeEmail(c.Values[contact.Email1], false); e != "" {
			if _, dup := byEmail[e]; !dup {
				byEmail[e] = i
			}
		}
		if n := strings.ToLower(c.DisplayName()); byFullName && n != "" {
			if _, dup := byName[n]; !dup {
				byName[n] = i
			}
		}
	}
	return func(c *contact.Contact) int {
		if i, ok := byKey[c.Key]; ok && c.Key != "" {
			return i
		}
		if i, ok := byEmail[contact.NormalizeEmail(c.Values[contact.Email1], false)]; ok {
			return i
		}
		if i, ok := byName[strings.ToLower(c.DisplayName())]; ok {
			return i
		}
		return -1
	}
}

// checkOutputs refuses a folder that is not the output folder of a cycle.
func checkOutputs(dir string) error {
	if _, err := ReadMarker(dir); err != nil {
		return usagef("--outputs %q is not the output folder of a contactsync cycle (it has no readable %s)", dir, MarkerName)
	}
	return nil
}
