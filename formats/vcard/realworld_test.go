package vcard

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"golang.org/x/text/encoding/unicode"

	"contactsync/engine/contact"
	"contactsync/fixtures"
	"contactsync/formats"
)

// malformed names the real-world files that are not vCards a reader should
// accept, with the positioned error Read must give ("line:col: ...").
// Every sample here is read by the program it comes from, so none is
// refused; lenient lists the leniencies each is read with instead.
var malformed = map[string]string{}

// lenient names the real-world files read past a flaw, with the warnings
// (":line:col: ...") Read must give for it.
var lenient = map[string][]string{
	// Android's test of '#' comment lines, which no vCard version allows
	// and Android's parser ignores.
	"android_frameworks_opt_vcard/tests/res/raw/v21_invalid_comment_line.vcf": {
		":6:1: invalid character '#' in property name: not a property, line skipped",
		":9:1: invalid character '#' in property name: not a property, line skipped",
	},
	// A bare "FN" line without ':' (KDE test of broken Evolution output,
	// which KContacts reads: vcard4.vcf.ref).
	"kcontacts/autotests/data/vcard4.vcf": {":3:3: FN: no ':' after the property name: not a property, line skipped"},
	// Old KDE "X-messaging/twitter-All" names: '/' is not allowed in a
	// name; KContacts reads them (vcard_legacy_messaging_fields.vcf.ref).
	"kcontacts/autotests/data/vcard_legacy_messaging_fields.vcf": {
		":6:12: X-messaging/twitter-All: invalid character '/' in property name; name read as written",
		":7:12: X-messaging/irc-All: invalid character '/' in property name; name read as written",
		":8:12: X-messaging/xmpp-All: invalid character '/' in property name; name read as written",
	},
}

// realWorldVCards lists every .vcf (and KContacts' .vcf.ref outputs) under
// the shared real-world folder, relative to it.
func realWorldVCards(t testing.TB) (string, []string) {
	root, paths, err := fixtures.RealWorldFiles(".vcf", ".vcf.ref")
	if err != nil {
		t.Fatal(err)
	}
	files := make([]string, len(paths))
	for i, p := range paths {
		rel, _ := filepath.Rel(root, p)
		files[i] = filepath.ToSlash(rel)
	}
	if len(files) < 70 {
		t.Fatalf("found only %d vCard files under %s", len(files), root)
	}
	return root, files
}

// rawText decodes a sample independently of the reader: UTF-16 by BOM or by
// a NUL in the first two bytes; other bytes stay as they are.
func rawText(t testing.TB, b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}), len(b) > 1 && b[0] == 0:
		out, err := unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewDecoder().Bytes(b)
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}), len(b) > 1 && b[1] == 0:
		out, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder().Bytes(b)
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	return strings.TrimPrefix(string(b), "\uFEFF")
}

var breakRE = regexp.MustCompile(`\r*\n|\r`)

// rawProp is a property as the independent scanner sees it.
type rawProp struct {
	key    string // upper-case "GROUP.NAME" or "NAME"
	params string // upper-case text between the name and ':'
	value  string // raw value after unfolding
}

