package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestDuplicatesDistinctAndPlanted writes an Outlook CSV of 10,000 distinct
// generated contacts (names with accents, phones in several notations and
// countries whose last digits often coincide, e-mails one character apart)
// and a planted duplicate of each kind for three of them, and requires
// exactly the three planted groups: no false group among the distinct ones.
func TestDuplicatesDistinctAndPlanted(t *testing.T) {
	firsts := []string{"Anna", "Ben", "Chloé", "David", "Eva", "Farid", "Grete", "Hugo", "Inés", "Jonas",
		"Kai", "Lena", "Miguel", "Nora", "Oskar", "Priya", "Quentin", "Rosa", "Sven", "Tara",
		"Umar", "Vera", "Wen", "Xenia", "Yusuf", "Zoë", "Ada", "Bruno", "Cem", "Dana",
		"Emil", "Fatma", "Gustav", "Hana", "Ivo", "Jana", "Karl", "Lía", "Mats", "Nils",
		"Olga", "Pál", "Raúl", "Sara", "Timo", "Ulla", "Vito", "Wanda", "Yara", "Zeno"}
	lasts := []string{"Andersen", "Brown", "Costa", "Dubois", "Eriksen", "Fischer", "García", "Hansen", "Ivanova", "Jensen",
		"Khan", "López", "Müller", "Núñez", "Øster", "Petrov", "Quinn", "Rossi", "Schmidt", "Tanaka",
		"Ueda", "Vogel", "Weber", "Xu", "Young", "Zimmer", "Abbott", "Berg", "Çelik", "Dahl",
		"Engel", "Falk", "Groß", "Horn", "Işık", "Jung", "Kraus", "Lang", "Moreau", "Nagy",
		"Olsen", "Popescu", "Roth", "Šimek", "Thiel", "Ulrich", "Vidal", "Wolf", "Yilmaz", "Zoller",
		"Arnold", "Bauer", "Conti", "Durand", "Ebert", "Frank", "Gómez", "Hoffmann", "Ilić", "Jovanović",
		"Keller", "Lehmann", "Meyer", "Neumann", "Ortiz", "Peters", "Richter", "Schulz", "Torres", "Urban",
		"Vargas", "Walter", "Zeller", "Adler", "Brandt", "Castro", "Diaz", "Eder", "Fuchs", "Graf",
		"Haas", "Iglesias", "Jäger", "König", "Lorenz", "Marx", "Nowak", "Otto", "Pohl", "Ramos",
		"Sauer", "Stein", "Vogt", "Wagner", "Winter", "Ziegler", "Arndt", "Böhm", "Cruz", "Dietz"}
	if len(firsts)*len(lasts) < 5000 {
		t.Fatal("too few names for 10,000 distinct contacts")
	}
	r := rand.New(rand.NewSource(13))
	var b strings.Builder
	b.WriteString(`"First Name","Last Name","Company","E-mail Address","Business Phone","Mobile Phone","Home Phone"` + "\r\n")
	row := func(first, last, company, email, business, mobile, home string) {
		fmt.Fprintf(&b, "%q,%q,%q,%q,%q,%q,%q\r\n", first, last, company, email, business, mobile, home)
	}
	type rec struct{ first, last, company, email, business string }
	var recs []rec
	for i := 0; i < 10000; i++ {
		// Name pairs are unique per company half: i and i+5000 share a
		// name but not a company.
		n := i % 5000
		first, last := firsts[n%len(firsts)], lasts[n/len(firsts)]
		company := fmt.Sprintf("Company %d", i/5000)
		email := fmt.Sprintf("user%05d@example.com", i)
		// Business numbers: 10,000 distinct, half in Germany, half in the
		// USA, written in several notations; their last seven digits repeat
		// across the two countries. Mobiles are unique tails; homes empty
		// or unique.
		var business string
		switch nsn := 1000000 + i/2; i % 4 {
		case 0:
			business = fmt.Sprintf("+49 30 %d", nsn)
		case 1:
			business = fmt.Sprintf("+1 (212) %03d-%04d", nsn/10000, nsn%10000)
		case 2:
			business = fmt.Sprintf("030 %d", nsn+500000)
		case 3:
			business = fmt.Sprintf("+1-212-%d", nsn+500000)
		}
		mobile := fmt.Sprintf("+49 171 %07d", 2000000+i)
		home := ""
		if r.Intn(3) == 0 {
			home = fmt.Sprintf("+44 20 %08d", 30000000+i)
		}
		row(first, last, company, email, business, mobile, home)
		recs = append(recs, rec{first, last, company, email, business})
	}
	// The planted duplicates: one per kind, each differing in everything
	// but its one shared value.
	e, p, nm := recs[17], recs[4242], recs[9001]
	row("Someone", "Else", "Elsewhere", "MAILTO:"+strings.ToUpper(e.email), "", "", "")
	row("Other", "Person", "Elsewhere", "other@example.net", "", "", "0049 (0)30 "+strings.TrimPrefix(recs[4240].business, "+49 30 "))
	row(strings.ToUpper(nm.first), strings.ToUpper(nm.last)+" ", " "+strings.ToUpper(nm.company), "x@example.net", "", "", "")
	_ = p

	dir := t.TempDir()
	path := filepath.Join(dir, "contacts.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"contactsync", "duplicates", "--region", "DE", path}, &stdout, &stderr); code != 0 {
		t.Fatalf("duplicates exited %d: %s", code, stderr.String())
	}
	rows, err := csv.NewReader(&stdout).ReadAll()
	if err != nil {
		t.Fatalf("output is not CSV: %v", err)
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != "group,reason,key,name,email,line" {
		t.Fatalf("header = %q", rows)
	}
	got := map[string][]string{}
	for _, row := range rows[1:] {
		got[row[0]] = append(got[row[0]], row[5]+" "+row[1])
	}
	var groups []string
	for _, members := range got {
		sort.Strings(members)
		groups = append(groups, strings.Join(members, " | "))
	}
	sort.Strings(groups)
	// Lines: the header is line 1, so record i is on line i+2; the planted
	// rows follow on lines 10002-10004.
	want := []string{
		"10002 e-mail user00017@example.com | 19 e-mail user00017@example.com",
		"10003 phone +4930" + strings.TrimPrefix(recs[4240].business, "+49 30 ") + " | 4242 phone +4930" + strings.TrimPrefix(recs[4240].business, "+49 30 "),
		"10004 name and company " + strings.ToLower(foldForTest(nm.first+" "+nm.last)) + " / company 1 | 9003 name and company " + strings.ToLower(foldForTest(nm.first+" "+nm.last)) + " / company 1",
	}
	sort.Strings(want)
	if strings.Join(groups, "\n") != strings.Join(want, "\n") {
		t.Errorf("groups:\n%s\nwant:\n%s", strings.Join(groups, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(stderr.String(), "3 groups of likely duplicates (6 of 10003 contacts)") {
		t.Errorf("stderr = %q", stderr.String())
	}
}

// foldForTest folds the few accented names the planted name row can have.
func foldForTest(s string) string {
	return strings.NewReplacer("é", "e", "É", "e", "ü", "u", "Ü", "u", "ø", "o", "Ø", "o").Replace(s)
}
