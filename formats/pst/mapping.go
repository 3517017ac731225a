package pst

import (
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"contactsync/engine/contact"
)

// The contact property map ([MS-OXOCNTC], [MS-OXPROPS]). Tagged properties
// have fixed ids; PSETID_Address properties are named by LID and get their
// per-store id from the name-to-id map.

var tagFields = map[uint16]contact.Field{
	0x3A45: contact.Prefix,     // PidTagDisplayNamePrefix
	0x3A06: contact.First,      // PidTagGivenName
	0x3A44: contact.Middle,     // PidTagMiddleName
	0x3A11: contact.Last,       // PidTagSurname
	0x3A05: contact.Suffix,     // PidTagGeneration
	0x3A16: contact.Company,    // PidTagCompanyName
	0x3A18: contact.Department, // PidTagDepartmentName
	0x3A17: contact.JobTitle,   // PidTagTitle

	0x3A08: contact.PhoneBusiness,    // PidTagBusinessTelephoneNumber
	0x3A1B: contact.PhoneBusiness2,   // PidTagBusiness2TelephoneNumber
	0x3A1C: contact.PhoneMobile,      // PidTagMobileTelephoneNumber
	0x3A09: contact.PhoneHome,        // PidTagHomeTelephoneNumber
	0x3A2F: contact.PhoneHome2,       // PidTagHome2TelephoneNumber
	0x3A24: contact.PhoneFaxBusiness, // PidTagBusinessFaxNumber
	0x3A25: contact.PhoneFaxHome,     // PidTagHomeFaxNumber
	0x3A1F: contact.PhoneOther,       // PidTagOtherTelephoneNumber
	0x3A21: contact.PhonePager,       // PidTagPagerTelephoneNumber
	0x3A2E: contact.PhoneAssistant,   // PidTagAssistantTelephoneNumber
	0x3A57: contact.PhoneCompanyMain, // PidTagCompanyMainTelephoneNumber

	0x3A5D: contact.HomeStreet,      // PidTagHomeAddressStreet
	0x3A59: contact.HomeCity,        // PidTagHomeAddressCity
	0x3A5C: contact.HomeState,       // PidTagHomeAddressStateOrProvince
	0x3A5B: contact.HomePostalCode,  // PidTagHomeAddressPostalCode
	0x3A5A: contact.HomeCountry,     // PidTagHomeAddressCountry
	0x3A63: contact.OtherStreet,     // PidTagOtherAddressStreet
	0x3A5F: contact.OtherCity,       // PidTagOtherAddressCity
	0x3A62: contact.OtherState,      // PidTagOtherAddressStateOrProvince
	0x3A61: contact.OtherPostalCode, // PidTagOtherAddressPostalCode
	0x3A60: contact.OtherCountry,    // PidTagOtherAddressCountry
}

// tagExtras are tagged properties kept in Extra under their [MS-OXPROPS] name.
var tagExtras = map[uint16]string{
	0x0037: "PidTagSubject",
	0x3001: "PidTagDisplayName",
	0x3A4F: "PidTagNickname",
	0x3A0A: "PidTagInitials",
	0x3A19: "PidTagOfficeLocation",
	0x3A46: "PidTagProfession",
	0x3A1A: "PidTagPrimaryTelephoneNumber",
	0x3A23: "PidTagPrimaryFaxNumber",
	0x3A1E: "PidTagCarTelephoneNumber",
	0x3A1D: "PidTagRadioTelephoneNumber",
	0x3A02: "PidTagCallbackTelephoneNumber",
	0x3A2D: "PidTagIsdnNumber",
	0x3A2C: "PidTagTelexNumber",
	0x3A4B: "PidTagTtyTddPhoneNumber",
	0x3A5E: "PidTagHomeAddressPostOfficeBox",
	0x3A64: "PidTagOtherAddressPostOfficeBox",
	0x3A29: "PidTagStreetAddress",
	0x3A27: "PidTagLocality",
	0x3A28: "PidTagStateOrProvince",
	0x3A2A: "PidTagPostalCode",
	0x3A26: "PidTagCountry",
	0x3A2B: "PidTagPostOfficeBox",
	0x3A15: "PidTagPostalAddress",
	0x3A50: "PidTagPersonalHomePage",
	0x3A30: "PidTagAssistant",
	0x3A4E: "PidTagManagerName",
	0x3A48: "PidTagSpouseName",
	0x3A58: "PidTagChildrensNames",
	0x3A4D: "PidTagGender",
	0x3A43: "PidTagHobbies",
	0x3A0C: "PidTagLanguage",
	0x3A00: "PidTagAccount",
	0x3A4A: "PidTagCustomerId",
	0x3A10: "PidTagOrganizationalIdNumber",
	0x3A49: "PidTagComputerNetworkName",
	0x3A4C: "PidTagFtpSite",
	0x3A0D: "PidTagLocation",
	0x3007: "PidTagCreationTime",
}

