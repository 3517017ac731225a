package pst

import (
	"errors"
	"strings"
	"testing"
)

// TestPickFolder: without --outlook-folder the contacts folder is chosen by
// its class and, failing that, by the items the folders hold; Deleted Items
// and Outlook's own Recipient Cache are never taken; several candidates or
// none are a FolderError that lists them with their counts. (The
// real-world stores are checked against readpst in TestReadpstOracle:
// Aspose's PersonalStorageFile*.pst keep their contacts in "myInbox".)
func TestPickFolder(t *testing.T) {
	type f struct {
		path, class string
		contacts    int
		dists       int
		system      bool
	}
	build := func(fs []f) ([]*folder, map[*folder][2]int) {
		var out []*folder
		n := map[*folder][2]int{}
		for _, x := range fs {
			name := x.path[strings.LastIndexByte(x.path, '/')+1:]
			fo := &folder{path: x.path, name: name, class: x.class, system: x.system || systemFolder(name, x.class, false)}
			out = append(out, fo)
			n[fo] = [2]int{x.contacts, x.dists}
		}
		return out, n
	}
	tests := []struct {
		name    string
		folders []f
		want    string // chosen path, or the error's text after the file name
		why     string
	}{
		{"the Contacts folder", []f{{"Inbox", "IPF.Note", 0, 0, false}, {"Contacts", "IPF.Contact", 3, 0, false}, {"Contacts/CRM", "IPF.Contact", 2, 0, false}}, "Contacts", ChoiceContacts},
		{"the only contacts folder with items", []f{{"Contacts", "IPF.Contact", 0, 0, false}, {"Kontakte Firma", "IPF.Contact", 4, 0, false}}, "Kontakte Firma", ChoiceClass},
		{"contacts kept elsewhere", []f{{"Contacts", "IPF.Contact", 0, 0, false}, {"myInbox", "IPF.Note", 5, 1, false}}, "myInbox", ChoiceItems},
		{"no container class", []f{{"Inbox", "", 0, 0, false}, {"People", "", 0, 1, false}}, "People", ChoiceItems},
		{"the Recipient Cache is not the user's contacts", []f{{"Contacts", "IPF.Contact", 0, 0, false}, {"Contacts/Recipient Cache", "IPF.Contact.RecipientCache", 40, 0, false}, {"Saved", "IPF.Note", 2, 0, false}}, "Saved", ChoiceItems},
		{"only the Recipient Cache holds items", []f{{"Contacts", "IPF.Contact", 0, 0, false}, {"Contacts/Recipient Cache", "IPF.Contact", 40, 0, false}}, "Contacts", choiceEmptyStore},
		{"hidden folders are Outlook's", []f{{"Contacts", "IPF.Contact", 0, 0, false}, {"Contacts/{06967759-274D-40B2-A3EB-D7F9E73727D7}", "IPF.Contact.MOC.QuickContacts", 9, 0, false}, {"Companies", "IPF.Contact", 0, 0, true}}, "Contacts", choiceEmptyStore},
		{"several folders hold contacts", []f{{"A", "IPF.Note", 12, 0, false}, {"B", "IPF.Note", 3, 2, false}}, `: contact items in several folders: "A" (12 contacts), "B" (3 contacts, 2 distribution lists)`, ""},
		{"several contacts folders", []f{{"Contacts", "IPF.Contact", 0, 0, false}, {"X", "IPF.Contact", 1, 0, false}, {"Y", "IPF.Contact", 2, 0, false}, {"Z", "IPF.Note", 7, 0, false}}, `: contact items in several folders: "X" (1 contacts), "Y" (2 contacts)`, ""},
		{"no contact items at all", []f{{"Inbox", "IPF.Note", 0, 0, false}, {"Calendar", "IPF.Appointment", 0, 0, false}}, ": no contact items (IPM.Contact, IPM.DistList) in any folder of the store and no contacts folder (folders: Inbox, Calendar)", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs, n := build(tc.folders)
			fo, why, err := pickFolder("s.pst", fs, nil, func(fo *folder) (int, int, error) { return n[fo][0], n[fo][1], nil })
			if tc.why == "" {
				var fe *FolderError
				if !errors.As(err, &fe) || err.Error() != "s.pst"+tc.want {
					t.Fatalf("got %v, %v; want the error %q", fo, err, tc.want)
				}
				return
			}
			if err != nil || fo.path != tc.want || why != tc.why {
				t.Fatalf("got %v (%s), %v; want %q (%s)", fo, why, err, tc.want, tc.why)
			}
		})
	}
	// Deleted Items is the deleted contacts, not the folder to sync.
	fs, n := build([]f{{"Deleted Items", "IPF.Note", 5, 0, false}, {"Contacts", "IPF.Contact", 0, 0, false}})
	fo, why, err := pickFolder("s.pst", fs, fs[0], func(fo *folder) (int, int, error) { return n[fo][0], n[fo][1], nil })
	if err != nil || fo != fs[1] || why != choiceEmptyStore {
		t.Errorf("with contacts only in Deleted Items: %v %q %v", fo, why, err)
	}
}
