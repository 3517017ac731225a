package outlookcsv

import (
	"strings"

	"contactsync/engine/contact"
)

// englishColumns are the 92 columns of Outlook 2010 and later, in the order
// Outlook writes them in English (formats.md §2.1), followed by columns that
// other Outlook flavours write (Outlook.com, Outlook 2000/2003). A column's
// index here is its identity: every localized name resolves to one.
var englishColumns = []string{
	"Title", "First Name", "Middle Name", "Last Name", "Suffix", "Company", "Department", "Job Title",
	"Business Street", "Business Street 2", "Business Street 3", "Business City", "Business State", "Business Postal Code", "Business Country/Region",
	"Home Street", "Home Street 2", "Home Street 3", "Home City", "Home State", "Home Postal Code", "Home Country/Region",
	"Other Street", "Other Street 2", "Other Street 3", "Other City", "Other State", "Other Postal Code", "Other Country/Region",
	"Assistant's Phone", "Business Fax", "Business Phone", "Business Phone 2", "Callback", "Car Phone", "Company Main Phone", "Home Fax", "Home Phone", "Home Phone 2", "ISDN", "Mobile Phone", "Other Fax", "Other Phone", "Pager", "Primary Phone", "Radio Phone", "TTY/TDD Phone", "Telex",
	"Account", "Anniversary", "Assistant's Name", "Billing Information", "Birthday", "Business Address PO Box", "Categories", "Children", "Directory Server",
	"E-mail Address", "E-mail Type", "E-mail Display Name", "E-mail 2 Address", "E-mail 2 Type", "E-mail 2 Display Name", "E-mail 3 Address", "E-mail 3 Type", "E-mail 3 Display Name",
	"Gender", "Government ID Number", "Hobby", "Home Address PO Box", "Initials", "Internet Free Busy", "Keywords", "Language", "Location", "Manager's Name", "Mileage", "Notes", "Office Location", "Organizational ID Number", "Other Address PO Box", "Priority", "Private", "Profession", "Referred By", "Sensitivity", "Spouse", "User 1", "User 2", "User 3", "User 4", "Web Page",
	// Known beyond the 92: Outlook.com and Outlook 2000/2003. Kept in Extra.
	"Nickname", "Given Yomi", "Surname Yomi", "Company Yomi", "IMAddress", "Personal Web Page", "Schools", "PO Box",
	// Thunderbird's birthday, one date in three columns (dialects.go).
	"Birth Year", "Birth Month", "Birth Day",
}

// numDesktop is the number of columns of a current Outlook desktop export.
const numDesktop = 92

// colOf returns the index of an English column name; it panics on a typo,
// which the package's tests would catch at init.
func colOf(name string) int {
	for i, n := range englishColumns {
		if n == name {
			return i
		}
	}
	panic("outlookcsv: unknown English column " + name)
}

// streetCols lists, per address kind, the three street columns.
var streetCols = [3][3]int{
	{colOf("Business Street"), colOf("Business Street 2"), colOf("Business Street 3")},
	{colOf("Home Street"), colOf("Home Street 2"), colOf("Home Street 3")},
	{colOf("Other Street"), colOf("Other Street 2"), colOf("Other Street 3")},
}

var streetFields = [3]contact.Field{contact.BusinessStreet, contact.HomeStreet, contact.OtherStreet}

var (
	colBirthday   = colOf("Birthday")
	colCategories = colOf("Categories")
	colTitle      = colOf("Title")
	colJobTitle   = colOf("Job Title")
)

