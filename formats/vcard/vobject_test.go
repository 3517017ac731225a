package vcard

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"contactsync/engine/contact"
)

// vobjectScript parses each file named on the command line with Debian's
// python3-vobject and prints, per file, every card's FN, N parts, e-mail
// addresses and phone numbers as JSON.
const vobjectScript = `
import json, sys, vobject
out = {}
for path in sys.argv[1:]:
    cards = []
    with open(path, encoding="utf-8", newline="") as f:
        for card in vobject.readComponents(f.read()):
            c = {"fn": "", "n": [], "email": [], "tel": []}
            if hasattr(card, "fn"):
                c["fn"] = card.fn.value
            if hasattr(card, "n"):
                n = card.n.value
                def s(x):
                    return " ".join(x) if isinstance(x, list) else x
                c["n"] = [s(n.family), s(n.given), s(n.additional), s(n.prefix), s(n.suffix)]
            for ch in card.getChildren():
                if ch.name == "EMAIL":
                    c["email"].append(ch.value)
                elif ch.name == "TEL":
                    c["tel"].append(ch.value)
            cards.append(c)
    out[path] = cards
print(json.dumps(out))
`

type vobjectCard struct {
	FN    string   `json:"fn"`
	N     []string `json:"n"`
	Email []string `json:"email"`
	Tel   []string `json:"tel"`
}

// runVobject fails the test (never skips) when /usr/bin/python3 cannot
// import vobject: the project's setup installs python3-vobject.
func runVobject(t *testing.T, files []string) map[string][]vobjectCard {
	t.Helper()
	const py = "/usr/bin/python3"
	if out, err := exec.Command(py, "-c", "import vobject").CombinedOutput(); err != nil {
		t.Fatalf("%s cannot import vobject (install Debian's python3-vobject: apt-get install -y python3-vobject): %v\n%s", py, err, out)
	}
	cmd := exec.Command(py, append([]string{"-c", vobjectScript}, files...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("vobject failed on our output: %v\n%s", err, stderr.String())
	}
	var res map[string][]vobjectCard
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("vobject output: %v", err)
	}
	return res
}

// TestVobjectReadsOurOutput writes every real-world sample as vCard 3.0
// and 4.0 and has an independent parser read it back: the same number of
// cards, and for 3.0 the same names, e-mail addresses and phone numbers.
func TestVobjectReadsOurOutput(t *testing.T) {
	root, files := realWorldVCards(t)
	dir := t.TempDir()
	want := map[string][]contact.Contact{}
	var written []string
	for i, rel := range files {
		if _, bad := malformed[rel]; bad {
			continue
		}
		f, err := ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		for _, ver := range []string{"3.0", "4.0"} {
			out := filepath.Join(dir, strings.ReplaceAll(ver, ".", "")+"-"+strings.ReplaceAll(rel, "/", "_"))
			_ = i
			if err := WriteFile(out, f.Contacts, Options{Version: ver}); err != nil {
				t.Fatal(err)
			}
			want[out] = f.Contacts
			written = append(written, out)
		}
	}
	got := runVobject(t, written)
	for _, out := range written {
		cs, cards := want[out], got[out]
		if len(cards) != len(cs) {
			t.Errorf("%s: vobject read %d cards, we wrote %d", filepath.Base(out), len(cards), len(cs))
			continue
		}
		if !strings.HasPrefix(filepath.Base(out), "30-") {
			continue
		}
		for i := range cs {
			c, vc := &cs[i], cards[i]
			wantFN := defaultFN(c)
			if v, ok := c.ExtraValue("=FN.text"); ok {
				if from, _ := c.ExtraValue("=FN.from"); from == wantFN {
					wantFN = v
				}
			}
			if vc.FN != wantFN {
				t.Errorf("%s card %d: vobject FN = %q, want %q", filepath.Base(out), i, vc.FN, wantFN)
			}
			wantN := []string{c.Values[contact.Last], c.Values[contact.First], c.Values[contact.Middle], c.Values[contact.Prefix], c.Values[contact.Suffix]}
			if strings.Join(vc.N, "\x00") != strings.Join(wantN, "\x00") {
				t.Errorf("%s card %d: vobject N = %q, want %q", filepath.Base(out), i, vc.N, wantN)
			}
			for k, f := range emailFields {
				if v := c.Values[f]; v != "" && (k >= len(vc.Email) || vc.Email[k] != v) {
					t.Errorf("%s card %d: vobject e-mails %q, want %q at %d", filepath.Base(out), i, vc.Email, v, k)
				}
			}
			tels := map[string]bool{}
			for _, v := range vc.Tel {
				tels[v] = true
			}
			for _, s := range telSlots {
				if v := c.Values[s.field]; v != "" && !tels[v] {
					t.Errorf("%s card %d: vobject phones %q lack %s %q", filepath.Base(out), i, vc.Tel, s.field, v)
				}
			}
		}
	}
	if len(written) < 100 {
		t.Fatalf("only %d files checked", len(written))
	}
	_ = os.Remove
}

