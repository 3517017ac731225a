package engine

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestAppendJSONStringAsMarshal holds AppendJSONString to json.Marshal for
// every byte that needs escaping or decoding, and for bytes at the
// boundaries of its 8-byte runs, at every position of strings from 1 to 24
// bytes long, with plain ASCII around.
func TestAppendJSONStringAsMarshal(t *testing.T) {
	specials := []string{"\"", "\\", "<", ">", "&", "\x00", "\x1f", "\x7f", " ", "~", "\n", "\t",
		"\u2028", "\u2029", "é", "\xff", "\xc3", "€", "\U0001F600", "\x80"}
	for n := 1; n <= 24; n++ {
		for at := 0; at < n; at++ {
			for _, sp := range specials {
				s := strings.Repeat("a", at) + sp + strings.Repeat("Z", n-at-1)
				want, err := json.Marshal(s)
				if err != nil {
					t.Fatal(err)
				}
				if got := AppendJSONString(nil, s); string(got) != string(want) {
					t.Fatalf("AppendJSONString(%q) = %s, json.Marshal %s", s, got, want)
				}
			}
		}
	}
	for c := 0; c < 256; c++ {
		s := strings.Repeat(string(rune('A'+c%26)), c%11) + string([]byte{byte(c)}) + "0123456789abcdef"
		want, _ := json.Marshal(s)
		if got := AppendJSONString(nil, s); string(got) != string(want) {
			t.Fatalf("AppendJSONString(%q) = %s, json.Marshal %s", s, got, want)
		}
	}
}

// FuzzAppendJSONString holds AppendJSONString to json.Marshal on any input.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain ascii text here", "a<b>c&d\"e\\f", "\x00\x01\x1f", "caf\xc3\xa9 \u2028\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := AppendJSONString(nil, s); string(got) != string(want) {
			t.Fatalf("AppendJSONString(%q) = %s, json.Marshal %s", s, got, want)
		}
	})
}

func BenchmarkAppendJSONString(b *testing.B) {
	vals := []string{"Xenia", "Vogel", "Company 1847 Ltd", "user12345@example.com", "+1 555 2081 318", "905 Main Street", "Springfield", "United States", "Engineer"}
	var buf []byte
	for b.Loop() {
		buf = buf[:0]
		for _, v := range vals {
			buf = AppendJSONString(buf, v)
		}
	}
}
