package contact

import "testing"

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
