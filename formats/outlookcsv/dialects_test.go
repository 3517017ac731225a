package outlookcsv

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"contactsync/engine/contact"
	"contactsync/formats"
)

// Each dialect is read from a file with its own header: the header line is
// the one of the cited real export (or of the program's documented
// labels), the data row is ours.
func TestDialects(t *testing.T) {
	tests := []struct {
		name, source    string
		header, row     string
		dialect, locale string
		want            map[contact.Field]string
	}{
		{
			name:   "Windows Live Mail / Roundcube style",
			source: "roundcube/roundcubemail tests/src/Csv2vcard/all.csv (header line) and program/localization/en_US/csv2vcard.inc",
			header: "Display Name,Title,First Name,Middle Name,Last Name,Suffix,Nickname,Company,Department,Job Title,Email Home,Email Work,Email Other,Home Phone,Home Phone 2,Business Phone,Business Phone 2,Home Mobile,Primary Phone,Home Fax,Business Fax,Car Phone,Pager,Phone Video,Assistant's Phone,Other Phone,Home Street,Home City,Home State,Home Zip,Home Country,Business Street,Work City,Work State,Work Zip,Work Country,Other Street,Other City,Other State,Other Postal Code,Other Country/Region,Gender,Birthday,Maiden Name,Anniversary,Manager's Name,Assistant's Name,Spouse,Notes,IM Aim,IM Icq,IM Jabber,IM Msn,IM Skype,IM Yahoo,Website Blog,Website Home Page,Website Other,Website Profile,Website Work,Categories",
			row: csvLine(strings.Split("Display Name,Title,First Name,Middle Name,Last Name,Suffix,Nickname,Company,Department,Job Title,Email Home,Email Work,Email Other,Home Phone,Home Phone 2,Business Phone,Business Phone 2,Home Mobile,Primary Phone,Home Fax,Business Fax,Car Phone,Pager,Phone Video,Assistant's Phone,Other Phone,Home Street,Home City,Home State,Home Zip,Home Country,Business Street,Work City,Work State,Work Zip,Work Country,Other Street,Other City,Other State,Other Postal Code,Other Country/Region,Gender,Birthday,Maiden Name,Anniversary,Manager's Name,Assistant's Name,Spouse,Notes,IM Aim,IM Icq,IM Jabber,IM Msn,IM Skype,IM Yahoo,Website Blog,Website Home Page,Website Other,Website Profile,Website Work,Categories", ","), map[string]string{"Display Name": "Ann Lee", "Title": "Dr.", "First Name": "Ann",
				"Last Name": "Lee", "Company": "Acme", "Email Home": "ann@home.example", "Email Work": "ann@acme.example", "Email Other": "ann@other.example",
				"Home Phone": "+1 100", "Business Phone": "+1 300", "Home Mobile": "+1 500", "Business Fax": "+1 800", "Home Street": "1 Home Rd",
				"Home Zip": "11111", "Business Street": "2 Work St", "Work City": "Worktown", "Work State": "WS", "Work Zip": "22222",
				"Work Country": "Workland", "Website Home Page": "https://ann.example", "Categories": "x"}),
			dialect: "windows-live-mail", locale: "en",
			want: map[contact.Field]string{contact.Email1: "ann@home.example", contact.Email2: "ann@acme.example", contact.Email3: "ann@other.example",
				contact.PhoneMobile: "+1 500", contact.PhoneBusiness: "+1 300", contact.HomePostalCode: "11111", contact.BusinessCity: "Worktown",
				contact.BusinessState: "WS", contact.BusinessPostalCode: "22222", contact.BusinessCountry: "Workland", contact.WebPage: "https://ann.example",
				contact.BusinessStreet: "2 Work St", contact.Prefix: "Dr."},
		},
		{
			name:    "Thunderbird",
			source:  "roundcube/roundcubemail tests/src/Csv2vcard/tb_plain.csv (a Thunderbird export's header, trailing empty column included)",
			header:  "First Name,Last Name,Display Name,Nickname,Primary Email,Secondary Email,Screen Name,Work Phone,Home Phone,Fax Number,Pager Number,Mobile Number,Home Address,Home Address 2,Home City,Home State,Home ZipCode,Home Country,Work Address,Work Address 2,Work City,Work State,Work ZipCode,Work Country,Job Title,Department,Organization,Web Page 1,Web Page 2,Birth Year,Birth Month,Birth Day,Custom 1,Custom 2,Custom 3,Custom 4,Notes,",
			row:     "Bo,Berg,Bo Berg,Bobo,bo@home.example,bo@work.example,,+46 1,+46 2,+46 3,+46 4,+46 5,Storgatan 1,Lgh 2,Lund,Skåne,22222,Sweden,Verkstadsv 9,,Malmö,Skåne,21111,Sweden,Engineer,R&D,Berg AB,https://berg.example,https://bo.example,1970,11,5,,,,,a note,",
			dialect: "thunderbird", locale: "en",
			want: map[contact.Field]string{contact.First: "Bo", contact.Last: "Berg", contact.Email1: "bo@home.example", contact.Email2: "bo@work.example",
				contact.PhoneBusiness: "+46 1", contact.PhoneHome: "+46 2", contact.PhoneFaxBusiness: "+46 3", contact.PhonePager: "+46 4", contact.PhoneMobile: "+46 5",
				contact.HomeStreet: "Storgatan 1\nLgh 2", contact.HomePostalCode: "22222", contact.BusinessStreet: "Verkstadsv 9", contact.BusinessCity: "Malmö",
				contact.Company: "Berg AB", contact.JobTitle: "Engineer", contact.Department: "R&D", contact.WebPage: "https://berg.example",
				contact.Birthday: "1970-11-05", contact.Notes: "a note"},
		},
		{
			name:    "Google current",
			source:  "Google Contacts' \"Google CSV\" export header (Labels, \"E-mail 1 - Label\"), as written since 2020",
			header:  "First Name,Middle Name,Last Name,Phonetic First Name,Phonetic Middle Name,Phonetic Last Name,Name Prefix,Name Suffix,Nickname,File As,Organization Name,Organization Title,Organization Department,Birthday,Notes,Photo,Labels,E-mail 1 - Label,E-mail 1 - Value,Phone 1 - Label,Phone 1 - Value,Address 1 - Label,Address 1 - Formatted,Address 1 - Street,Address 1 - City,Address 1 - PO Box,Address 1 - Region,Address 1 - Postal Code,Address 1 - Country,Address 1 - Extended Address",
			row:     "Cy,,Doe,,,,,,,,Doe Inc,CTO,IT,1980-02-03,,,* myContacts,* Work,cy@doe.example ::: cy@home.example,Mobile,+1 9,Work,,9 Main St,Springfield,,IL,62701,USA,",
			dialect: "google", locale: "en",
			want: map[contact.Field]string{contact.First: "Cy", contact.Last: "Doe", contact.Company: "Doe Inc", contact.JobTitle: "CTO", contact.Department: "IT",
				contact.Email1: "cy@doe.example", contact.Email2: "cy@home.example", contact.PhoneMobile: "+1 9", contact.BusinessCity: "Springfield", contact.Birthday: "1980-02-03"},
		},
		{
			name:   "Outlook in Dutch",
			source: "the Dutch Outlook export header in open-xchange/appsuite-middleware's CSVContactImporterTest.java",
			header: csvLine(dutchNames, nil),
			row: csvLine(dutchNames, map[string]string{"Titel": "Dhr.", "Voornaam": "Jan", "Achternaam": "Jansen", "Bedrijf": "Bedrijf BV",
				"Afdeling": "Inkoop", "Functie": "Inkoper", "Werkadres, straat": "Kerkstraat 1", "Werkadres, plaats": "Utrecht",
				"Werkadres, postcode": "3511 AA", "Telefoon op werk": "+31 30 1", "Mobiele telefoon": "+31 6 1", "E-mailadres": "jan@bedrijf.example",
				"Geslacht": "Niet-gespecificeerd", "Prioriteit": "Normaal", "Privé": "Onwaar"}),
			dialect: "outlook", locale: "nl",
			want: map[contact.Field]string{contact.Prefix: "Dhr.", contact.First: "Jan", contact.Last: "Jansen", contact.Company: "Bedrijf BV", contact.JobTitle: "Inkoper",
				contact.BusinessStreet: "Kerkstraat 1", contact.BusinessCity: "Utrecht", contact.BusinessPostalCode: "3511 AA", contact.PhoneBusiness: "+31 30 1",
				contact.PhoneMobile: "+31 6 1", contact.Email1: "jan@bedrijf.example"},
		},
		{
			name:    "Outlook in Italian",
			source:  "Roundcube's map of Italian Outlook labels, program/localization/it_IT/csv2vcard.inc",
			header:  "Titolo,Nome,Secondo Nome,Cognome,Suffisso,Società,Reparto,Qualifica,Indirizzo di lavoro,Città di lavoro,Provincia di lavoro,CAP di Lavoro,Nazione/Regione di lavoro,Telefono di Lavoro,Telefono Mobile,Indirizzo E-mail,Indirizzo E-mail 2,Note",
			row:     "Dott.,Mario,,Rossi,,Rossi SpA,Vendite,Direttore,Via Roma 1,Milano,MI,20100,Italia,+39 02 1,+39 333 1,mario@rossi.example,m@casa.example,nota",
			dialect: "outlook", locale: "it",
			want: map[contact.Field]string{contact.Prefix: "Dott.", contact.First: "Mario", contact.Last: "Rossi", contact.Company: "Rossi SpA", contact.Department: "Vendite",
				contact.JobTitle: "Direttore", contact.BusinessStreet: "Via Roma 1", contact.BusinessCity: "Milano", contact.BusinessPostalCode: "20100",
				contact.PhoneBusiness: "+39 02 1", contact.PhoneMobile: "+39 333 1", contact.Email1: "mario@rossi.example", contact.Email2: "m@casa.example", contact.Notes: "nota"},
		},
		{
			name:    "Outlook in Portuguese",
			source:  "Roundcube's map of (Brazilian) Portuguese Outlook labels, program/localization/pt_BR/csv2vcard.inc",
			header:  "Título,Primeiro nome,Nome do meio,Último nome,Sufixo,Empresa,Departamento,Cargo,Rua comercial,Cidade comercial,Estado comercial,Código postal comercial,Região/País comercial,Fone comercial,Celular,Endereço de E-mail,Notas",
			row:     "Sr.,João,,Silva,,Silva Ltda,Vendas,Gerente,Av. Paulista 1,São Paulo,SP,01310-100,Brasil,+55 11 1,+55 11 9,joao@silva.example,obs",
			dialect: "outlook", locale: "pt",
			want: map[contact.Field]string{contact.Prefix: "Sr.", contact.First: "João", contact.Last: "Silva", contact.Company: "Silva Ltda", contact.JobTitle: "Gerente",
				contact.BusinessStreet: "Av. Paulista 1", contact.BusinessCity: "São Paulo", contact.BusinessPostalCode: "01310-100", contact.PhoneBusiness: "+55 11 1",
				contact.PhoneMobile: "+55 11 9", contact.Email1: "joao@silva.example", contact.Notes: "obs"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := tc.header + "\r\n" + tc.row + "\r\n"
			f, err := Read(strings.NewReader(src), "d.csv", Options{})
			if err != nil {
				t.Fatalf("Read (header from %s): %v", tc.source, err)
			}
			if f.Dialect != tc.dialect || f.Locale != tc.locale {
				t.Errorf("dialect %q locale %q, want %q %q", f.Dialect, f.Locale, tc.dialect, tc.locale)
			}
			if len(f.Contacts) != 1 {
				t.Fatalf("%d contacts", len(f.Contacts))
			}
			c := f.Contacts[0]
			for fl, w := range tc.want {
				if c.Values[fl] != w {
					t.Errorf("%s = %q, want %q", fl, c.Values[fl], w)
				}
			}
			// Written back in its own layout, the file reads the same.
			var out bytes.Buffer
			if _, err := Write(&out, f.Contacts, f, Options{}); err != nil {
				t.Fatal(err)
			}
			back, err := Read(bytes.NewReader(out.Bytes()), "back.csv", Options{})
			if err != nil {
				t.Fatal(err)
			}
			if back.Contacts[0].Values != c.Values {
				t.Errorf("round trip changed the values:\n got %q\nwant %q", back.Contacts[0].Values, c.Values)
			}
		})
	}
}

