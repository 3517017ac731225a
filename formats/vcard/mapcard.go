package vcard

import (
	"cmp"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"time"

	"contactsync/engine/contact"
	"contactsync/formats"
)

// Slots that a mapped property can fill; their names follow "=" in Extra
// names of the carriers (see the package doc).
const (
	slotN          = "N"
	slotFN         = "FN"
	slotORG        = "ORG"
	slotTITLE      = "TITLE"
	slotNOTE       = "NOTE"
	slotBDAY       = "BDAY"
	slotCATEGORIES = "CATEGORIES"
	slotREV        = "REV"
	slotUID        = "UID"
	slotURL        = "URL"
)

// telSlots lists the phone fields in the order the writer writes them, with
// the TYPE values it writes.
var telSlots = []struct {
	field contact.Field
	types string
}{
	{contact.PhoneBusiness, "WORK,VOICE"},
	{contact.PhoneBusiness2, "WORK,VOICE"},
	{contact.PhoneMobile, "CELL,VOICE"},
	{contact.PhoneHome, "HOME,VOICE"},
	{contact.PhoneHome2, "HOME,VOICE"},
	{contact.PhoneFaxBusiness, "WORK,FAX"},
	{contact.PhoneFaxHome, "HOME,FAX"},
	{contact.PhoneOther, "VOICE"},
	{contact.PhonePager, "PAGER"},
	{contact.PhoneAssistant, "X-ASSISTANT"},
	{contact.PhoneCompanyMain, "X-COMPANY-MAIN"},
}

// adrSlots are the three addresses: the first field of each block of five
// (street, city, state, postal code, country) and the TYPE written.
var adrSlots = []struct {
	street contact.Field
	slot   string
	types  string
}{
	{contact.BusinessStreet, "address_business", "WORK"},
	{contact.HomeStreet, "address_home", "HOME"},
	{contact.OtherStreet, "address_other", ""},
}

var emailFields = []contact.Field{contact.Email1, contact.Email2, contact.Email3}

// types returns the lower-case TYPE values of h, including vCard 2.1
// nameless parameters.
func (h *header) types() []string {
	var out []string
	for _, p := range h.Params {
		if p.Name == "" || strings.EqualFold(p.Name, "TYPE") {
			for _, v := range p.Values {
				for v != "" {
					t := v
					if i := strings.IndexByte(v, ','); i >= 0 {
						t, v = v[:i], v[i+1:]
					} else {
						v = ""
					}
					out = append(out, lower(strings.TrimSpace(t)))
				}
			}
		}
	}
	return out
}

// lower is strings.ToLower without an allocation for lower-case input.
func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' || c >= 0x80 {
			return strings.ToLower(s)
		}
	}
	return s
}

// prefRank is 1 for TYPE=pref, n for PREF=n, 101 otherwise.
func (h *header) prefRank() int {
	for _, t := range h.types() {
		if t == "pref" {
			return 1
		}
	}
	if v, ok := h.paramValue("PREF"); ok {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 1 && n <= 100 {
			return n
		}
	}
	return 101
}

// has reports whether ts holds any of want.
func has(ts []string, want ...string) bool {
	return slices.ContainsFunc(ts, func(t string) bool { return slices.Contains(want, t) })
}

// telCandidates returns the phone fields a TEL with these types may fill,
// in order of preference.
func telCandidates(ts []string) []contact.Field {
	work, home := has(ts, "work"), has(ts, "home")
	switch {
	case has(ts, "fax"):
		switch {
		case work:
			return []contact.Field{contact.PhoneFaxBusiness}
		case home:
			return []contact.Field{contact.PhoneFaxHome}
		}
		return []contact.Field{contact.PhoneFaxBusiness, contact.PhoneFaxHome}
	case has(ts, "pager"):
		return []contact.Field{contact.PhonePager}
	}
	for _, t := range ts {
		if t == "x-assistant" || strings.HasPrefix(t, "x-") && strings.Contains(t, "assistant") {
			return []contact.Field{contact.PhoneAssistant}
		}
		if t == "main" || t == "x-main" || t == "x-company-main" || strings.HasPrefix(t, "x-") && strings.Contains(t, "company") {
			return []contact.Field{contact.PhoneCompanyMain}
		}
	}
	switch {
	case has(ts, "cell", "mobile", "iphone"):
		return []contact.Field{contact.PhoneMobile}
	case work:
		return []contact.Field{contact.PhoneBusiness, contact.PhoneBusiness2}
	case home:
		return []contact.Field{contact.PhoneHome, contact.PhoneHome2}
	}
	return []contact.Field{contact.PhoneOther}
}

