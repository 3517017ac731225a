package contact

import (
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

func TestFoldName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Müller", "muller"},
		{"  José   García ", "jose garcia"},
		{"MÜLLER, José", "muller jose"},
		{"Jean-Luc", "jean luc"},
		{"Straße", "strasse"},
		{"Øster & Søn", "oster son"},
		{"Łukasz Ćwikła", "lukasz cwikla"},
		{"Ærø", "aero"},
		{"Jose\u0301", "jose"}, // decomposed: e + combining acute
		{"", ""},
		{"---", ""},
		{"Ивaнова", "ивaнова"},
		{"ACME GmbH", "acme gmbh"},
	}
	for _, tt := range tests {
		if got := FoldName(tt.in); got != tt.want {
			t.Errorf("FoldName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestFoldTableMatchesNFD checks the hand-kept table against Unicode's own
// decomposition: every letter of U+00C0-U+024F that decomposes into a base
// letter and marks folds to that base letter, lower-cased.
func TestFoldTableMatchesNFD(t *testing.T) {
	checked := 0
	for r := rune(0xC0); r <= 0x24F; r++ {
		d := []rune(norm.NFD.String(string(r)))
		if len(d) < 2 || !unicode.Is(unicode.Mn, d[1]) {
			continue
		}
		checked++
		want := strings.ToLower(string(d[0]))
		if got := FoldName(string(r)); got != want {
			t.Errorf("FoldName(%q U+%04X) = %q, want %q (NFD %q)", r, r, got, want, string(d))
		}
	}
	if checked < 200 {
		t.Fatalf("only %d decomposable letters checked; the range is wrong", checked)
	}
}

// TestAppendFoldName: appending to a buffer that holds something already
// appends FoldName exactly (no leading space from the buffer's content).
func TestAppendFoldName(t *testing.T) {
	for _, s := range []string{"", "  ", "Müller,  José", " -Ann- Lee ", "ÆSIR 2000", "e\u0301cole", "\xff\xfeBob", "Ωmega", "ǅ"} {
		got := string(AppendFoldName([]byte("n:"), s))
		if want := "n:" + FoldName(s); got != want {
			t.Errorf("AppendFoldName(%q, %q) = %q, want %q", "n:", s, got, want)
		}
	}
}