// TestGuessedColumns: a header the reader does not know as a whole is read
// column by column; a column whose name says e-mail (or mobile, fax,
// phone) is read as that, and the file says which columns were guessed.
func TestGuessedColumns(t *testing.T) {
	src := "First Name,Last Name,Courriel perso,E-Mail (work),Portable GSM,Telefax,Favourite colour\nAnn,Lee,ann@home.example,ann@work.example,+33 6,+33 1,blue\n"
	f, err := Read(strings.NewReader(src), "g.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := f.Contacts[0]
	for fl, w := range map[contact.Field]string{contact.Email1: "ann@home.example", contact.Email2: "ann@work.example", contact.PhoneMobile: "+33 6", contact.PhoneFaxBusiness: "+33 1"} {
		if c.Values[fl] != w {
			t.Errorf("%s = %q, want %q", fl, c.Values[fl], w)
		}
	}
	want := `"Courriel perso" as "E-mail Address", "E-Mail (work)" as "E-mail 2 Address", "Portable GSM" as "Mobile Phone", "Telefax" as "Business Fax"`
	if got := strings.Join(f.Guessed, ", "); got != want {
		t.Errorf("Guessed = %s\nwant %s", got, want)
	}
	if len(c.Extra) != 1 || c.Extra[0].Name != "Favourite colour" {
		t.Errorf("extra %+v: the unknown column must be kept", c.Extra)
	}
	found := false
	for _, w := range f.Warnings {
		found = found || w.Kind == formats.WarnColumn && strings.HasPrefix(w.Text, `g.csv:1:22: Courriel perso: unknown column read as "E-mail Address"`)
	}
	if !found {
		t.Errorf("no positioned warning for the guessed column: %q", f.Warnings)
	}
}

// csvLine is one CSV line with the given columns, each cell the value
// named by its header (empty when absent), quoted where CSV needs it.
func csvLine(header []string, values map[string]string) string {
	cells := make([]string, len(header))
	for i, h := range header {
		v := h
		if values != nil {
			v = values[h]
		}
		if strings.ContainsAny(v, ",\"\n") {
			v = `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
		}
		cells[i] = v
	}
	return strings.Join(cells, ",")
}

// TestDateOrderInferred: Roundcube's test export (tests/src/Csv2vcard/all.csv)
// writes "20/01/1991" under English headers, which M/D/YYYY cannot read:
// the order is inferred from every date of the file, used for all of them
// and for writing back, and reported. A file whose dates no order reads
// keeps the usual format and warns per cell.
func TestDateOrderInferred(t *testing.T) {
	src := "First Name,Birthday,Anniversary\nA,20/01/1991,20/02/1992\nB,03/04/1985,\nC,,1/12/2001\n"
	f, err := Read(strings.NewReader(src), "d.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if f.DateFormat != "DD/MM/YYYY" || !f.DateInferred {
		t.Errorf("date format %q inferred %v, want DD/MM/YYYY inferred", f.DateFormat, f.DateInferred)
	}
	if got := f.Contacts[0].Values[contact.Birthday] + " " + f.Contacts[1].Values[contact.Birthday]; got != "1991-01-20 1985-04-03" {
		t.Errorf("birthdays %q: the whole file must be read in the inferred order", got)
	}
	if len(f.Warnings) != 1 || f.Warnings[0].Kind != formats.WarnDateOrder || f.Warnings[0].Text != "d.csv:1: dates read as DD/MM/YYYY: the usual M/D/YYYY of the file's language cannot read them, this order reads every one" {
		t.Errorf("warnings %q: want the one that says the order was inferred", f.Warnings)
	}
	var out bytes.Buffer
	if _, err := Write(&out, f.Contacts, f, Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"20/01/1991"`) || !strings.Contains(out.String(), `"03/04/1985"`) {
		t.Errorf("written back:\n%s", out.String())
	}

	// The usual order reads it: nothing is inferred.
	f, _ = Read(strings.NewReader("First Name,Birthday\nA,1/20/1991\n"), "d.csv", Options{})
	if f.DateInferred || f.Contacts[0].Values[contact.Birthday] != "1991-01-20" {
		t.Errorf("M/D/YYYY file: inferred %v, %q", f.DateInferred, f.Contacts[0].Values[contact.Birthday])
	}
	// A format the user gives is not second-guessed: a date it cannot read
	// is an error (TestDateColumnNoOrderReads).
	f, _ = Read(strings.NewReader("First Name,Birthday\nA,1/20/1991\n"), "d.csv", Options{DateFormat: "M/D/YYYY"})
	if f.DateInferred || len(f.Warnings) != 0 || f.Contacts[0].Values[contact.Birthday] != "1991-01-20" {
		t.Errorf("forced format: inferred %v, warnings %q", f.DateInferred, f.Warnings)
	}
}

// TestDateColumnNoOrderReads: a cell written as a date that no order
// reading the column reads is an error at its position, naming the column
// and the orders tried; with a lenient read its record is set aside and
// the others are read. A cell that is not written as a date at all (free
// text in Birthday) is kept with a warning and does not stop inference.
func TestDateColumnNoOrderReads(t *testing.T) {
	errCases := []struct {
		name, in string
		opt      Options
		want     string
	}{
		{"no order reads the cell", "First Name,Birthday\nA,20/01/1991\nB,13/45/1999\n", Options{},
			`d.csv:3:3: Birthday: cannot read "13/45/1999" as a date in any order (tried day-month-year, month-day-year and year-month-day)`},
		{"no order reads both", "First Name,Birthday\nA,13/20/1991\nB,20/13/1991\n", Options{},
			`d.csv:2:3: Birthday: cannot read "13/20/1991" as a date in any order (tried day-month-year, month-day-year and year-month-day)`},
		// M/D/YYYY reads 01/20 and 03/04, D/M/YYYY reads 20/01 and 03/04:
		// on a tie the language's usual order is kept, and 20/01 is the error.
		{"orders disagree", "First Name,Last Name,Birthday\nA,Lee,01/20/1991\nÄ,Öz,20/01/1991\nC,,03/04/1985\n", Options{},
			`d.csv:3:6: Birthday: cannot read "20/01/1991" as a date in the form M/D/YYYY, the order that reads most of the column's dates: only day-month-year reads it, and no order reads every date of the column (tried day-month-year, month-day-year and year-month-day)`},
		{"the user's format", "First Name,Birthday\nA,20/01/1991\n", Options{DateFormat: "M/D/YYYY"},
			`d.csv:2:3: Birthday: cannot read "20/01/1991" as a date in the form M/D/YYYY given by --date-format`},
		{"German", "Vorname;Geburtstag\nA;1.2.1980\nB;31.31.1980\n", Options{},
			`d.csv:3:3: Geburtstag: cannot read "31.31.1980" as a date in any order (tried day-month-year, month-day-year and year-month-day)`},
	}
	for _, c := range errCases {
		_, err := Read(strings.NewReader(c.in), "d.csv", c.opt)
		var pe *formats.ParseError
		if !errors.As(err, &pe) || err.Error() != c.want {
			t.Errorf("%s: error %v\nwant %s", c.name, err, c.want)
		}
		// Lenient: the record is set aside, the others are read.
		p := writeTemp(t, "d.csv", []byte(c.in))
		f, rejected, err := ReadFileLenient(p, c.opt)
		if err != nil {
			t.Fatalf("%s: lenient: %v", c.name, err)
		}
		n := strings.Count(c.in, "\n") - 1
		if len(rejected) == 0 || len(f.Contacts)+len(rejected) != n {
			t.Errorf("%s: lenient: %d contacts, rejected %v; want the %d records split", c.name, len(f.Contacts), rejected, n)
		} else if want := strings.Replace(c.want, "d.csv", p, 1); rejected[0].Error() != want {
			t.Errorf("%s: lenient: first rejected %v, want %s", c.name, rejected[0], want)
		}
		for _, r := range rejected {
			for _, ct := range f.Contacts {
				if ct.Line == r.Line {
					t.Errorf("%s: record on line %d both read and set aside", c.name, r.Line)
				}
			}
		}
		if list := Validate(p, c.opt); len(list) == 0 || list[0].Error() != rejected[0].Error() {
			t.Errorf("%s: Validate %v", c.name, list)
		}
	}

	// Free text in a date column is not a date: kept as is with a warning,
	// and the other cells still decide the order.
	src := "First Name,Birthday\nA,unknown\nB,20/01/1991\nC,ask Bob (spring)\nD,20/01\n"
	f, err := Read(strings.NewReader(src), "d.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !f.DateInferred || f.DateFormat != "DD/MM/YYYY" || len(f.Contacts) != 4 || f.Contacts[1].Values[contact.Birthday] != "1991-01-20" {
		t.Errorf("free text: format %q inferred %v, %d contacts", f.DateFormat, f.DateInferred, len(f.Contacts))
	}
	if v, _ := f.Contacts[0].ExtraValue("Birthday"); v != "unknown" {
		t.Errorf("free text not kept: %q", v)
	}
	if len(f.Warnings) != 4 || f.Warnings[0].Text != `d.csv:2:3: Birthday: "unknown" is not written as a date (a day, a month and a year in digits); kept as is` {
		t.Errorf("free text warnings %q", f.Warnings)
	}
	// Validate lists it as a warning (read as shown), not a problem.
	if list := Validate(writeTemp(t, "t.csv", []byte(src)), Options{}); len(list) != 0 {
		t.Errorf("free text: Validate problems %v", list)
	}
}