// simpleFields maps the English columns whose cell is the field's value as is.
var simpleFields = map[string]contact.Field{
	"Title": contact.Prefix, "First Name": contact.First, "Middle Name": contact.Middle,
	"Last Name": contact.Last, "Suffix": contact.Suffix, "Company": contact.Company,
	"Department": contact.Department, "Job Title": contact.JobTitle,
	"E-mail Address": contact.Email1, "E-mail 2 Address": contact.Email2, "E-mail 3 Address": contact.Email3,
	"Business Phone": contact.PhoneBusiness, "Business Phone 2": contact.PhoneBusiness2,
	"Mobile Phone": contact.PhoneMobile, "Home Phone": contact.PhoneHome, "Home Phone 2": contact.PhoneHome2,
	"Business Fax": contact.PhoneFaxBusiness, "Home Fax": contact.PhoneFaxHome, "Other Phone": contact.PhoneOther,
	"Pager": contact.PhonePager, "Assistant's Phone": contact.PhoneAssistant, "Company Main Phone": contact.PhoneCompanyMain,
	"Business City": contact.BusinessCity, "Business State": contact.BusinessState,
	"Business Postal Code": contact.BusinessPostalCode, "Business Country/Region": contact.BusinessCountry,
	"Home City": contact.HomeCity, "Home State": contact.HomeState,
	"Home Postal Code": contact.HomePostalCode, "Home Country/Region": contact.HomeCountry,
	"Other City": contact.OtherCity, "Other State": contact.OtherState,
	"Other Postal Code": contact.OtherPostalCode, "Other Country/Region": contact.OtherCountry,
	"Web Page": contact.WebPage, "Notes": contact.Notes,
}

// colField is simpleFields by column index; -1 for columns that are not simple.
var colField = func() []contact.Field {
	fs := make([]contact.Field, len(englishColumns))
	for i, n := range englishColumns {
		fs[i] = -1
		if f, ok := simpleFields[n]; ok {
			fs[i] = f
		}
	}
	return fs
}()

// fieldCol is the English column that holds each canonical field in an
// Outlook layout (streets: the first street column).
var fieldCol = func() [contact.NumFields]int {
	var fc [contact.NumFields]int
	for i := range fc {
		fc[i] = -1
	}
	for i, f := range colField {
		if f >= 0 {
			fc[f] = i
		}
	}
	for k, f := range streetFields {
		fc[f] = streetCols[k][0]
	}
	fc[contact.Birthday] = colBirthday
	fc[contact.Categories] = colCategories
	return fc
}()

// A locale is one Outlook UI language: the header names it writes and the
// order of a fresh export.
type locale struct {
	name    string
	names   []string       // localized name per English column index (first numDesktop)
	order   []int          // column order of a fresh export, as English indices
	aliases map[string]int // other names seen for the same columns (older versions)
	lookup  map[string][]int
}

// germanNames, frenchNames and spanishNames are indexed like englishColumns.
// German is taken from a real Outlook 2013 export (tine20 importtest_outlook2013.csv)
// with the names of Exchange's importer as aliases; French from Exchange's
// importer map and a public French exporter; Spanish from Exchange's importer
// map, which keeps many English labels. Six Spanish names that the map lacks
// (Directory Server, Keywords, Language, Organizational ID Number, Private,
// Referred By) are translations of our own and UNCONFIRMED.
var germanNames = []string{
	"Anrede", "Vorname", "Weitere Vornamen", "Nachname", "Suffix", "Firma", "Abteilung", "Position",
	"Straße geschäftlich", "Straße geschäftlich 2", "Straße geschäftlich 3", "Ort geschäftlich", "Region geschäftlich", "Postleitzahl geschäftlich", "Land/Region geschäftlich",
	"Straße privat", "Straße privat 2", "Straße privat 3", "Ort privat", "Bundesland/Kanton privat", "Postleitzahl privat", "Land/Region privat",
	"Weitere Straße", "Weitere Straße 2", "Weitere Straße 3", "Weiterer Ort", "Weiteres/r Bundesland/Kanton", "Weitere Postleitzahl", "Weiteres/e Land/Region",
	"Telefon Assistent", "Fax geschäftlich", "Telefon geschäftlich", "Telefon geschäftlich 2", "Rückmeldung", "Autotelefon", "Telefon Firma", "Fax privat", "Telefon (privat)", "Telefon (privat 2)", "ISDN", "Mobiltelefon", "Weiteres Fax", "Weiteres Telefon", "Pager", "Haupttelefon", "Mobiltelefon 2", "Telefon für Hörbehinderte", "Telex",
	"Konto", "Jahrestag", "Assistent(in)", "Abrechnungsinformation", "Geburtstag", "Postfach geschäftlich", "Kategorien", "Kinder", "Verzeichnisserver",
	"E-Mail-Adresse", "E-Mail-Typ", "E-Mail: Angezeigter Name", "E-Mail 2: Adresse", "E-Mail 2: Typ", "E-Mail 2: Angezeigter Name", "E-Mail 3: Adresse", "E-Mail 3: Typ", "E-Mail 3: Angezeigter Name",
	"Geschlecht", "Sozialversicherungsnr.", "Hobby", "Postfach privat", "Initialen", "Internet Frei/Gebucht", "Stichwörter", "Sprache", "Ort", "Name des/r Vorgesetzten", "Reisekilometer", "Notizen", "Büro", "Organisationsnr.", "Weiteres Postfach", "Priorität", "Privat", "Beruf", "Empfohlen von", "Vertraulichkeit", "Partner", "Benutzer 1", "Benutzer 2", "Benutzer 3", "Benutzer 4", "Webseite",
}

