// Package crmcsv reads a CRM (Infor CRM / Saleslogix) dump folder and
// writes the files a cycle asks the CRM Import Wizard to import.
//
// A dump folder holds contacts.csv (required, with a CONTACTID column),
// accounts.csv (required, with ACCOUNTID and ACCOUNT) and, optionally,
// syncgroup.csv (one CONTACTID per member of the contact sync group).
// ReadDir turns it into a Dump; WriteChanges writes a cycle's crm/ folder
// (contacts-new.csv, contacts-update.csv, accounts-new.csv,
// syncgroup-add.csv, syncgroup-remove.csv); ReadChanges reads such a
// folder back; Apply plays it onto a Dump as the import would, and
// WriteDump writes the result as the CRM's next export. Validate lists
// every problem of a dump folder.
//
// A dump may also be table-shaped: CONTACT.csv, ACCOUNT.csv and
// ADDRESS.csv as the CRM database holds them, the address joined through
// ADDRESSID (tables.go). Other spellings of the columns — a list view's
// display headers, SData property names — resolve through one alias
// table, columnAliases, and are written back as they were spelled.
//
// Columns map to the contact model by name, compared trimmed and
// case-insensitively: ACCOUNT↔company, LASTNAME, FIRSTNAME, MIDDLENAME,
// PREFIX, SUFFIX↔name parts, TITLE↔job_title, DEPARTMENT, EMAIL↔email1,
// SECONDARYEMAIL↔email2, WORKPHONE↔phone_business, MOBILE↔phone_mobile,
// HOMEPHONE↔phone_home, FAX↔phone_fax_business, CITY, STATE, POSTALCODE,
// COUNTRY↔address_business.*, WEBADDRESS↔web_page and NOTES↔notes when the
// dump has them. The address lines ADDRESS1..3 are joined with "\n" into
// address_business.street (trailing empty lines dropped) and split back
// one line per column, any lines beyond the last column staying in it.
// CONTACTID is Contact.Key; ACCOUNTID, SECCODEID, ACCOUNTMANAGERID, TYPE
// and STATUS are contact.CRM; MODIFYDATE is Contact.Modified (several
// layouts; no zone means UTC). Every other column — CREATEDATE,
// CREATEUSER, user fields — is kept in Extra under its header name and
// written back; a known column that appears twice is an error.
//
// Extras read here are marked Format contact.FormatCRM. WriteDump fills an
// unmapped column only from the CRM's own extras (FormatCRM, or no format
// for ones made in code); an Extra another format read (a vCard property,
// a PST tag, an Outlook CSV column) is never written, even when its name
// is that of a column: the table fixes the columns of a dump, and a
// vCard's "NOTE" is not the CRM's. WriteChanges writes mapped columns
// only, so no Extra reaches the Import Wizard.
//
// Surprising choices:
//
//   - A CSV reader with a header map, not github.com/gocarina/gocsv. The
//     CRM schema is fixed enough for gocsv's struct tags, but gocsv drops
//     the columns it has no tag for (user fields, site columns), which
//     must be kept; it matches headers case-sensitively unless a
//     process-wide normaliser is set; and it gives no line or column for
//     a bad cell. The reader (formats/csvscan: encoding/csv's rules and
//     errors, without a string per row where the caller copies anyway)
//     gives FieldPos for every cell.
//   - IDs are opaque 12-character strings that may be blank-padded
//     ("ADMIN       " in char(12) columns). Trailing blanks of CONTACTID,
//     ACCOUNTID, SECCODEID and ACCOUNTMANAGERID are trimmed when read, so
//     "ADMIN" matches "ADMIN       ".
//   - The Dump remembers the cells it was read from. WriteDump writes a
//     value that did not change with those same cells (padding, the
//     user's own "'" text, address lines with breaks of their own), so
//     ReadDir then WriteDump changes nothing but encoding and quoting.
//   - Files are written as UTF-8 with a BOM and CRLF line ends: the Import
//     Wizard shows extended characters wrongly unless it can tell the
//     encoding. Files are read as UTF-8 with or without BOM, UTF-16 with
//     a BOM, else Windows-1252 (formats.DecodeText).
//   - Formula injection: a written cell that starts with '=', '@', tab or
//     CR, or with '+' or '-' and is not a phone number or number, gets a
//     leading "'". Reading removes a leading "'" only when what follows
//     would itself get one, so reading what was written gives the value
//     back, and other text starting with "'" is kept as it is.
//   - Apply makes up ids ("CSIM00000001", "ASIM00000001"): a simulation
//     needs them, and "SIM" is no real site code.
//
// Errors about input are *formats.ParseError with file:line:col (col in
// characters); ReadDir and ReadChanges stop at the first, Validate
// collects them all.
package crmcsv
