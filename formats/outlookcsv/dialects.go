package outlookcsv

// Headers of exports that are not Outlook desktop's own but use most of its
// columns under other names, and Outlook in more UI languages. Each table
// names its source; where the source lists only some columns, the others
// keep their English names (Outlook's importer maps those too).

// otherNames maps headers of other programs' CSV exports to the English
// Outlook column that holds the same thing. They are aliases of the English
// locale, so a file mixing them with Outlook's names reads column by column.
var otherNames = map[string]string{
	// Windows Live Mail / Outlook.com style and Roundcube/Atmail exports:
	// Roundcube's csv2vcard map (roundcube/roundcubemail,
	// program/localization/en_US/csv2vcard.inc, "Roundcube fields" and
	// "Atmail") and its test export tests/src/Csv2vcard/all.csv.
	"Email Home": "E-mail Address", "Email Work": "E-mail 2 Address", "Email Other": "E-mail 3 Address",
	"Email": "E-mail Address", "Home Mobile": "Mobile Phone", "Work Mobile": "Mobile Phone",
	"Home Zip": "Home Postal Code", "Work City": "Business City", "Work State": "Business State",
	"Work Zip": "Business Postal Code", "Work Country": "Business Country/Region", "Work Fax": "Business Fax",
	"Work Company": "Company", "Work Dept": "Department", "Work Title": "Job Title",
	"Website Home Page": "Web Page", "URL": "Web Page", "Date of Birth": "Birthday", "Info": "Notes",
	"Group": "Categories", "Groups": "Categories",
	// Outlook.com (live.com) export: "Given Name Yomi", "Family Name Yomi"
	// (michalbe/csv2vcard README, "Outlook CSV schema"). Windows Live
	// Mail's own export names the business web page apart from the
	// personal one, which Outlook.com's "Personal Web Page" already is.
	"Given Name Yomi": "Given Yomi", "Family Name Yomi": "Surname Yomi", "Business Web Page": "Web Page",
	// Thunderbird's address book export: Roundcube's map ("Thunderbird")
	// and its Thunderbird test export tests/src/Csv2vcard/tb_plain.csv.
	// Birth Year/Month/Day are one date (tbBirthday).
	"Primary Email": "E-mail Address", "Secondary Email": "E-mail 2 Address",
	"Work Phone": "Business Phone", "Fax Number": "Business Fax", "Pager Number": "Pager",
	"Mobile Number": "Mobile Phone", "Home Address": "Home Street", "Home Address 2": "Home Street 2",
	"Home ZipCode": "Home Postal Code", "Work Address": "Business Street", "Work Address 2": "Business Street 2",
	"Work ZipCode": "Business Postal Code", "Organization": "Company", "Web Page 1": "Web Page",
}

// tbBirthday are Thunderbird's three birthday columns, English column names
// beyond Outlook's (see englishColumns).
var tbBirthday = [3]string{"Birth Year", "Birth Month", "Birth Day"}

// dialectOf names the program that wrote a header from the names only it
// writes; "" leaves it to the Outlook rules.
func dialectOf(has map[string]bool) string {
	switch {
	case has["primary email"] || has["secondary email"] || has["birth year"] || has["work zipcode"] || has["home zipcode"]:
		return "thunderbird"
	case has["email home"] || has["email work"] || has["home mobile"] || has["work zip"] || has["website home page"]:
		return "windows-live-mail"
	}
	return ""
}

// byEnglish turns a table of English column name → localized name into a
// names slice indexed like englishColumns (first numDesktop); columns the
// table lacks are "" (looked up by their English name only).
func byEnglish(m map[string]string) []string {
	out := make([]string, numDesktop)
	for en, n := range m {
		out[colOf(en)] = n
	}
	return out
}

// italianNames: Outlook in Italian, from Roundcube's Italian map of Outlook
// 2010's export labels (roundcube/roundcubemail,
// program/localization/it_IT/csv2vcard.inc). It lists 50 of the 92 columns.
var italianNames = byEnglish(map[string]string{
	"Anniversary": "Anniversario", "Assistant's Name": "Nome dell'assistente", "Assistant's Phone": "Telefono dell'assistente",
	"Birthday": "Compleanno", "Business City": "Città di lavoro", "Business Country/Region": "Nazione/Regione di lavoro",
	"Business Fax": "Fax di Lavoro", "Business Phone": "Telefono di Lavoro", "Business Phone 2": "Telefono di Lavoro 2",
	"Business Postal Code": "CAP di Lavoro", "Business State": "Provincia di lavoro", "Business Street": "Indirizzo di lavoro",
	"Car Phone": "Telefono dell'Auto", "Categories": "Categorie", "Company": "Società", "Department": "Reparto",
	"E-mail Address": "Indirizzo E-mail", "E-mail 2 Address": "Indirizzo E-mail 2", "E-mail 3 Address": "Indirizzo E-mail 3",
	"First Name": "Nome", "Gender": "Genere", "Home City": "Città di residenza", "Home Country/Region": "Nazione/Regione di casa",
	"Home Fax": "Fax di casa", "Home Phone": "Telefono di casa", "Home Phone 2": "Telefono di casa 2",
	"Home Postal Code": "CAP di casa", "Home State": "Provincia di residenza", "Home Street": "Indirizzo di casa",
	"Job Title": "Qualifica", "Last Name": "Cognome", "Manager's Name": "Nome del Responsabile", "Middle Name": "Secondo Nome",
	"Mobile Phone": "Telefono Mobile", "Notes": "Note", "Other City": "Città Altro", "Other Country/Region": "Nazione/Regione Altro",
	"Other Fax": "Fax Altro", "Other Phone": "Phone Altro", "Other Postal Code": "CAP Postale Altro", "Other State": "Stato Altro",
	"Other Street": "Via Altro", "Pager": "Numero cercapersone", "Primary Phone": "Telefono Principale", "Spouse": "Coniuge",
	"Suffix": "Suffisso", "Title": "Titolo", "Web Page": "Pagina Web",
})

