package outlookcsv

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"contactsync/engine/contact"
)

// How a column's cells are read.
type colKind uint8

const (
	kUnmapped colKind = iota // the cell goes to Extra under the column's name
	kSimple                  // the cell is a canonical field's value as is
	kGroup                   // the cell belongs to a group (streets, a date, ...)
)

type column struct {
	header string        // the header cell, trimmed
	name   string        // the name of its Extra: the header, "#2", "#3"... on repeats
	col    int           // index in englishColumns; -1 when not an Outlook column
	kind   colKind       // how its cells are read
	field  contact.Field // for kSimple
	group  int           // for kGroup: index in schema.groups
}

// schema is what a header line means: per column, where its cells go.
// Reader and writer share it, which is what makes a round trip exact.
type schema struct {
	dialect string
	locale  string
	cols    []column
	byName  map[string]int // Extra name → column index
	groups  []*group
	keyIdx  int // column holding the sync key; -1 when the layout has none
	keyName string
	// hasField says which canonical fields a column or group can hold.
	hasField [contact.NumFields]bool
	unknown  []int // columns whose header is not known
	// date is the exporter's short-date format; nil for Google layouts.
	date *dateFormat
	// guessed says, per column taken by its name's meaning rather than a
	// known header, what it was taken as ("Courriel perso" → "E-mail Address").
	guessed     []string
	guessedCols []int
}

func (s *schema) isGuessed(i int) bool {
	return slices.Contains(s.guessedCols, i)
}

// googleRe matches Google's numbered multi-value columns ("E-mail 1 - Value").
var googleRe = regexp.MustCompile(`^(?i)(e-mail|phone|address|website|organization|relation|im|event|custom field|external id) (\d+) - (.+)$`)

func isGoogle(header []string) bool {
	for _, h := range header {
		switch fold(h) {
		case "given name", "family name", "group membership", "labels", "organization name", "phonetic first name", "file as":
			return true
		}
		if googleRe.MatchString(strings.TrimSpace(h)) {
			return true
		}
	}
	return false
}

// newSchema resolves a header line. keyColumn is the English name of the
// sync key's column; dateFormat the exporter's short-date format ("" =
// the locale's usual one).
func newSchema(header []string, keyColumn, dateFormat, forceLocale string) (*schema, error) {
	s := &schema{cols: make([]column, len(header)), byName: map[string]int{}, keyIdx: -1}
	seen := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		name := h
		if n := seen[h]; n > 0 {
			name = h + "#" + strconv.Itoa(n+1)
		}
		seen[h]++
		s.cols[i] = column{header: h, name: name, col: -1, field: -1}
		s.byName[name] = i
	}
	if isGoogle(header) {
		s.google()
		return s, nil
	}
	s.outlook(forceLocale)
	df, err := parseDateFormat(dateFormat, s.locale)
	if err != nil {
		return nil, err
	}
	s.date = df
	s.outlookGroups(df)
	if keyColumn == "" {
		keyColumn = DefaultKeyColumn
	}
	s.keyName = keyColumn
	kc := -1
	for i, n := range englishColumns {
		if strings.EqualFold(n, keyColumn) {
			kc = i
		}
	}
	for i := range s.cols {
		if (kc >= 0 && s.cols[i].col == kc) || strings.EqualFold(s.cols[i].header, keyColumn) {
			s.keyIdx = i
			s.cols[i].kind = kUnmapped
			break
		}
	}
	if kc >= 0 {
		s.keyName = columnName(s.locale, kc)
	}
	return s, nil
}