func adrIndex(ts []string) int {
	switch {
	case has(ts, "work"):
		return 0
	case has(ts, "home"):
		return 1
	}
	return 2
}

// form is the Extra name of a property: "[group.]NAME(;PARAM=v,...)*" in
// vCard 3.0 syntax. vCard 2.1 nameless parameters are gathered into one
// TYPE; CHARSET and ENCODING=QUOTED-PRINTABLE/8BIT/7BIT are dropped because
// the value is kept decoded; ENCODING=BASE64 becomes ENCODING=b.
func (pr *prop) form() string {
	if len(pr.Params) == 0 && pr.Group == "" {
		return pr.Name
	}
	return string(pr.appendForm(nil))
}

// appendForm appends the form of pr to b.
func (pr *prop) appendForm(b []byte) []byte {
	if pr.Group != "" {
		b = append(b, pr.Group...)
		b = append(b, '.')
	}
	b = append(b, pr.Name...)
	var bareArr [8]string
	bare := bareArr[:0] // vCard 2.1 nameless parameters, written as one TYPE
	type out struct {
		name string
		vals []string
	}
	var psArr [8]out
	ps := psArr[:0]
	for _, p := range pr.Params {
		switch {
		case p.Name == "":
			v := p.Values[0]
			switch {
			case strings.EqualFold(v, "QUOTED-PRINTABLE"), strings.EqualFold(v, "8BIT"), strings.EqualFold(v, "7BIT"):
				continue
			case strings.EqualFold(v, "BASE64"):
				if pr.b64 {
					ps = append(ps, out{"ENCODING", b64Values})
				}
				continue
			}
			if len(bare) == 0 {
				ps = append(ps, out{}) // the TYPE, where the first was
			}
			bare = append(bare, v)
		case strings.EqualFold(p.Name, "CHARSET"):
		case strings.EqualFold(p.Name, "ENCODING"):
			if pr.b64 {
				ps = append(ps, out{p.Name, b64Values})
			}
		default:
			ps = append(ps, out{p.Name, p.Values})
		}
	}
	for _, p := range ps {
		vals := p.vals
		if p.name == "" {
			p.name, vals = "TYPE", bare
		}
		b = append(b, ';')
		b = append(b, p.name...)
		b = append(b, '=')
		for i, v := range vals {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendParamValue(b, v)
		}
	}
	return b
}

// b64Values are the values of ENCODING in a form: "b".
var b64Values = []string{"b"}

func appendParamValue(b []byte, v string) []byte {
	// "^'" is what a '"' read as text becomes (encodeCaret): quoting it too
	// keeps the name the same when it is read back and written again.
	if strings.ContainsAny(v, ";:,\"") || strings.Contains(v, "^'") {
		b = append(b, '"')
		b = append(b, encodeCaret(v)...)
		return append(b, '"')
	}
	return append(b, v...)
}

// maxForms bounds the forms a parser keeps to share: a file of a million
// cards repeats a few dozen ("TEL;TYPE=WORK,VOICE"); a hostile one that
// never repeats one gets a string per property, as without sharing.
const maxForms = 4096

// formOf is pr.form(), one string shared by every property of the file
// with the same form.
func (p *parser) formOf(pr *prop) string {
	if len(pr.Params) == 0 && pr.Group == "" {
		return pr.Name
	}
	p.formBuf = pr.appendForm(p.formBuf[:0])
	if f, ok := p.forms[string(p.formBuf)]; ok {
		return f
	}
	f := string(p.formBuf)
	if p.forms == nil {
		p.forms = make(map[string]string)
	}
	if len(p.forms) < maxForms {
		p.forms[f] = f
	}
	return f
}