var frenchNames = []string{
	"Titre", "Prénom", "Deuxième prénom", "Nom", "Suffixe", "Société", "Service", "Titre",
	"Rue (bureau)", "Rue (bureau) 2", "Rue (bureau) 3", "Ville (bureau)", "Dép/Région (bureau)", "Code postal (bureau)", "Pays/Région (bureau)",
	"Rue (domicile)", "Rue (domicile) 2", "Rue (domicile) 3", "Ville (domicile)", "Dép/Région (domicile)", "Code postal (domicile)", "Pays/Région (domicile)",
	"Rue (autre)", "Rue (autre) 2", "Rue (autre) 3", "Ville (autre)", "Dép/Région (autre)", "Code postal (autre)", "Pays/Région (autre)",
	"Téléphone de l'assistant(e)", "Télécopie (bureau)", "Téléphone (bureau)", "Téléphone 2 (bureau)", "Rappel", "Téléphone (voiture)", "Téléphone société", "Télécopie (domicile)", "Téléphone (domicile)", "Téléphone 2 (domicile)", "RNIS", "Tél. mobile", "Télécopie (autre)", "Téléphone (autre)", "Récepteur de radiomessagerie", "Téléphone principal", "Radio téléphone", "Téléphone TDD/TTY", "Télex",
	"Compte", "Anniversaire de mariage ou fête", "Nom de l'assistant(e)", "Informations facturation", "Anniversaire", "B.P. professionnelle", "Catégories", "Enfants", "Serveur d'annuaire",
	"Adresse de messagerie", "Type de messagerie", "Nom complet de l'adresse de messagerie", "Adresse de messagerie 2", "Type de messagerie 2", "Nom complet de l'adresse de messagerie 2", "Adresse de messagerie 3", "Type de messagerie 3", "Nom complet de l'adresse de messagerie 3",
	"Sexe", "Code gouvernement", "Passe-temps", "Boîte postale du domicile", "Initiales", "Disponibilité Internet", "Mots clés", "Langue", "Emplacement", "Responsable", "Kilométrage", "Notes", "Bureau", "Numéro d'identification de l'organisation", "Autre boîte postale", "Priorité", "Privé", "Profession", "Recommandé par", "Critère de diffusion", "Conjoint(e)", "Utilisateur 1", "Utilisateur 2", "Utilisateur 3", "Utilisateur 4", "Page Web",
}

