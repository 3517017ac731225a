package crmcsv

// ContactsPath returns the path of the file whose rows are the contacts of
// the dump at dir (contacts.csv, or the CONTACT table of a dump of the
// database's tables), for messages about its records.
func ContactsPath(dir string) string {
	name, _ := findTable(dir, ContactsFile, ContactTable)
	return name
}