// defaultForm is the form the writer uses for a slot when no carrier says
// otherwise.
func defaultForm(slot string, v4 bool) string {
	if v4 {
		if f, ok := defaultForms4[slot]; ok {
			return f
		}
	} else if f, ok := defaultForms3[slot]; ok {
		return f
	}
	return makeDefaultForm(slot, v4)
}

var defaultForms3, defaultForms4 = func() (m3, m4 map[string]string) {
	m3, m4 = map[string]string{}, map[string]string{}
	for _, k := range carrierOrder {
		m3[k], m4[k] = makeDefaultForm(k, false), makeDefaultForm(k, true)
	}
	return
}()

func makeDefaultForm(slot string, v4 bool) string {
	t := func(s string) string {
		if v4 {
			return strings.ToLower(s)
		}
		return s
	}
	switch slot {
	case "email1", "email2", "email3":
		if v4 {
			return "EMAIL"
		}
		return "EMAIL;TYPE=INTERNET"
	}
	for _, s := range telSlots {
		if s.field.String() == slot {
			return "TEL;TYPE=" + t(s.types)
		}
	}
	for _, s := range adrSlots {
		if s.slot == slot {
			if s.types == "" {
				return "ADR"
			}
			return "ADR;TYPE=" + t(s.types)
		}
	}
	return slot
}

// foreignName is the property that carries an Extra that is not written
// as a property of its own: one of another format (a CSV column, a PST
// property), or an own one whose name is not a property. See the package
// doc for the encoding.
const foreignName = "X-CONTACTSYNC-EXTRA"

// carried restores the Extra an X-CONTACTSYNC-EXTRA property carries: Name
// from X-NAME, Format from X-FORMAT (vcard when absent), Value unescaped, or
// base64-decoded under ENCODING=b. ok is false for anything else, which is
// then kept as an ordinary property.
func carried(pr *prop) (contact.Extra, bool) {
	if pr.Group != "" || !strings.EqualFold(pr.Name, foreignName) {
		return contact.Extra{}, false
	}
	n, ok := pr.paramValue("X-NAME")
	if !ok {
		return contact.Extra{}, false
	}
	e := contact.Extra{Name: decodeParam(n), Format: contact.FormatVCard}
	if f, ok := pr.paramValue("X-FORMAT"); ok && f != "" {
		e.Format = decodeParam(f)
	}
	if pr.b64 {
		b, err := base64.StdEncoding.DecodeString(pr.value)
		if err != nil {
			b, _ = base64.RawStdEncoding.DecodeString(strings.TrimRight(pr.value, "="))
		}
		e.Value = string(b)
	} else {
		e.Value = unescape(pr.value)
	}
	return e, true
}

func isEmpty(v string) bool { return strings.Trim(v, " \t;") == "" }

// singles is the set of the properties of which a card's first is taken
// (VERSION, N, FN, ORG, ...): a bit per name, not a map per card.
type singles uint32

func singleBit(name string) singles {
	switch name {
	case "VERSION":
		return 1 << 0
	case "PROFILE":
		return 1 << 1
	case slotN:
		return 1 << 2
	case slotFN:
		return 1 << 3
	case slotORG:
		return 1 << 4
	case slotTITLE:
		return 1 << 5
	case slotNOTE:
		return 1 << 6
	case slotCATEGORIES:
		return 1 << 7
	case slotUID:
		return 1 << 8
	case slotURL:
		return 1 << 9
	case slotBDAY:
		return 1 << 10
	case slotREV:
		return 1 << 11
	}
	panic("vcard: " + name + " is not a single property") // a programming error: mapCard names them
}

func (s singles) has(name string) bool { return s&singleBit(name) != 0 }
func (s *singles) add(name string)     { *s |= singleBit(name) }

