package outlookcsv

import (
	"fmt"
	"strings"
)

// sample builds an Outlook export of n contacts in the layout of locale loc,
// with the awkward values real exports have: non-ASCII names, multi-line
// notes with quotes and commas, streets over several columns and inside one,
// empty dates "0/0/00", Outlook's own Unspecified/Normal/False, a sync key on
// some contacts and the user's own data in User 4 on others. extra adds
// characters outside Windows-1252 when true.
func sample(loc string, n int, extra string) string {
	header := freshHeader(loc)
	date := map[string]string{"en": "%d/%d/%d", "de": "%[2]d.%[1]d.%[3]d", "fr": "%02[2]d/%02[1]d/%[3]d", "es": "%02[2]d/%02[1]d/%[3]d"}[loc]
	zero := map[string]string{"en": "0/0/00", "de": "0.0.00", "fr": "00/00/00", "es": "00/00/00"}[loc]
	var b strings.Builder
	cw := cellWriter{w: nil, delim: ','}
	_ = cw
	q := func(s string) string {
		if s == "" {
			return ""
		}
		return `"` + strings.ReplaceAll(strings.ReplaceAll(s, `"`, `""`), "\n", "\r\n") + `"`
	}
	for i, h := range header {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(q(h))
	}
	b.WriteString("\r\n")
	firsts := []string{"Zoë", "José", "Øster", "Anne-Marie", "François", "Jürgen"}
	for k := 0; k < n; k++ {
		cells := map[string]string{
			"First Name": firsts[k%len(firsts)] + extra, "Last Name": fmt.Sprintf("Núñez %d", k), "Company": "Acme, Inc.",
			"Job Title": "Head of \"Things\"", "E-mail Address": fmt.Sprintf("p%d@example.com", k), "E-mail Type": "SMTP",
			"E-mail Display Name": fmt.Sprintf("P %d (p%d@example.com)", k, k), "Business Phone": "+1 (555) 010-0000",
			"Mobile Phone": "+44 7700 900123", "Gender": "Unspecified", "Priority": "Normal", "Sensitivity": "Normal",
			"Private": "False", "Anniversary": zero, "Birthday": zero, "Initials": "Z.N.", "Categories": "Kunden;VIP",
			"Notes": "Line one, with comma\nLine \"two\"\n\nafter an empty line", "Business City": "Zürich",
			"Business Street": "Bahnhofstr. 1", "Business Street 2": "c/o Müller", "Web Page": "https://example.com/ä",
		}
		switch k % 5 {
		case 0:
			cells["User 4"] = fmt.Sprintf("contactsync:%d", k)
			cells["Birthday"] = fmt.Sprintf(date, 3, 14, 1970)
		case 1:
			cells["User 4"] = "my own note"
			cells["Home Street"] = "Hauptstraße 5\nHinterhaus" // one cell, two lines
			cells["Home Street 3"] = ""
		case 2:
			cells["Other Street 3"] = "only the third line"
			cells["Categories"] = "a; b" // Outlook style with a blank
		case 3:
			cells["Birthday"] = ""
			cells["Business Street 3"] = "Floor 3"
		case 4:
			cells["E-mail 2 Address"] = "second@example.org"
			cells["E-mail 3 Address"] = "third@example.net"
			cells["Home Phone"] = "=1+1" // kept as is: no formula neutralising
		}
		for i, c := range locales[loc].order {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(q(cells[englishColumns[c]]))
		}
		b.WriteString("\r\n")
	}
	return b.String()
}