// outlook resolves Outlook headers: picks the locale whose names match most
// headers, then maps each header through it (falling back to the others).
func (s *schema) outlook(forceLocale string) {
	best, bestScore := "en", -1
	for _, ln := range localeOrder {
		score := 0
		for _, c := range s.cols {
			if _, ok := locales[ln].lookup[fold(c.header)]; ok {
				score++
			}
		}
		if score > bestScore {
			best, bestScore = ln, score
		}
	}
	if forceLocale != "" && locales[forceLocale] != nil {
		best = forceLocale
	}
	s.locale = best
	used := map[int]bool{}
	var ambiguous []int
	for i := range s.cols {
		cands := locales[best].lookup[fold(s.cols[i].header)]
		if len(cands) == 0 {
			for _, ln := range localeOrder {
				if cands = locales[ln].lookup[fold(s.cols[i].header)]; len(cands) > 0 {
					break
				}
			}
		}
		switch {
		case len(cands) == 0:
			s.unknown = append(s.unknown, i)
			continue
		case len(cands) > 1:
			ambiguous = append(ambiguous, i)
			continue
		}
		s.cols[i].col = cands[0]
		if used[cands[0]] {
			continue // a repeated column: its cells go to Extra
		}
		used[cands[0]] = true
	}
	// French "Titre" is both Title and Job Title. Outlook writes Title first
	// (form order: Title, names, Company, Department, Job Title): with two,
	// the first is Title; with one, it is Title when it comes before the
	// name and company columns, else Job Title.
	for _, i := range ambiguous {
		cands := locales[best].lookup[fold(s.cols[i].header)]
		if cands == nil {
			for _, ln := range localeOrder {
				if cands = locales[ln].lookup[fold(s.cols[i].header)]; cands != nil {
					break
				}
			}
		}
		sort.Ints(cands)
		pick := -1
		if len(ambiguous) == 1 && len(cands) == 2 && cands[0] == colTitle && cands[1] == colJobTitle {
			pick = colJobTitle
			for j := i + 1; j < len(s.cols); j++ {
				switch englishColumns[max(s.cols[j].col, 0)] {
				case "First Name", "Last Name", "Middle Name", "Company":
					if s.cols[j].col >= 0 {
						pick = colTitle
					}
				}
			}
		} else {
			for _, c := range cands {
				if !used[c] {
					pick = c
					break
				}
			}
		}
		if pick < 0 {
			pick = cands[0]
		}
		s.cols[i].col = pick
		used[pick] = true
	}
	s.guess(used)
	// Dialect: Outlook.com has Yomi/IM columns and no e-mail types; old
	// desktop versions say "Country" without "/Region" and have one PO Box.
	has := map[string]bool{}
	for _, c := range s.cols {
		has[fold(c.header)] = true
	}
	s.dialect = "outlook"
	if d := dialectOf(has); d != "" {
		s.dialect = d
		return
	}
	switch {
	case (has["given yomi"] || has["surname yomi"] || has["imaddress"] || has["personal web page"]) && !has["e-mail type"]:
		s.dialect = "outlook.com"
	case has["business country"] || has["home country"] || has["other country"] || has["po box"]:
		s.dialect = "outlook-legacy"
	}
}

// outlookGroups decides each Outlook column's kind.
func (s *schema) outlookGroups(df *dateFormat) {
	first := map[int]bool{}
	for i := range s.cols {
		c := &s.cols[i]
		if c.col < 0 || first[c.col] {
			continue
		}
		first[c.col] = true
		if f := colField[c.col]; f >= 0 {
			c.kind, c.field = kSimple, f
			s.hasField[f] = true
		}
	}
	idxOf := func(col int) int {
		for i, c := range s.cols {
			if c.col == col {
				return i
			}
		}
		return -1
	}
	for k, sc := range streetCols {
		g := &group{kind: gStreet, fields: []contact.Field{streetFields[k]}}
		for _, col := range sc {
			if i := idxOf(col); i >= 0 {
				g.idx = append(g.idx, i)
			}
		}
		s.addGroup(g)
	}
	if i := idxOf(colBirthday); i >= 0 {
		s.addGroup(&group{kind: gDate, idx: []int{i}, fields: []contact.Field{contact.Birthday}, date: df})
	}
	if y, m, d := idxOf(colOf(tbBirthday[0])), idxOf(colOf(tbBirthday[1])), idxOf(colOf(tbBirthday[2])); m >= 0 && d >= 0 && !s.hasField[contact.Birthday] {
		// Thunderbird: year (may be empty), month, day in three columns.
		g := &group{kind: gDateParts, idx: []int{m, d}, fields: []contact.Field{contact.Birthday}}
		if y >= 0 {
			g.idx = []int{y, m, d}
		}
		s.addGroup(g)
	}
	if i := idxOf(colCategories); i >= 0 {
		s.addGroup(&group{kind: gCategories, idx: []int{i}, fields: []contact.Field{contact.Categories}, sep: ";"})
	}
}

