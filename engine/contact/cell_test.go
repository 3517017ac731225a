package contact

import (
	"slices"
	"testing"
)

// The one spreadsheet rule: what a spreadsheet would compute, or read as
// a reference or function, is a formula; numbers, phone numbers a
// spreadsheet keeps as text, and a lone sign are not.
func TestFormulaLike(t *testing.T) {
	for in, want := range map[string]bool{
		"=SUM(A1)": true, "@x": true, "\tx": true, "\rx": true, "-A1": true, "+ renewal": true,
		"+1-1": true, "-2+3": true, "+1555-0100": true, "+(1)-1": true, "+49/170": true, "-1.2.3": true, "+1 -1": true,
		"+cmd|' /C calc'!A0": true, "-3.5": false, "+42": false, "-1,5": false,
		"+1 555-0100": false, "+49 (170) 1234567": false, "+1 (206) 555-0100": false, "+49 40 6432131-550": false,
		"-": false, "+": false, "": false, "Ann": false, "a=b": false, "'=x": false,
	} {
		if got := FormulaLike(in); got != want {
			t.Errorf("FormulaLike(%q) = %v, want %v", in, got, want)
		}
		if got, w := SpreadsheetCell(in), map[bool]string{true: "'" + in, false: in}[want]; got != w {
			t.Errorf("SpreadsheetCell(%q) = %q, want %q", in, got, w)
		}
	}
}

// TestHasControl holds HasControl, which looks at 8 bytes at a time, to a
// look at every byte: every byte value at every place of values of 1 to
// 20 bytes, among bytes just above and below the control characters'.
func TestHasControl(t *testing.T) {
	byByte := func(s string) bool {
		for i := 0; i < len(s); i++ {
			if s[i] < 0x20 && s[i] != '\t' && s[i] != '\r' && s[i] != '\n' {
				return true
			}
		}
		return false
	}
	for _, fill := range []byte{' ', '!', 0x7f, 0x80, 0xff, '\t', '\n', 'a'} {
		for n := 1; n <= 20; n++ {
			for at := range n {
				for c := range 256 {
					b := make([]byte, n)
					for i := range b {
						b[i] = fill
					}
					b[at] = byte(c)
					if got, want := HasControl(string(b)), byByte(string(b)); got != want {
						t.Fatalf("HasControl(%q) = %v, want %v", b, got, want)
					}
				}
			}
		}
	}
}

// TestDropControls drops the control characters of values and extras
// but tab, CR and LF, and names the fields changed.
func TestDropControls(t *testing.T) {
	var c Contact
	c.Values[Notes] = "line 1\r\n\tline 2\x00\x1b[0m"
	c.Values[First] = "Ann"
	c.Values[Company] = "A long company name, Inc.\x07 and more"
	c.Extra = []Extra{{Name: "User 1", Value: "x\x01y"}, {Name: "User 2", Value: "plain\ttext"}}
	got := DropControls(&c)
	if want := []string{"company", "notes", "User 1"}; !slices.Equal(got, want) {
		t.Errorf("DropControls changed %q, want %q", got, want)
	}
	if c.Values[Notes] != "line 1\r\n\tline 2[0m" || c.Values[Company] != "A long company name, Inc. and more" ||
		c.Values[First] != "Ann" || c.Extra[0].Value != "xy" || c.Extra[1].Value != "plain\ttext" {
		t.Errorf("DropControls left %q, %q, %q, %q, %q", c.Values[Notes], c.Values[Company], c.Values[First], c.Extra[0].Value, c.Extra[1].Value)
	}
}