// lidFields are PSETID_Address properties mapped to canonical fields.
var lidFields = map[uint32]contact.Field{
	0x8045: contact.BusinessStreet,     // PidLidWorkAddressStreet
	0x8046: contact.BusinessCity,       // PidLidWorkAddressCity
	0x8047: contact.BusinessState,      // PidLidWorkAddressState
	0x8048: contact.BusinessPostalCode, // PidLidWorkAddressPostalCode
	0x8049: contact.BusinessCountry,    // PidLidWorkAddressCountry
}

// lidExtras are PSETID_Address properties kept in Extra.
var lidExtras = map[uint32]string{
	0x8005: "PidLidFileUnder",
	0x8080: "PidLidEmail1DisplayName",
	0x8082: "PidLidEmail1AddressType",
	0x8084: "PidLidEmail1OriginalDisplayName",
	0x8090: "PidLidEmail2DisplayName",
	0x8092: "PidLidEmail2AddressType",
	0x8094: "PidLidEmail2OriginalDisplayName",
	0x80A0: "PidLidEmail3DisplayName",
	0x80A2: "PidLidEmail3AddressType",
	0x80A4: "PidLidEmail3OriginalDisplayName",
	0x80B3: "PidLidFax1EmailAddress",
	0x80C3: "PidLidFax2EmailAddress",
	0x80D3: "PidLidFax3EmailAddress",
	0x801A: "PidLidHomeAddress",
	0x801B: "PidLidWorkAddress",
	0x801C: "PidLidOtherAddress",
	0x804A: "PidLidWorkAddressPostOfficeBox",
	0x8022: "PidLidPostalAddressId",
	0x8062: "PidLidInstantMessagingAddress",
	0x804F: "PidLidContactUserField1",
	0x8050: "PidLidContactUserField2",
	0x8051: "PidLidContactUserField3",
	0x8052: "PidLidContactUserField4",
	0x8010: "PidLidDepartment",
}

const (
	lidEmail1Address = 0x8083
	lidHTML          = 0x802B // PidLidHtml: the contact's web page
	lidBirthdayLocal = 0x80DE
	tagBirthday      = 0x3A42
	tagAnniversary   = 0x3A41
	tagBusinessHome  = 0x3A51 // PidTagBusinessHomePage
)

// mapContact turns a contact message's properties into a Contact.
func (r *reader) mapContact(p *pc, nid uint32) (contact.Contact, error) {
	c, err := mapProps(p, r.names)
	c.Key = r.entryKey(nid)
	if err != nil {
		return c, r.f.perr(p.n.off(), nodeField(p.n.nid)+" PidTagRtfCompressed", "%v", err)
	}
	return c, nil
}