var spanishNames = []string{
	"Title", "Nombre", "Segundo nombre", "Apellidos", "Suffix", "Organización", "Department", "Puesto",
	"Calle del trabajo", "Calle del trabajo 2", "Calle del trabajo 3", "Ciudad de trabajo", "Provincia o estado de trabajo", "Código postal del trabajo", "País o región del trabajo",
	"Home Street", "Home Street 2", "Home Street 3", "Home City", "Home State", "Home Postal Code", "País o región del domicilio",
	"Otra calle", "Otra calle 2", "Otra calle 3", "Otra ciudad", "Otra provincia o estado", "Otro código postal", "Otro país o región",
	"Assistant's Phone", "Business Fax", "Teléfono del trabajo", "Business Phone 2", "Devolución de llamada", "Car Phone", "Número de centralita de la organización", "Home Fax", "Particular", "Home Phone 2", "ISDN", "Mobile Phone", "Otro fax", "Otro teléfono", "Pager", "Teléfono principal", "Radioteléfono", "Número de teletipo", "Télex",
	"Account", "Anniversary", "Assistant's Name", "Facturación", "Birthday", "Apartado postal de la dirección del trabajo", "Categorías", "Hijos", "Servidor de directorio",
	"E-mail Address", "E-mail Type", "Nombre de pantalla de correo electrónico", "Dirección de correo electrónico 2", "Tipo de correo electrónico 2", "Nombre de pantalla de correo electrónico 2", "Dirección del correo electrónico 3", "Tipo de correo electrónico 3", "Nombre de pantalla de correo electrónico 3",
	"Género", "Government ID Number", "Aficiones", "Apartado postal de la dirección personal", "Initials", "Internet Free Busy", "Palabras clave", "Idioma", "Location", "Nombre del director", "Kilometraje", "Notes", "Office Location", "Número de identificación de la organización", "Otro apartado postal", "Prioridad", "Privado", "Profesión", "Remitido por", "Confidencialidad", "Spouse", "Usuario 1", "Usuario 2", "Usuario 3", "Usuario 4", "Página web",
}

// seq returns the English indices from..to (1-based, inclusive) in order.
func seq(from, to int) []int {
	var s []int
	for i := from; i <= to; i++ {
		s = append(s, i-1)
	}
	return s
}

func cat(parts ...[]int) []int {
	var s []int
	for _, p := range parts {
		s = append(s, p...)
	}
	return s
}

// one1 turns 1-based column numbers (as in formats.md §2.1) into indices.
func one1(ns ...int) []int {
	s := make([]int, len(ns))
	for i, n := range ns {
		s[i] = n - 1
	}
	return s
}

// Outlook writes the first 48 columns in form order and sorts the rest by
// their translated label, the nine e-mail columns staying together where
// the first one sorts. German follows the real Outlook 2013 export, French
// a public French export; the Spanish order is the same rule applied to the
// Spanish labels (UNCONFIRMED by a real export).
var (
	englishOrder = seq(1, numDesktop)
	germanOrder  = cat(seq(1, 48), one1(52, 51, 88, 89, 90, 91, 84, 79), seq(58, 66),
		one1(85, 53, 67, 69, 71, 72, 50, 55, 56, 49, 76, 78, 80, 75, 87, 54, 70, 82, 83, 77, 68, 74, 73, 86, 57, 92, 81))
	frenchOrder = cat(seq(1, 48), seq(58, 66),
		one1(53, 50, 81, 54, 70, 79, 55, 68, 49, 87, 86, 72, 75, 56, 52, 71, 77, 74, 73, 51, 78, 80, 92, 69, 82, 83, 84, 85, 76, 57, 67, 88, 89, 90, 91))
	spanishOrder = cat(seq(1, 48), one1(49, 69, 50, 54, 70, 51, 53, 55, 86), seq(58, 66),
		one1(52, 67, 68, 56, 74, 71, 72, 77, 75, 76, 78, 80, 79, 81, 92, 73, 82, 83, 84, 85, 57, 87, 88, 89, 90, 91))
)