// split is splitRaw into a buffer the parser reuses: the parts are used
// before the next split.
func (p *parser) split(s string, sep byte) []string {
	p.splitBuf = splitRawInto(p.splitBuf[:0], s, sep)
	return p.splitBuf
}

// mapCard turns the properties of one card into a contact: the first
// property of each mapped kind fills the fields, everything else goes to
// Extra in source order.
func (p *parser) mapCard(c *card) contact.Contact {
	ct := contact.Contact{Line: c.line}
	v4 := c.version == "4.0"
	const (
		toExtra = iota
		toSlot
		toSkip
	)
	// kind and slot are per property, in buffers the parser reuses card
	// after card; seen is the set of the single properties taken.
	p.kindBuf = append(p.kindBuf[:0], make([]int, len(c.props))...)
	p.slotBuf = append(p.slotBuf[:0], make([]string, len(c.props))...)
	kind, slot := p.kindBuf, p.slotBuf
	var seen singles
	var rev time.Time // the REV taken, parsed
	var emails []int
	var telUsed [contact.NumFields]bool
	var adrUsed [3]bool
	for i := range c.props {
		pr := &c.props[i]
		name := pr.upper()
		switch name {
		case "VERSION":
			if !seen.has(name) {
				kind[i] = toSkip
				seen.add(name)
			}
		case "PROFILE":
			// RFC 2426's "PROFILE:VCARD" repeats BEGIN:VCARD; it is
			// structure like VERSION, and vobject rejects it.
			if !seen.has(name) && strings.EqualFold(strings.TrimSpace(pr.value), "VCARD") && pr.Group == "" {
				kind[i] = toSkip
				seen.add(name)
			}
		case slotN, slotFN:
			if !seen.has(name) {
				kind[i], slot[i] = toSlot, name
				seen.add(name)
			}
		case slotORG, slotTITLE, slotNOTE, slotCATEGORIES, slotUID, slotURL:
			if !seen.has(name) && !isEmpty(pr.value) && !pr.b64 {
				kind[i], slot[i] = toSlot, name
				seen.add(name)
			}
		case slotBDAY:
			if !seen.has(name) && !isEmpty(pr.value) {
				if _, ok := parseBDay(pr.value); ok {
					kind[i], slot[i] = toSlot, name
					seen.add(name)
				} else {
					p.warn(formats.WarnValue, pr.line, "BDAY: %q is not a date; kept as an extra property", pr.value)
				}
			}
		case slotREV:
			if !seen.has(name) && !isEmpty(pr.value) {
				if t, ok := parseRev(pr.value); ok {
					kind[i], slot[i] = toSlot, name
					seen.add(name)
					rev = t
				} else {
					p.warn(formats.WarnValue, pr.line, "REV: %q is not a timestamp; kept as an extra property", pr.value)
				}
			}
		case "EMAIL":
			if !isEmpty(pr.value) && !pr.b64 {
				emails = append(emails, i)
			}
		case "TEL":
			if isEmpty(pr.value) || pr.b64 {
				break
			}
			for _, f := range telCandidates(pr.types()) {
				if !telUsed[f] {
					telUsed[f] = true
					kind[i], slot[i] = toSlot, f.String()
					break
				}
			}
		case "ADR":
			if isEmpty(pr.value) || pr.b64 {
				break
			}
			if a := adrIndex(pr.types()); !adrUsed[a] {
				adrUsed[a] = true
				kind[i], slot[i] = toSlot, adrSlots[a].slot
			}
		}
	}
	if len(emails) > 1 {
		rank := make(map[int]int, len(emails))
		for _, i := range emails {
			rank[i] = c.props[i].prefRank()
		}
		slices.SortStableFunc(emails, func(a, b int) int { return cmp.Compare(rank[a], rank[b]) })
	}
	for n, i := range emails {
		if n < len(emailFields) {
			kind[i], slot[i] = toSlot, emailFields[n].String()
		}
	}

	fnText, fnSeen := "", false
	var carriers map[string]string
	carry := func(name, value string) {
		if carriers == nil {
			carriers = map[string]string{}
		}
		carriers[name] = value
	}
	for i := range c.props {
		pr := &c.props[i]
		switch kind[i] {
		case toSkip:
			continue
		case toExtra:
			if e, ok := carried(pr); ok {
				ct.Extra = append(ct.Extra, e)
				continue
			}
			ct.Extra = append(ct.Extra, contact.Extra{Name: p.formOf(pr), Value: pr.value, Format: contact.FormatVCard})
			continue
		}
		s := slot[i]
		if f := p.formOf(pr); !strings.EqualFold(f, defaultForm(s, v4)) {
			carry(s, f)
		}
		switch s {
		case slotN:
			parts := p.split(pr.value, ';')
			fs := []contact.Field{contact.Last, contact.First, contact.Middle, contact.Prefix, contact.Suffix}
			for k, part := range parts {
				if k < len(fs) {
					ct.Values[fs[k]] = unescape(part)
				}
			}
			if len(parts) > len(fs) {
				carry("N.rest", strings.Join(parts[len(fs):], ";"))
			}
		case slotFN:
			fnText, fnSeen = unescape(pr.value), true
		case slotORG:
			parts := p.split(pr.value, ';')
			ct.Values[contact.Company] = unescape(parts[0])
			if len(parts) > 1 {
				ct.Values[contact.Department] = unescape(parts[1])
			}
			if len(parts) > 2 {
				carry("ORG.rest", strings.Join(parts[2:], ";"))
			}
		case slotTITLE:
			ct.Values[contact.JobTitle] = unescape(pr.value)
		case slotNOTE:
			ct.Values[contact.Notes] = unescape(pr.value)
		case slotURL:
			ct.Values[contact.WebPage] = unescape(pr.value)
		case slotUID:
			ct.Key = unescape(pr.value)
		case slotBDAY:
			ct.Values[contact.Birthday], _ = parseBDay(pr.value)
		case slotREV:
			ct.Modified, ct.ModifiedFrom = rev, "REV"
		case slotCATEGORIES:
			var cats []string
			for _, part := range splitRaw(pr.value, ',') {
				if v := strings.TrimSpace(unescape(part)); v != "" {
					cats = append(cats, v)
				}
			}
			ct.Values[contact.Categories] = contact.JoinCategories(cats)
		case "email1", "email2", "email3":
			f, _ := contact.ParseField(s)
			ct.Values[f] = unescape(pr.value)
		case "address_business", "address_home", "address_other":
			a := adrSlots[0]
			for _, x := range adrSlots {
				if x.slot == s {
					a = x
				}
			}
			parts := p.split(pr.value, ';')
			for k, part := range parts {
				switch {
				case k == 0 && part != "":
					carry(s+".pobox", unescape(part))
				case k == 1 && part != "":
					carry(s+".extended", unescape(part))
				case k >= 2 && k < 7:
					ct.Values[a.street+contact.Field(k-2)] = unescape(part)
				}
			}
			if len(parts) > 7 {
				carry(s+".rest", strings.Join(parts[7:], ";"))
			}
		default: // phone fields
			f, _ := contact.ParseField(s)
			ct.Values[f] = unescape(pr.value)
		}
	}
	if fnSeen {
		if def := defaultFN(&ct); fnText != def {
			carry("FN.text", fnText)
			carry("FN.from", def)
		}
	}
	// Carriers follow the kept properties, in the order the writer writes
	// the slots, so that a round trip gives the same Extra list.
	if len(carriers) > 0 {
		for _, k := range carrierOrder {
			if v, ok := carriers[k]; ok {
				ct.Extra = append(ct.Extra, contact.Extra{Name: "=" + k, Value: v, Format: contact.FormatVCard})
			}
		}
	}
	return ct
}