// mapProps is the one MAPI contact mapping: a contact message's properties
// (from a PST, or from an .msg file through Message) into a Contact
// without its Key. An error is the compressed RTF body's.
func mapProps(p *pc, names *nameMap) (contact.Contact, error) {
	var c contact.Contact
	if t, ok := p.time(tagLastModification); ok {
		c.Modified = t
		c.ModifiedFrom = "PidTagLastModificationTime"
	}
	extra := func(name, v string) {
		if v != "" {
			c.Extra = append(c.Extra, contact.Extra{Name: name, Value: v, Format: contact.FormatPST})
		}
	}
	var (
		emails     [3]string
		emailTypes [3]string
		emailOrig  [3]string
		birthLocal time.Time
		html       string
		keywords   []string
		full       = map[uint32]string{} // PidLidHome/Work/OtherAddress
	)
	for _, id := range p.order {
		if f, ok := tagFields[id]; ok {
			c.Values[f], _ = p.text(id)
			continue
		}
		if name, ok := tagExtras[id]; ok {
			v, _ := p.text(id)
			if id == 0x0037 {
				v = normalizedSubject(v)
			}
			extra(name, v)
			continue
		}
		if id == tagAnniversary {
			if t, ok := p.time(id); ok {
				extra("PidTagWeddingAnniversary", dateOf(t))
			}
			continue
		}
		if id < 0x8000 {
			continue
		}
		np, ok := names.byID[id]
		if !ok {
			continue
		}
		switch {
		case np.is(psetidAddress) && np.name == "":
			lid := np.lid
			if f, ok := lidFields[lid]; ok {
				c.Values[f], _ = p.text(id)
				continue
			}
			if i, kind := emailLID(lid); i >= 0 {
				v, _ := p.text(id)
				switch kind {
				case 3:
					emails[i] = v
				case 2:
					emailTypes[i] = v
				case 4:
					emailOrig[i] = v
				}
			}
			switch lid {
			case lidHTML:
				html, _ = p.text(id)
			case lidBirthdayLocal:
				birthLocal, _ = p.time(id)
			}
			if name, ok := lidExtras[lid]; ok {
				v, _ := p.text(id)
				extra(name, v)
				if lid >= 0x801A && lid <= 0x801C {
					full[lid] = v
				}
			}
		case np.is(psPublicStrings) && strings.EqualFold(np.name, "Keywords"):
			keywords = p.multiStrings(id)
		}
	}

	// E-mail: prefer the SMTP address. For Exchange ("EX") entries the
	// address is an X.500 DN and the SMTP address is usually in the
	// original display name; the DN is then kept in Extra.
	for i := range emails {
		addr := emails[i]
		if strings.EqualFold(emailTypes[i], "EX") || !strings.Contains(addr, "@") {
			if o := strings.TrimSpace(emailOrig[i]); strings.Contains(o, "@") && !strings.ContainsAny(o, " <>") {
				if addr != "" && addr != o {
					extra(fmt.Sprintf("PidLidEmail%dEmailAddress", i+1), addr)
				}
				addr = o
			}
		}
		c.Values[contact.Email1+contact.Field(i)] = addr
	}

	// Some writers (Aspose) store only the full address text. Then the
	// street carries it, so the address is not lost to the canonical
	// fields; the full text stays in Extra as well.
	for lid, street := range map[uint32]contact.Field{0x801A: contact.HomeStreet, 0x801B: contact.BusinessStreet, 0x801C: contact.OtherStreet} {
		if v := full[lid]; v != "" && allEmpty(c.Values[street:street+5]) {
			c.Values[street] = v
		}
	}

	c.Values[contact.WebPage], _ = p.text(tagBusinessHome)
	if c.Values[contact.WebPage] == "" {
		c.Values[contact.WebPage] = html
	} else if html != "" && html != c.Values[contact.WebPage] {
		extra("PidLidHtml", html)
	}

	// Birthday: Outlook stores local midnight converted to UTC
	// (PidTagBirthday) and, since 2007, local midnight as if it were UTC
	// (PidLidBirthdayLocal). Rounding to the nearest midnight recovers the
	// date in every time zone from UTC-12 to UTC+12.
	if !birthLocal.IsZero() {
		c.Values[contact.Birthday] = dateOf(birthLocal)
	} else if t, ok := p.time(tagBirthday); ok {
		c.Values[contact.Birthday] = dateOf(t)
	}

	c.Values[contact.Categories] = contact.JoinCategories(trimAll(keywords))

	notes, err := notesOf(p)
	if err != nil {
		return c, err
	}
	c.Values[contact.Notes] = notes
	nameFromDisplay(&c)

	for f, v := range c.Values {
		c.Values[f] = strings.ReplaceAll(v, "\r\n", "\n")
	}
	for i := range c.Extra {
		c.Extra[i].Value = strings.ReplaceAll(c.Extra[i].Value, "\r\n", "\n")
	}
	return c, nil
}