var locales = map[string]*locale{
	"en": {name: "en", names: englishColumns[:numDesktop], order: englishOrder, aliases: map[string]int{
		"Business Country": colOf("Business Country/Region"), "Home Country": colOf("Home Country/Region"),
		"Other Country": colOf("Other Country/Region"), "E-mail": colOf("E-mail Address"),
		"E-mail 2": colOf("E-mail 2 Address"), "E-mail 3": colOf("E-mail 3 Address"),
	}},
	"de": {name: "de", names: germanNames, order: germanOrder, aliases: map[string]int{
		"Telefon privat": colOf("Home Phone"), "Telefon privat 2": colOf("Home Phone 2"),
		"Name Assistent": colOf("Assistant's Name"), "Name des/der Vorgesetzten": colOf("Manager's Name"),
		"Internet-Frei/Gebucht": colOf("Internet Free Busy"), "Regierungsnr.": colOf("Government ID Number"),
		"Land geschäftlich": colOf("Business Country/Region"), "Land privat": colOf("Home Country/Region"),
		"Weiteres Land": colOf("Other Country/Region"), "E-Mail-Anzeigename": colOf("E-mail Display Name"),
		"E-Mail 2: Anzeigename": colOf("E-mail 2 Display Name"), "E-Mail 3: Anzeigename": colOf("E-mail 3 Display Name"),
	}},
	"fr": {name: "fr", names: frenchNames, order: frenchOrder, aliases: map[string]int{
		"Pays (bureau)": colOf("Business Country/Region"), "Pays (domicile)": colOf("Home Country/Region"),
		"Pays (autre)": colOf("Other Country/Region"), "Département (bureau)": colOf("Business State"),
		"Département (domicile)": colOf("Home State"), "Département (autre)": colOf("Other State"),
		"Surnom": colOf("Nickname"),
	}},
	"es": {name: "es", names: spanishNames, order: spanishOrder, aliases: map[string]int{}},
	"it": {name: "it", names: italianNames, order: englishOrder, aliases: map[string]int{}},
	"nl": {name: "nl", names: dutchNames, order: dutchOrder, aliases: map[string]int{
		"Categorien": colOf("Categories"), "Priv": colOf("Private"),
	}},
	"pt": {name: "pt", names: portugueseNames, order: englishOrder, aliases: map[string]int{}},
}

// localeOrder is the order in which locales are tried; ties go to the first.
var localeOrder = []string{"en", "de", "fr", "es", "it", "nl", "pt"}

func init() {
	for _, l := range locales {
		if len(l.names) != numDesktop || len(l.order) != numDesktop {
			panic("outlookcsv: locale " + l.name + " has a wrong column count")
		}
		seen := make([]bool, numDesktop)
		for _, c := range l.order {
			if seen[c] {
				panic("outlookcsv: locale " + l.name + " order repeats a column")
			}
			seen[c] = true
		}
		l.lookup = map[string][]int{}
		for i, n := range l.names {
			if n == "" {
				continue // a column the locale's source does not name
			}
			k := fold(n)
			l.lookup[k] = append(l.lookup[k], i)
		}
		if l.name == "en" {
			for i := numDesktop; i < len(englishColumns); i++ {
				l.lookup[fold(englishColumns[i])] = []int{i}
			}
		}
		for n, i := range l.aliases {
			l.lookup[fold(n)] = append(l.lookup[fold(n)], i)
		}
	}
	en := locales["en"]
	for n, c := range otherNames {
		en.lookup[fold(n)] = append(en.lookup[fold(n)], colOf(c))
	}
}

// fold is the form of a header used to look it up: trimmed, case-folded.
func fold(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// columnName returns the name of English column c in locale loc.
func columnName(loc string, c int) string {
	l := locales[loc]
	if l == nil || c >= len(l.names) || l.names[c] == "" {
		return englishColumns[c]
	}
	return l.names[c]
}