// carrierOrder lists every carrier slot in the order the writer writes the
// properties.
var carrierOrder = func() []string {
	out := []string{slotFN, "FN.text", "FN.from", slotN, "N.rest", slotORG, "ORG.rest", slotTITLE}
	for _, f := range emailFields {
		out = append(out, f.String())
	}
	for _, s := range telSlots {
		out = append(out, s.field.String())
	}
	for _, a := range adrSlots {
		out = append(out, a.slot, a.slot+".pobox", a.slot+".extended", a.slot+".rest")
	}
	return append(out, slotURL, slotNOTE, slotBDAY, slotCATEGORIES, slotUID, slotREV)
}()

// defaultFN is the formatted name the writer derives from the fields:
// prefix, first, middle, last and suffix joined by blanks, else the
// company, else the first e-mail address.
func defaultFN(c *contact.Contact) string {
	var parts []string
	for _, f := range []contact.Field{contact.Prefix, contact.First, contact.Middle, contact.Last, contact.Suffix} {
		if v := strings.TrimSpace(c.Values[f]); v != "" {
			parts = append(parts, v)
		}
	}
	switch {
	case len(parts) > 0:
		return strings.Join(parts, " ")
	case c.Values[contact.Company] != "":
		return c.Values[contact.Company]
	}
	return c.Values[contact.Email1]
}