// normalizedSubject drops the subject-prefix marker ([MS-OXCMSG]
// §2.2.1.46): a leading U+0001 followed by the prefix length.
func normalizedSubject(s string) string {
	if r := []rune(s); len(r) >= 2 && r[0] == 1 {
		return string(r[2:])
	}
	return s
}

// emailLID says which e-mail (0..2) and which part (0 display name, 2 type,
// 3 address, 4 original display name) a PSETID_Address LID is; -1 if none.
func emailLID(lid uint32) (int, int) {
	for i, base := range []uint32{0x8080, 0x8090, 0x80A0} {
		if lid >= base && lid <= base+4 {
			return i, int(lid - base)
		}
	}
	return -1, 0
}

// dateOf rounds a stored birthday to the nearest midnight and formats it.
func dateOf(t time.Time) string {
	return t.UTC().Add(12 * time.Hour).Format("2006-01-02")
}

func allEmpty(vs []string) bool {
	for _, v := range vs {
		if v != "" {
			return false
		}
	}
	return true
}

func trimAll(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// notes returns the plain-text body, or the text of the compressed RTF
// body when there is no plain one.
func notesOf(p *pc) (string, error) {
	if s, ok := p.text(tagBody); ok && s != "" {
		return strings.TrimRight(s, "\r\n\x00"), nil
	}
	raw := p.binary(tagRtfCompressed)
	if len(raw) == 0 {
		return "", nil
	}
	rtf, err := decompressRTF(raw)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(rtfText(rtf), "\r\n"), nil
}

// entryKey is the message's PST entry id in upper-case hex: four zero flag
// bytes, the store's record key and the node id (little-endian).
func (r *reader) entryKey(nid uint32) string {
	eid := make([]byte, 0, 24)
	eid = append(eid, 0, 0, 0, 0)
	eid = append(eid, r.recordKey...)
	eid = le.AppendUint32(eid, nid)
	return strings.ToUpper(hex.EncodeToString(eid))
}

// nameFromDisplay fills the first and last name from the display name when
// the contact has neither (some writers store only "Sebastian Wright" as
// PidTagDisplayName): "Last, First" or "First ... Last". A display name that
// is an e-mail address is no name. The display name stays in Extra.
func nameFromDisplay(c *contact.Contact) {
	if c.Values[contact.First] != "" || c.Values[contact.Last] != "" {
		return
	}
	name, ok := c.ExtraValue("PidTagDisplayName")
	if !ok || strings.TrimSpace(name) == "" {
		name, _ = c.ExtraValue("PidTagSubject")
	}
	name = strings.Join(strings.Fields(name), " ")
	if name == "" || strings.Contains(name, "@") || name == c.Values[contact.Company] {
		return
	}
	if last, first, ok := strings.Cut(name, ", "); ok {
		c.Values[contact.Last], c.Values[contact.First] = last, first
		return
	}
	if i := strings.LastIndexByte(name, ' '); i > 0 {
		c.Values[contact.First], c.Values[contact.Last] = name[:i], name[i+1:]
		return
	}
	c.Values[contact.Last] = name
}