func (s *schema) addGroup(g *group) {
	if len(g.idx) == 0 {
		return
	}
	g.all = append([]int(nil), g.idx...)
	for _, sl := range g.slots {
		if sl.typ >= 0 {
			g.all = append(g.all, sl.typ)
		}
		for _, v := range sl.vals {
			if v >= 0 {
				g.all = append(g.all, v)
			}
		}
	}
	for _, i := range g.all {
		s.cols[i].kind, s.cols[i].group = kGroup, len(s.groups)
	}
	for _, f := range g.fields {
		s.hasField[f] = true
	}
	s.groups = append(s.groups, g)
}

var googleSimple = map[string]contact.Field{
	"first name": contact.First, "given name": contact.First,
	"middle name": contact.Middle, "additional name": contact.Middle,
	"last name": contact.Last, "family name": contact.Last,
	"name prefix": contact.Prefix, "name suffix": contact.Suffix,
	"organization name": contact.Company, "organization 1 - name": contact.Company,
	"organization title": contact.JobTitle, "organization 1 - title": contact.JobTitle,
	"organization department": contact.Department, "organization 1 - department": contact.Department,
	"notes": contact.Notes, "birthday": contact.Birthday,
}

// google resolves a Google Contacts header (current or legacy form).
func (s *schema) google() {
	s.dialect, s.locale = "google", "en"
	type numbered struct{ n, i int }
	var emails, webs []numbered
	phones := map[int]*slot{}
	addrs := map[int]*slot{}
	getSlot := func(m map[int]*slot, n, width int) *slot {
		if m[n] == nil {
			m[n] = &slot{n: n, typ: -1, vals: make([]int, width)}
			for j := range m[n].vals {
				m[n].vals[j] = -1
			}
		}
		return m[n]
	}
	for i := range s.cols {
		h := fold(s.cols[i].header)
		switch h {
		case "given name", "group membership", "organization 1 - name":
			s.dialect = "google-legacy"
		}
		if f, ok := googleSimple[h]; ok && !s.hasField[f] {
			s.cols[i].kind, s.cols[i].field = kSimple, f
			s.hasField[f] = true
			continue
		}
		if h == "labels" || h == "group membership" {
			s.addGroup(&group{kind: gCategories, idx: []int{i}, fields: []contact.Field{contact.Categories}, sep: " ::: "})
			continue
		}
		m := googleRe.FindStringSubmatch(strings.TrimSpace(s.cols[i].header))
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[2])
		what, part := strings.ToLower(m[1]), strings.ToLower(m[3])
		switch {
		case what == "e-mail" && part == "value":
			emails = append(emails, numbered{n, i})
		case what == "website" && part == "value":
			webs = append(webs, numbered{n, i})
		case what == "phone" && (part == "type" || part == "label"):
			getSlot(phones, n, 1).typ = i
		case what == "phone" && part == "value":
			getSlot(phones, n, 1).vals[0] = i
		case what == "address" && (part == "type" || part == "label"):
			getSlot(addrs, n, 5).typ = i
		case what == "address":
			if j := map[string]int{"street": 0, "city": 1, "region": 2, "postal code": 3, "country": 4}[part]; j > 0 || part == "street" {
				getSlot(addrs, n, 5).vals[j] = i
			}
		}
	}
	byN := func(l []numbered) []int {
		slices.SortStableFunc(l, func(a, b numbered) int { return cmp.Compare(a.n, b.n) })
		var out []int
		for _, x := range l {
			out = append(out, x.i)
		}
		return out
	}
	s.addGroup(&group{kind: gList, idx: byN(emails), fields: []contact.Field{contact.Email1, contact.Email2, contact.Email3}})
	s.addGroup(&group{kind: gList, idx: byN(webs), fields: []contact.Field{contact.WebPage}})
	slots := func(m map[int]*slot) []slot {
		var out []slot
		for _, sl := range m {
			out = append(out, *sl)
		}
		slices.SortFunc(out, func(a, b slot) int { return cmp.Compare(a.n, b.n) })
		return out
	}
	if ps := slots(phones); len(ps) > 0 {
		g := &group{kind: gPhones, slots: ps, fields: phoneOrder}
		s.addSlotGroup(g)
	}
	if as := slots(addrs); len(as) > 0 {
		g := &group{kind: gAddresses, slots: as, fields: addressFields}
		s.addSlotGroup(g)
	}
}