// parseBDay accepts YYYYMMDD, YYYY-MM-DD, --MMDD and --MM-DD, optionally
// followed by a midnight time (KDE writes "1955-07-19T00:00:00Z"), and
// returns "YYYY-MM-DD" or "--MM-DD".
func parseBDay(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "Tt"); i >= 0 {
		if strings.Trim(s[i+1:], "0:.Zz+-") != "" {
			return "", false
		}
		s = s[:i]
	}
	if strings.HasPrefix(s, "--") {
		md := strings.ReplaceAll(s[2:], "-", "")
		if len(md) != 4 || !digits(md) {
			return "", false
		}
		if _, err := time.Parse("20060102", "2000"+md); err != nil {
			return "", false
		}
		return "--" + md[:2] + "-" + md[2:], true
	}
	ymd := strings.ReplaceAll(s, "-", "")
	if len(ymd) != 8 || !digits(ymd) || len(s) != 8 && len(s) != 10 {
		return "", false
	}
	t, err := time.Parse("20060102", ymd)
	if err != nil {
		return "", false
	}
	return t.Format("2006-01-02"), true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

var revLayouts = []string{
	"20060102T150405Z07:00", "20060102T150405Z0700", "20060102T150405Z07", "20060102T150405",
	"2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05", "2006-01-02T15:04:05Z0700",
	"20060102T1504Z07:00", "2006-01-02T15:04Z07:00",
	"20060102", "2006-01-02",
}

// parseRevBasic parses "YYYYMMDDTHHMMSSZ", the form contactsync and most
// writers give REV, without time.Parse's search of the layout: what
// time.Parse would give for it under revLayouts' first, a date or time
// out of range read as no such form.
func parseRevBasic(s string) (time.Time, bool) {
	if len(s) != 16 || s[8] != 'T' || s[15] != 'Z' {
		return time.Time{}, false
	}
	var n [14]int
	k := 0
	for i := 0; i < 15; i++ {
		if i == 8 {
			continue
		}
		c := s[i]
		if c < '0' || c > '9' {
			return time.Time{}, false
		}
		n[k] = int(c - '0')
		k++
	}
	y := n[0]*1000 + n[1]*100 + n[2]*10 + n[3]
	mo, d := n[4]*10+n[5], n[6]*10+n[7]
	h, mi, sec := n[8]*10+n[9], n[10]*10+n[11], n[12]*10+n[13]
	if mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, 0, time.UTC)
	if t.Day() != d { // the 31st of a 30-day month, a 29 February out of a leap year
		return time.Time{}, false
	}
	return t, true
}

// parseRev parses a REV timestamp in basic or extended ISO 8601 form; a
// time without zone is taken as UTC. The result is UTC, whole seconds.
func parseRev(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, ok := parseRevBasic(s); ok {
		return t, true
	}
	// fractional seconds: drop them (REV is compared at second precision)
	if i := strings.IndexByte(s, '.'); i > 0 {
		j := i + 1
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j > i+1 {
			s = s[:i] + s[j:]
		}
	}
	for _, l := range revLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC().Truncate(time.Second), true
		}
	}
	return time.Time{}, false
}