// vobjectCarrierScript prints, per file, every X-CONTACTSYNC-EXTRA with its
// parameters as vobject sees them and its value (base64 when vobject
// decoded ENCODING=b to bytes).
const vobjectCarrierScript = `
import base64, json, sys, vobject
out = {}
for path in sys.argv[1:]:
    got = []
    with open(path, encoding="utf-8", newline="") as f:
        for card in vobject.readComponents(f.read()):
            for ch in card.getChildren():
                if ch.name == "X-CONTACTSYNC-EXTRA":
                    v, b64 = ch.value, False
                    if isinstance(v, bytes):
                        v, b64 = base64.b64encode(v).decode(), True
                    got.append({"params": {k: list(vs) for k, vs in ch.params.items()}, "value": v, "b64": b64})
    out[path] = got
print(json.dumps(out))
`

// TestVobjectReadsCarriers: vobject reads our carriers of foreign Extras in
// 3.0 and 4.0 as ordinary X- properties with parameters, and what it sees
// decodes to the Extras: X-NAME and X-FORMAT through decodeParam (vobject
// leaves parameter values as written), the value as text or base64.
func TestVobjectReadsCarriers(t *testing.T) {
	var extras []contact.Extra
	// Every name and every value once (all pairs would make vobject slow
	// on the longest names).
	for i := range max(len(carrierNames), len(carrierValues)) {
		extras = append(extras, contact.Extra{Name: carrierNames[i%len(carrierNames)], Value: carrierValues[i%len(carrierValues)], Format: carrierFormats[i%len(carrierFormats)]})
	}
	extras = append(extras, contact.Extra{Name: "own name", Value: "v", Format: contact.FormatVCard})
	c := mixedContact()
	c.Extra = append(c.Extra, extras...)
	var want []contact.Extra
	for _, e := range c.Extra {
		if !isOwn(e) || e.Name == "own name" {
			want = append(want, e)
		}
	}
	if _, err := exec.LookPath("/usr/bin/python3"); err != nil {
		t.Fatalf("no /usr/bin/python3: %v", err)
	}
	dir := t.TempDir()
	var files []string
	for _, ver := range []string{"3.0", "4.0"} {
		p := filepath.Join(dir, "carriers"+ver+".vcf")
		if err := WriteFile(p, []contact.Contact{c}, Options{Version: ver}); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	out, err := exec.Command("/usr/bin/python3", append([]string{"-c", vobjectCarrierScript}, files...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("vobject: %v\n%s", err, out)
	}
	var res map[string][]struct {
		Params map[string][]string `json:"params"`
		Value  string              `json:"value"`
		B64    bool                `json:"b64"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("vobject output: %v\n%.300s", err, out)
	}
	for _, p := range files {
		got := res[p]
		if len(got) != len(want) {
			t.Errorf("%s: vobject found %d carriers, want %d", filepath.Base(p), len(got), len(want))
			continue
		}
		for i, g := range got {
			w := want[i]
			e := contact.Extra{Format: contact.FormatVCard, Value: g.Value}
			if n := g.Params["X-NAME"]; len(n) == 1 {
				e.Name = decodeParam(n[0])
			}
			if f := g.Params["X-FORMAT"]; len(f) == 1 {
				e.Format = decodeParam(f[0])
			}
			if g.B64 {
				b, _ := base64.StdEncoding.DecodeString(g.Value)
				e.Value = string(b)
			}
			if e != w {
				t.Errorf("%s carrier %d: vobject gives %q, want %q", filepath.Base(p), i, e, w)
			}
		}
	}
}
