// Package phone puts telephone numbers into one comparable form, E.164
// ("+493012345678"), so that "030 1234-5678", "+49 (0)30 12345678" and
// "0049 30 12345678" are found to be the same number. It is the adapter of
// github.com/nyaruka/phonenumbers (Google's libphonenumber metadata), the
// only package that imports it.
//
// A number written without a country code can only be placed with a
// region: Normalizer.Region (an ISO 3166 code such as "DE" or "US"). Without
// one, or when the library cannot read a number, its key is its digits,
// marked as such ("digits:0301234"), so such numbers still match the very
// same digits but never a number in E.164 form by accident. An extension is
// part of the key: two people behind one switchboard are not one person.
package phone

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// Normalizer turns phone numbers into keys. The zero value places no
// number without a country code.
type Normalizer struct {
	// Region is the ISO 3166-1 alpha-2 region for numbers without a
	// country code; "" for none.
	Region string
}

// New returns a Normalizer for region ("" for none), refusing a region the
// phone metadata does not know.
func New(region string) (*Normalizer, error) {
	region = strings.ToUpper(strings.TrimSpace(region))
	if region != "" && !phonenumbers.GetSupportedRegions()[region] {
		return nil, fmt.Errorf("unknown region %q: want a two-letter country code such as %s", region, strings.Join(someRegions(), ", "))
	}
	return &Normalizer{Region: region}, nil
}

func someRegions() []string {
	out := []string{"DE", "FR", "GB", "US"}
	sort.Strings(out)
	return out
}

// Key returns the comparable form of a phone number: E.164, with
// ";ext=" and the extension when it has one; "digits:" and its digits when
// it cannot be placed; "" when s holds fewer than five digits (no number).
func (n *Normalizer) Key(s string) string {
	if countDigits(s) < 5 {
		return ""
	}
	if k, ok := international(s); ok {
		return k
	}
	digits := Digits(s)
	region := n.Region
	if region == "" {
		region = "ZZ" // unknown: only numbers with a country code parse
	}
	num, err := phonenumbers.Parse(s, region)
	if err != nil || !phonenumbers.IsPossibleNumber(num) {
		return "digits:" + digits
	}
	key := phonenumbers.Format(num, phonenumbers.E164)
	if ext := num.GetExtension(); ext != "" {
		key += ";ext=" + ext
	}
	return key
}

// international is the fast path for a number written with its country
// code ("+49 30 1234-5678"): its E.164 form is "+" and its digits. A full
// parse costs about 0.1 ms, which at a million contacts is minutes, so the
// library is asked only where it would change the digits: a national part
// that starts with 0 or with what the country's metadata strips as a
// national prefix ("+49 (0)30 ...", "+54 9 11 ..."), letters or an
// extension, or a number of impossible length. The fuzz test checks that
// this path and the library agree.
func international(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "+") {
		return "", false
	}
	// At most 15 digits (E.164): more is no number of this path.
	var buf [15]byte
	d := buf[:0]
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			if len(d) == len(buf) {
				return "", false
			}
			d = append(d, c)
		case c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')':
		default:
			return "", false
		}
	}
	if len(d) < 7 || d[0] == '0' {
		return "", false
	}
	plan := numberingPlans()
	cc := 0
	for l := 1; l <= 3; l++ {
		cc = cc*10 + int(d[l-1]-'0')
		region := plan.region[cc]
		if region == "ZZ" {
			continue
		}
		national := d[l:]
		if len(national) == 0 || national[0] == '0' {
			return "", false
		}
		if plan.strip[cc].match(national) {
			return "", false
		}
		if !plan.possible[cc][len(national)] {
			return "", false
		}
		return "+" + string(d), true
	}
	return "", false
}

// numberingPlan is what international asks of the metadata, per country
// calling code: its region ("ZZ" for none), which lengths of a national
// number (without leading zeros) are possible numbers, which is all
// phonenumbers.IsPossibleNumber looks at, and the national prefix its
// region's numbers are stripped of.
type numberingPlan struct {
	region   [1000]string
	possible [1000][16]bool
	strip    [1000]prefixRule
}

// prefixRule is a region's national prefix for parsing (nationalPrefixes),
// as international asks it: most are a literal ("1", "0", "8"), compared
// as bytes instead of by running the pattern (which took a third of a
// number's time).
type prefixRule struct {
	unknown bool           // no metadata: every number goes to the library
	re      *regexp.Regexp // the anchored pattern; nil for none
	literal []byte         // the pattern's whole text when it is a literal
	isLit   bool
}

// match reports whether a national number must go to the library: its
// region is unknown, or it starts with the national prefix.
func (r *prefixRule) match(national []byte) bool {
	switch {
	case r.unknown:
		return true
	case r.isLit:
		return bytes.HasPrefix(national, r.literal)
	}
	return r.re != nil && r.re.Match(national)
}

// newPrefixRule returns the rule of region's national prefix.
func newPrefixRule(region string) prefixRule {
	re, ok := nationalPrefixes()[region]
	if !ok {
		return prefixRule{unknown: true}
	}
	r := prefixRule{re: re}
	if re != nil {
		// The pattern is "^(?:p)": a literal p matches where its text is
		// a prefix.
		p := strings.TrimSuffix(strings.TrimPrefix(re.String(), "^(?:"), ")")
		if lit, whole := regexp.MustCompile(p).LiteralPrefix(); whole && p != "" {
			r.literal, r.isLit = []byte(lit), true
		}
	}
	return r
}

var numberingPlans = sync.OnceValue(func() *numberingPlan {
	p := &numberingPlan{}
	for cc := range p.region {
		p.region[cc] = phonenumbers.GetRegionCodeForCountryCode(cc)
		if p.region[cc] == "ZZ" {
			continue
		}
		p.strip[cc] = newPrefixRule(p.region[cc])
		cc32 := int32(cc)
		nn := uint64(1)
		for l := 1; l < len(p.possible[cc]); l++ {
			p.possible[cc][l] = phonenumbers.IsPossibleNumber(&phonenumbers.PhoneNumber{CountryCode: &cc32, NationalNumber: &nn})
			nn *= 10
		}
	}
	return p
})

// countDigits counts the ASCII digits of s.
func countDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= '0' && c <= '9' {
			n++
		}
	}
	return n
}

// nationalPrefixes maps each region of the metadata to the pattern of the
// national prefix its numbers are stripped of when parsed (nil for none).
var nationalPrefixes = sync.OnceValue(func() map[string]*regexp.Regexp {
	m := map[string]*regexp.Regexp{}
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		return m // every number goes to the library
	}
	for _, md := range coll.GetMetadata() {
		var re *regexp.Regexp
		if p := md.GetNationalPrefixForParsing(); p != "" {
			if re, err = regexp.Compile("^(?:" + p + ")"); err != nil {
				continue // unknown region: the library decides
			}
		}
		m[md.GetId()] = re
	}
	return m
})

// Digits returns the ASCII digits of s, in order.
func Digits(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= '0' && c <= '9' {
			b.WriteByte(c)
		}
	}
	return b.String()
}