// portugueseNames: Outlook in (Brazilian) Portuguese, from Roundcube's
// pt_BR map (roundcube/roundcubemail, program/localization/pt_BR/csv2vcard.inc).
// "Aniversário" is there for both Anniversary and Birthday; Birthday is
// what a contacts export fills, and what Roundcube's map ends with.
var portugueseNames = byEnglish(map[string]string{
	"Assistant's Name": "Nome do Assistente", "Assistant's Phone": "Fone do Assistente", "Birthday": "Aniversário",
	"Business City": "Cidade comercial", "Business Country/Region": "Região/País comercial", "Business Fax": "Fax comercial",
	"Business Phone": "Fone comercial", "Business Phone 2": "Fone comercial 2", "Business Postal Code": "Código postal comercial",
	"Business State": "Estado comercial", "Business Street": "Rua comercial", "Car Phone": "Fone do carro",
	"Categories": "Categorias", "Company": "Empresa", "Department": "Departamento",
	"E-mail Address": "Endereço de E-mail", "E-mail 2 Address": "Endereço de E-mail 2", "E-mail 3 Address": "Endereço de E-mail 3",
	"First Name": "Primeiro nome", "Gender": "Gênero", "Home City": "Cidade de casa", "Home Country/Region": "Região/País de casa",
	"Home Fax": "Fax de casa", "Home Phone": "Fone de casa", "Home Phone 2": "Fone de casa 2",
	"Home Postal Code": "Código Postal de casa", "Home State": "Estado de casa", "Home Street": "Rua de casa",
	"Job Title": "Cargo", "Last Name": "Último nome", "Manager's Name": "Nome do gerente", "Middle Name": "Nome do meio",
	"Mobile Phone": "Celular", "Notes": "Notas", "Other City": "Outra cidade", "Other Country/Region": "Outro País/Região",
	"Other Fax": "Outro Fax", "Other Phone": "Outro Fone", "Other Postal Code": "Outro Código Postal", "Other State": "Outro Estado",
	"Other Street": "Outra Rua", "Pager": "Pager", "Primary Phone": "Fone Primario", "Suffix": "Sufixo", "Title": "Título",
	"Web Page": "Página Web",
})

// dutchNames: Outlook in Dutch, all 92 columns in export order, from the
// Dutch Outlook export header in Open-Xchange's CSV importer test
// (open-xchange/appsuite-middleware, CSVContactImporterTest.java). There
// "Categorien" and "Priv" have lost their "ë" and "é"; the names here are
// spelled as Outlook shows them, the test's spellings are aliases.
var dutchNames = []string{
	"Titel", "Voornaam", "Middelste naam", "Achternaam", "Achtervoegsel", "Bedrijf", "Afdeling", "Functie",
	"Werkadres, straat", "Werkadres 2, straat", "Werkadres 3, straat", "Werkadres, plaats", "Werkadres, provincie", "Werkadres, postcode", "Land/regio (werk)",
	"Huisadres, straat", "Huisadres, straat 2", "Huisadres, straat 3", "Huisadres, plaats", "Huisadres, provincie", "Huisadres, postcode", "Land/regio (thuis)",
	"Ander adres, straat", "Ander adres, straat 2", "Ander adres, straat 3", "Ander adres, plaats", "Ander adres, provincie", "Ander adres, postcode", "Land/regio (anders)",
	"Telefoon assistent", "Fax op werk", "Telefoon op werk", "Telefoon op werk 2", "Terugbellen", "Autotelefoon", "Hoofdtelefoon bedrijf", "Fax thuis", "Telefoon thuis", "Telefoon thuis 2", "ISDN", "Mobiele telefoon", "Andere fax", "Andere telefoon", "Pager", "Hoofdtelefoon", "Radiotelefoon", "Teksttelefoon", "Telex",
	"Account", "Speciale datum", "Naam assistent", "Factuurinformatie", "Verjaardag", "Werkadres, postbusnummer", "Categorieën", "Kinderen", "Adreslijstserver",
	"E-mailadres", "E-mailtype", "Weergavenaam voor e-mail", "E-mailadres 2", "E-mailtype 2", "E-mail, weergegeven naam 2", "E-mailadres 3", "E-mailtype 3", "E-mail, weergegeven naam 3",
	"Geslacht", "Sofinummer", "Hobby's", "Huisadres, postbusnummer", "Initialen", "Internet Beschikbaarheidsinfo", "Trefwoorden", "Taal", "Locatie", "Naam manager", "Reisafstand", "Notities", "Kantoorlocatie", "Organisatie-id", "Ander adres, postbusnummer", "Prioriteit", "Privé", "Beroep", "Referentie van", "Gevoeligheid", "Partner", "Gebruiker 1", "Gebruiker 2", "Gebruiker 3", "Gebruiker 4", "Webpagina",
}

// dutchOrder is the order of that export (English 1-based column numbers
// after the first 48): sorted by the Dutch labels, e-mails together.
var dutchOrder = cat(seq(1, 48), one1(49, 57, 81, 84, 55), seq(58, 66),
	one1(52, 88, 89, 90, 91, 67, 86, 69, 70, 71, 72, 79, 56, 75, 51, 76, 78, 80, 87, 82, 83, 85, 77, 68, 50, 74, 73, 53, 92, 54))