// addSlotGroup registers a group made of typed slots; its idx are the value
// cells, so that the group counts as present.
func (s *schema) addSlotGroup(g *group) {
	for _, sl := range g.slots {
		for _, v := range sl.vals {
			if v >= 0 {
				g.idx = append(g.idx, v)
			}
		}
	}
	if len(g.idx) == 0 {
		return
	}
	all := append([]int(nil), g.idx...)
	for _, sl := range g.slots {
		if sl.typ >= 0 {
			all = append(all, sl.typ)
		}
	}
	g.all = all
	for _, i := range g.all {
		s.cols[i].kind, s.cols[i].group = kGroup, len(s.groups)
	}
	for _, f := range g.fields {
		s.hasField[f] = true
	}
	s.groups = append(s.groups, g)
}

// freshSchema is the layout of a new Outlook export in the given locale.
func freshHeader(loc string) []string {
	l := locales[loc]
	if l == nil {
		l = locales["en"]
	}
	h := make([]string, 0, numDesktop)
	for _, c := range l.order {
		h = append(h, l.names[c])
	}
	return h
}

// Words in a header that say what the column holds, for headers the reader
// does not know: any language's e-mail, mobile, fax and phone.
var (
	guessEmail  = regexp.MustCompile(`(?i)(^|[^\pL])(e-?mail|courriel|correo|posta elettronica|e-?post)([^\pL]|$)`)
	guessMobile = regexp.MustCompile(`(?i)(^|[^\pL])(mobile?|cell(ular)?|handy|cellulare|celular|m[óo]vil|gsm)([^\pL]|$)`)
	guessFax    = regexp.MustCompile(`(?i)(^|[^\pL])(fax|telefax|t[ée]l[ée]copie)([^\pL]|$)`)
	guessPhone  = regexp.MustCompile(`(?i)(^|[^\pL])(phone|tel(e?fon[eo]?)?|t[ée]l[ée]phone|fone|telefono)([^\pL]|$)`)
	// what a column about an address's type or label says: never a value.
	guessNot = regexp.MustCompile(`(?i)(type|typ|display|anzeige|label|name)`)
)

// guess reads the unknown columns whose header says what they hold: an
// e-mail column fills the next free e-mail field, a mobile, fax or phone
// column the mobile, business fax or other phone when free. Each guess is
// recorded (schema.guessed) for the plan; what is not guessed stays an
// unknown column, kept in Extra.
func (s *schema) guess(used map[int]bool) {
	var still []int
	for _, i := range s.unknown {
		h := s.cols[i].header
		var cands []string
		switch {
		case guessNot.MatchString(h):
		case guessEmail.MatchString(h):
			cands = []string{"E-mail Address", "E-mail 2 Address", "E-mail 3 Address"}
		case guessFax.MatchString(h):
			cands = []string{"Business Fax"}
		case guessMobile.MatchString(h):
			cands = []string{"Mobile Phone"}
		case guessPhone.MatchString(h):
			cands = []string{"Other Phone"}
		}
		took := false
		for _, c := range cands {
			if col := colOf(c); !used[col] {
				used[col] = true
				s.cols[i].col = col
				s.guessed = append(s.guessed, fmt.Sprintf("%q as %q", h, c))
				s.guessedCols = append(s.guessedCols, i)
				took = true
				break
			}
		}
		if !took {
			still = append(still, i)
		}
	}
	s.unknown = still
}
