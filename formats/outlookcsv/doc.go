// Package outlookcsv reads and writes the contacts CSV that Outlook exports
// and imports, in every flavour met in practice: Outlook desktop's 92
// columns (2010 and later), the older 2000/2003 layout ("Business Country",
// one "PO Box"), Outlook.com's 61 columns, and Google Contacts CSV (current
// "E-mail 1 - Value" form with " ::: " multi-values, and the legacy form),
// with headers in English, German, French, Spanish, Italian, Dutch or
// Portuguese; Thunderbird's and Windows Live Mail's exports by their
// headers (dialects.go, with the source of each table). A header not known
// as a whole is read column by column: an unknown column whose name says
// e-mail, mobile, fax or phone fills that field when free (File.Guessed).
//
// Model. A header line is resolved into a schema: each column is found by
// its (trimmed, case-folded) name in the locale that matches most headers,
// never by position, and is either a canonical field as is (First Name),
// part of a group (the three street lines, a date, a category list, Google's
// numbered columns), or kept in contact.Extra under its header name. A
// repeated header's later columns are named "Header#2", "#3", ... in Extra.
// Unknown headers are kept and reported once. Reader and writer share the
// schema, so writing with the layout a file was read with gives back every
// cell (compared as parsed records; cells Outlook left out at the end of a
// short row come back as empty cells). Every Extra read is marked
// Format contact.FormatOutlookCSV.
//
// Values of other formats. An Extra another format read (Format set and
// not FormatOutlookCSV: a vCard property, a PST tag, a CRM column) never
// becomes a column of its own: a header "PHOTO;TYPE=JPEG;ENCODING=b" or
// "PidTagNickname" only confuses Outlook's import. Where an Outlook column
// holds the same thing and the layout has it, the value goes there, in
// the column's form; otherwise it is left out and counted. WriteReport and
// WriteFileReport return the counts and names (WriteResult). An Extra
// without a Format is taken as Outlook CSV's own. The mapping (foreign.go):
//
//	PST (formats/pst names)                      Outlook column
//	PidTagInitials, PidTagSpouseName,            Initials, Spouse,
//	PidTagProfession, PidTagHobbies,             Profession, Hobby,
//	PidTagManagerName, PidTagAssistant,          Manager's Name, Assistant's Name,
//	PidTagChildrensNames, PidTagLanguage,        Children, Language,
//	PidTagAccount, PidTagOfficeLocation,         Account, Office Location,
//	PidTagOrganizationalIdNumber, PidTagLocation Organizational ID Number, Location
//	PidTagGender (0/1/2)                         Gender (Unspecified/Female/Male)
//	PidTagWeddingAnniversary                     Anniversary (layout's date format)
//	PidTag{Primary,Car,Radio,Callback}…Number,   Primary Phone, Car Phone, Radio Phone,
//	PidTagIsdnNumber, PidTagTelexNumber,         Callback, ISDN, Telex,
//	PidTagTtyTddPhoneNumber                      TTY/TDD Phone
//	PidLidWorkAddressPostOfficeBox,              Business/Home/Other Address PO Box
//	PidTag{Home,Other}AddressPostOfficeBox
//	PidLidEmail{1,2,3}DisplayName                E-mail [2/3] Display Name
//	PidLidEmail{1,2,3}AddressType (SMTP only)    E-mail [2/3] Type
//	PidLidContactUserField1..4                   User 1..4
//	PidTagNickname, PidLidInstantMessaging-      Nickname, IMAddress, Personal Web Page
//	Address, PidTagPersonalHomePage              (Outlook.com layouts only)
//
//	vCard (property, any group/parameters)       Outlook column
//	X-MS-MANAGER, X-MS-ASSISTANT, X-MS-SPOUSE    Manager's Name, Assistant's Name, Spouse
//	ROLE                                         Profession
//	X-MS-ANNIVERSARY, ANNIVERSARY                Anniversary (layout's date format)
//	FBURL                                        Internet Free Busy
//	GENDER (M/F/U)                               Gender
//	X-MS-TEL;TYPE=…CALLBACK                      Callback
//	=address_{business,home,other}.pobox         Business/Home/Other Address PO Box
//	NICKNAME, X-MS-IMADDRESS                     Nickname, IMAddress (Outlook.com only)
//
// vCard values are unescaped; base64 values (ENCODING=b) are never text.
// formats/vcard's spelling carriers ("=email1": the property's name and
// parameters, "=FN.from") are no values: neither written nor counted. An
// Outlook CSV value or the sync key already in the column wins; a foreign
// value that would read back as a sync key is left out. Gender words are
// known for English, and "Keine Angabe" for German; elsewhere an
// unspecified gender is an empty cell and a known one is left out. CRM
// columns are never mapped.
//
// Surprising choices:
//   - Groups whose cells cannot be rebuilt from the canonical value (a line
//     break inside "Business Street" with empty "Business Street 2", the empty
//     date "0/0/00", "a; b" categories, a fourth Google e-mail) keep the
//     original cells in Extra under their column names ("shadows"). The
//     writer writes the shadow while it still decodes to the contact's value
//     and the new value in the layout's form once it changed. Values Outlook
//     writes in unmapped columns (Gender "Unspecified", Priority "Normal",
//     Private "False") are plain Extra and come back as they were.
//   - Streets: Street, Street 2 and Street 3 are joined with "\n" (trailing
//     empty lines dropped); writing puts one line per column and the rest of
//     the lines into the last one.
//   - French Outlook calls both Title and Job Title "Titre": with two such
//     columns the first is Title (Outlook's form order), with one it is Title
//     when it precedes the name and company columns and Job Title otherwise.
//   - Dates are in the exporting Windows' short-date format
//     (Options.DateFormat; by default M/D/YYYY for English headers, D.M.YYYY
//     for German, D-M-YYYY for Dutch, DD/MM/YYYY for French, Spanish,
//     Italian and Portuguese). When no format is given and the default
//     cannot read a date, the order (day-month-year, month-day-year,
//     year-month-day) is inferred from every date cell of the file, the
//     file is read again in it and written back in it (File.DateInferred);
//     when no order reads them all, each unreadable cell is a warning and
//     is kept as it is. All-zero dates
//     ("0/0/00", "0.0.00") are empty. A birthday without a year ("--MM-DD")
//     is written with the year 1604, which Outlook and Exchange use for that.
//   - The sync key: the key column (Options.KeyColumn, default "User 4")
//     becomes Contact.Key only when it starts with "contactsync:"; any other
//     value there is the user's and stays in Extra.
//   - Outlook CSV has no modification time; Contact.Modified stays zero.
//   - Reading decodes a UTF-8 or UTF-16 BOM, else valid UTF-8, else
//     Windows-1252 or the forced code page (Options.Encoding). The delimiter
//     (',', ';' or tab) is the most frequent one in the header line outside
//     quotes. CRs before a line break inside a cell are dropped (the model's
//     line break is "\n"). Writing uses CRLF, quotes every non-empty cell
//     (and every header cell) as Outlook does, and picks Windows-1252 when
//     every character fits, else UTF-8 with BOM; also UTF-8 when the
//     Windows-1252 bytes would read as UTF-8 ("Ã±"), which no reader could
//     tell apart.
//   - No spreadsheet formula neutralisation (DESIGN §10) is done here:
//     Outlook's import would keep a "'" prefix as part of the value, so
//     values are written exactly as they are.
package outlookcsv