// scanCards is the independent property counter: it splits the raw text
// into cards (in BEGIN order, nested cards separately) and logical
// properties, following folding, quoted-printable soft breaks, unindented
// base64 lines and backslash-continued lines.
func scanCards(text string) [][]rawProp {
	var cards [][]rawProp
	var stack []int
	var logical []string
	for _, l := range breakRE.Split(text, -1) {
		n := len(logical)
		if n > 0 {
			prev := logical[n-1]
			up := strings.ToUpper(prev[:max(0, strings.IndexByte(prev, ':'))])
			qp := strings.Contains(up, "QUOTED-PRINTABLE")
			b64 := strings.Contains(up, "BASE64") || strings.Contains(up, "ENCODING=B")
			switch {
			case qp && strings.HasSuffix(prev, "=") && !strings.EqualFold(strings.TrimSpace(l), "END:VCARD"):
				logical[n-1] = prev[:len(prev)-1] + l
				continue
			case len(l) > 0 && (l[0] == ' ' || l[0] == '\t'):
				logical[n-1] = prev + l[1:]
				continue
			case b64 && regexp.MustCompile(`^[A-Za-z0-9+/=]+$`).MatchString(l):
				logical[n-1] = prev + l
				continue
			case strings.HasSuffix(prev, `\`) && !strings.HasSuffix(prev, `\\`) && l != "" && !strings.Contains(l, ":"):
				logical[n-1] = prev + "\n" + l
				continue
			}
		}
		if strings.TrimSpace(l) == "" {
			continue
		}
		logical = append(logical, l)
	}
	for _, l := range logical {
		switch up := strings.ToUpper(strings.TrimSpace(l)); up {
		case "BEGIN:VCARD":
			stack = append(stack, len(cards))
			cards = append(cards, nil)
			continue
		case "END:VCARD":
			stack = stack[:len(stack)-1]
			continue
		}
		end := strings.IndexAny(l, ";:")
		colon, quoted := -1, false
		for i := 0; i < len(l) && colon < 0; i++ {
			switch {
			case l[i] == '"':
				quoted = !quoted
			case l[i] == ':' && !quoted:
				colon = i
			}
		}
		if colon < 0 || strings.HasPrefix(l, "#") || len(stack) == 0 {
			continue // not a property (read past with a warning)
		}
		rp := rawProp{key: strings.ToUpper(l[:end]), value: l[colon+1:]}
		if end < colon {
			rp.params = strings.ToUpper(l[end:colon])
		}
		i := stack[len(stack)-1]
		cards[i] = append(cards[i], rp)
	}
	return cards
}

// mappedCapacity is how many properties of each mapped kind the model can
// hold; any more must be in Extra.
var mappedCapacity = map[string]int{
	"N": 1, "FN": 1, "ORG": 1, "TITLE": 1, "NOTE": 1, "BDAY": 1, "CATEGORIES": 1, "REV": 1,
	"UID": 1, "URL": 1, "EMAIL": 3, "ADR": 3, "TEL": 11, "VERSION": 1, "PROFILE": 1,
}

// checkAccounted proves that every property of the raw card is either kept
// in Extra or mapped into a field that holds its value.
func checkAccounted(t *testing.T, raw []rawProp, c *contact.Contact) {
	t.Helper()
	left := append([]rawProp(nil), raw...)
	take := func(key string) bool {
		for i, r := range left {
			if r.key == key {
				left = append(left[:i], left[i+1:]...)
				return true
			}
		}
		return false
	}
	extraVals := map[string]bool{}
	for _, e := range c.Extra {
		extraVals[e.Value] = true
		if strings.HasPrefix(e.Name, "=") {
			continue
		}
		key := strings.ToUpper(e.Name)
		if i := strings.IndexByte(key, ';'); i >= 0 {
			key = key[:i]
		}
		if !take(key) {
			t.Errorf("card at line %d: Extra %q matches no property of the input", c.Line, e.Name)
		}
	}
	count := map[string]int{}
	for _, r := range left {
		name := r.key[strings.IndexByte(r.key, '.')+1:]
		count[name]++
		if count[name] > mappedCapacity[name] {
			t.Errorf("card at line %d: property %s (%q) neither in Extra nor mappable (%d of that kind)", c.Line, r.key, r.value, count[r.key])
			continue
		}
		if strings.Contains(r.params, "ENCODING") || strings.Contains(r.params, "CHARSET") || strings.ContainsAny(r.value, "\\\n") || !isASCII(r.value) {
			continue // the value check below needs plain text
		}
		has := func(v string) bool {
			v = strings.TrimSpace(v)
			if v == "" || v == c.Key || extraVals[v] {
				return true
			}
			for _, x := range c.Values {
				if strings.TrimSpace(x) == v {
					return true
				}
			}
			return false
		}
		var parts []string
		switch name {
		case "N", "ORG", "ADR":
			parts = strings.Split(r.value, ";")
		case "CATEGORIES":
			for _, p := range strings.Split(r.value, ",") {
				if !strings.Contains(";"+c.Values[contact.Categories]+";", ";"+strings.TrimSpace(p)+";") && strings.TrimSpace(p) != "" {
					t.Errorf("card at line %d: category %q lost", c.Line, p)
				}
			}
		case "BDAY":
			if c.Values[contact.Birthday] == "" {
				t.Errorf("card at line %d: BDAY %q mapped to nothing", c.Line, r.value)
			}
		case "REV":
			if c.Modified.IsZero() {
				t.Errorf("card at line %d: REV %q mapped to nothing", c.Line, r.value)
			}
		case "FN", "VERSION", "PROFILE":
		default:
			parts = []string{r.value}
		}
		for _, p := range parts {
			if !has(p) && !strings.Contains(strings.Join(extraValues(c), "\x00"), p) {
				t.Errorf("card at line %d: %s value %q is in no field and no Extra", c.Line, r.key, p)
			}
		}
	}
}

func extraValues(c *contact.Contact) []string {
	var out []string
	for _, e := range c.Extra {
		out = append(out, e.Value)
	}
	return out
}

// comparable strips what a round trip may change (the line number).
func comparable(cs []contact.Contact) []contact.Contact {
	out := make([]contact.Contact, len(cs))
	for i, c := range cs {
		c = c.Clone()
		c.Line = 0
		if len(c.Extra) == 0 {
			c.Extra = nil
		}
		out[i] = c
	}
	return out
}

func TestRealWorld(t *testing.T) {
	root, files := realWorldVCards(t)
	for _, rel := range files {
		t.Run(rel, func(t *testing.T) {
			path := filepath.Join(root, filepath.FromSlash(rel))
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := ReadFile(path)
			if want, bad := malformed[rel]; bad {
				var pe *formats.ParseError
				if !errors.As(err, &pe) || pe.Line == 0 {
					t.Fatalf("ReadFile = %v, want a positioned error ending %q", err, want)
				}
				if !strings.HasSuffix(err.Error(), want) {
					t.Fatalf("ReadFile error = %q, want it to end %q", err, want)
				}
				if got := Validate(path); len(got) == 0 || got[0].Error() != err.Error() {
					t.Fatalf("Validate = %v, want first problem %v", got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ReadFile: %v", err)
			}
			if v := Validate(path); len(v) != 0 {
				t.Errorf("Validate found problems in a file that reads: %v", v)
			}
			if want, ok := lenient[rel]; ok {
				var got []string
				for _, w := range f.Warnings {
					got = append(got, strings.TrimPrefix(w.Text, path))
				}
				if strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Errorf("warnings\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
				if _, cw := Check(path); !reflect.DeepEqual(cw, formats.WarningTexts(f.Warnings)) {
					t.Errorf("Check warnings %q, want ReadFile's %q", cw, f.Warnings)
				}
			}
			text := rawText(t, b)
			begins := 0
			for _, l := range breakRE.Split(text, -1) {
				if strings.EqualFold(strings.TrimSpace(l), "BEGIN:VCARD") {
					begins++
				}
			}
			if begins == 0 || len(f.Contacts) != begins || f.Cards != begins {
				t.Fatalf("read %d contacts (%d cards), the file has %d BEGIN:VCARD lines", len(f.Contacts), f.Cards, begins)
			}
			cards := scanCards(text)
			if len(cards) != len(f.Contacts) {
				t.Fatalf("independent scanner found %d cards, reader %d", len(cards), len(f.Contacts))
			}
			for i := range cards {
				checkAccounted(t, cards[i], &f.Contacts[i])
			}

			var out bytes.Buffer
			if err := Write(&out, f.Contacts, Options{}); err != nil {
				t.Fatal(err)
			}
			back, err := Read(bytes.NewReader(out.Bytes()), "written")
			if err != nil {
				t.Fatalf("reading our own output: %v\n%s", err, out.String())
			}
			// Our output may only repeat what was odd in the input (a BDAY
			// that is no date stays as it was), nothing new.
			seenWarn := map[string]bool{}
			for _, w := range f.Warnings {
				seenWarn[warnText(w.Text)] = true
			}
			for _, w := range back.Warnings {
				if !seenWarn[warnText(w.Text)] {
					t.Errorf("our own output gives a new warning: %s", w)
				}
			}
			if got, want := comparable(back.Contacts), comparable(f.Contacts); !reflect.DeepEqual(got, want) {
				for i := range want {
					if i < len(got) && !reflect.DeepEqual(got[i], want[i]) {
						t.Errorf("round trip changed contact %d:\n got %+v\nwant %+v", i, got[i], want[i])
					}
				}
				t.Fatalf("round trip through vCard 3.0 changed the contacts")
			}

			out.Reset()
			if err := Write(&out, f.Contacts, Options{Version: "4.0"}); err != nil {
				t.Fatal(err)
			}
			back4, err := Read(bytes.NewReader(out.Bytes()), "written4")
			if err != nil {
				t.Fatalf("reading our own 4.0 output: %v", err)
			}
			for i := range f.Contacts {
				g, w := back4.Contacts[i], f.Contacts[i]
				if g.Values != w.Values || g.Key != w.Key || !g.Modified.Equal(w.Modified) {
					t.Errorf("round trip through vCard 4.0 changed contact %d:\n got %+v\nwant %+v", i, g, w)
				}
			}
		})
	}
}

// TestRealWorldNamesMalformedExist keeps the error table honest: every
// entry names a file that exists.
func TestRealWorldNamesMalformedExist(t *testing.T) {
	_, files := realWorldVCards(t)
	sort.Strings(files)
	for rel := range malformed {
		i := sort.SearchStrings(files, rel)
		if i >= len(files) || files[i] != rel {
			t.Errorf("malformed table names %s, which is not among the samples", rel)
		}
	}
}

// warnText strips "file:line: " from a warning.
func warnText(w string) string {
	parts := strings.SplitN(w, ": ", 2)
	return parts[len(parts)-1]
}
