// Package outlookcsv reads and writes the contacts CSV that Outlook exports
// and imports, in every flavour met in practice: Outlook desktop's 92
// columns (2010 and later), the older 2000/2003 layout ("Business Country",
// one "PO Box"), Outlook.com's 61 columns, and Google Contacts CSV (current
// "E-mail 1 - Value" form with " ::: " multi-values, and the legacy form),
// with headers in English, German, French or Spanish.
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
// short row come back as empty cells).
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
//     for German, DD/MM/YYYY for French and Spanish). All-zero dates
//     ("0/0/00", "0.0.00") are empty. A birthday without a year ("--MM-DD")
//     is written with the year 1604, which Outlook and Exchange use for that.
//   - The sync key: the key column (Options.KeyColumn, default "User 4")
//     becomes Contact.Key only when it starts with "contactsync:"; any other
//     value there is the user's and stays in Extra.
//   - Outlook CSV has no modification time; Contact.Modified stays zero.
//   - Reading decodes a UTF-8 or UTF-16 BOM, else valid UTF-8, else
//     Windows-1252 or the forced code page (Options.Encoding). The delimiter
//     (',', ';' or tab) is the most frequent one in the header line outside
//     quotes. Writing uses CRLF, quotes every non-empty cell as Outlook does,
//     and picks Windows-1252 when every character fits, else UTF-8 with BOM.
//   - No spreadsheet formula neutralisation (DESIGN §10) is done here:
//     Outlook's import would keep a "'" prefix as part of the value, so
//     values are written exactly as they are.
package outlookcsv
