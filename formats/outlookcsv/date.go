package outlookcsv

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
)

// dateFormat is an exporter's short-date format such as "M/D/YYYY": runs of
// M, D and Y (any case) are the month, day and year, with their width
// (M: no padding, MM: two digits, YY: two-digit year); anything else is a
// literal separator.
type dateFormat struct {
	src   string
	parts []datePart
	order [3]byte // the components in the order they appear
}

type datePart struct {
	comp  byte // 'M', 'D', 'Y', or 0 for a literal
	width int
	lit   string
}

// localeDateFormat is the usual short-date format of a locale's Windows,
// used when the user gives none.
var localeDateFormat = map[string]string{"en": "M/D/YYYY", "de": "D.M.YYYY", "fr": "DD/MM/YYYY", "es": "DD/MM/YYYY",
	"it": "DD/MM/YYYY", "nl": "D-M-YYYY", "pt": "DD/MM/YYYY"}

func parseDateFormat(src, loc string) (*dateFormat, error) {
	if src == "" {
		src = localeDateFormat[loc]
		if src == "" {
			src = "M/D/YYYY"
		}
	}
	df := &dateFormat{src: src}
	seen := map[byte]bool{}
	for i := 0; i < len(src); {
		c := src[i] &^ 0x20 // upper case for ASCII letters
		if c == 'M' || c == 'D' || c == 'Y' {
			j := i
			for j < len(src) && src[j]&^0x20 == c {
				j++
			}
			if seen[c] {
				return nil, fmt.Errorf("date format %q names %c twice", src, c)
			}
			df.order[len(seen)] = c
			seen[c] = true
			df.parts = append(df.parts, datePart{comp: c, width: j - i})
			i = j
			continue
		}
		j := i
		for j < len(src) && !strings.ContainsRune("MDYmdy", rune(src[j])) {
			j++
		}
		df.parts = append(df.parts, datePart{lit: src[i:j]})
		i = j
	}
	if len(seen) != 3 {
		return nil, fmt.Errorf("date format %q must have a day (D), a month (M) and a year (Y)", src)
	}
	return df, nil
}

// noYear is the year Outlook and Exchange store for a birthday whose year is
// unknown; it maps to contact's "--MM-DD".
const noYear = 1604

// parse reads a date cell. Empty and all-zero dates ("0/0/00", "0.0.00")
// are empty. A cell already in ISO form (YYYY-MM-DD) is accepted too.
func (df *dateFormat) parse(s string) (string, bool) {
	t := strings.TrimSpace(s)
	if t == "" {
		return "", true
	}
	// At most three numbers: fixed arrays keep a row's dates off the heap.
	var nums, widths [3]int
	count := 0
	for i := 0; i < len(t); {
		if t[i] < '0' || t[i] > '9' {
			i++
			continue
		}
		j := i
		for j < len(t) && t[j] >= '0' && t[j] <= '9' {
			j++
		}
		if j-i > 4 || count == 3 {
			return "", false
		}
		n, _ := strconv.Atoi(t[i:j]) // at most four digits: cannot fail
		nums[count], widths[count] = n, j-i
		count++
		i = j
	}
	if count != 3 {
		return "", false
	}
	if nums[0] == 0 && nums[1] == 0 && nums[2] == 0 {
		return "", true
	}
	var y, m, d int
	if widths[0] == 4 && strings.Count(t, "-") == 2 {
		y, m, d = nums[0], nums[1], nums[2]
	} else {
		for i, c := range df.order {
			switch c {
			case 'Y':
				y = nums[i]
				if widths[i] <= 2 {
					if y < 30 {
						y += 2000
					} else {
						y += 1900
					}
				}
			case 'M':
				m = nums[i]
			case 'D':
				d = nums[i]
			}
		}
	}
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return "", false
	}
	var b [10]byte
	out := b[:0]
	if y == noYear {
		out = append(out, '-', '-')
	} else {
		out = append(out, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-')
	}
	out = appendTwoDigits(append(appendTwoDigits(out, m), '-'), d)
	return string(out), true
}

// appendTwoDigits appends 0..99 as two digits.
func appendTwoDigits(b []byte, n int) []byte { return append(b, byte('0'+n/10%10), byte('0'+n%10)) }

// format writes a canonical date (YYYY-MM-DD or --MM-DD) in the format; a
// value that is neither is written as it is.
func (df *dateFormat) format(v string) string {
	if v == "" {
		return ""
	}
	var y, m, d int
	var err1, err2, err3 error
	switch {
	case len(v) == 10 && v[4] == '-' && v[7] == '-':
		y, err1 = strconv.Atoi(v[:4])
		m, err2 = strconv.Atoi(v[5:7])
		d, err3 = strconv.Atoi(v[8:])
	case len(v) == 7 && strings.HasPrefix(v, "--") && v[4] == '-':
		y = noYear
		m, err2 = strconv.Atoi(v[2:4])
		d, err3 = strconv.Atoi(v[5:])
	default:
		return v
	}
	if err1 != nil || err2 != nil || err3 != nil {
		return v
	}
	var buf [24]byte
	b := buf[:0]
	for _, p := range df.parts {
		n := 0
		switch p.comp {
		case 0:
			b = append(b, p.lit...)
			continue
		case 'Y':
			n = y
			if p.width <= 2 {
				n %= 100
			}
		case 'M':
			n = m
		case 'D':
			n = d
		}
		var num [20]byte
		digits := strconv.AppendInt(num[:0], int64(n), 10)
		for w := len(digits); w < p.width && w < 4; w++ {
			b = append(b, '0')
		}
		b = append(b, digits...)
	}
	return string(b)
}

// dateOrders are the orders a date column is tried in when the locale's
// usual one cannot read it, in this order.
var dateOrders = [...]string{"DMY", "MDY", "YMD"}

// orderName names an order for messages: "day-month-year".
func orderName(order string) string {
	names := map[byte]string{'D': "day", 'M': "month", 'Y': "year"}
	return names[order[0]] + "-" + names[order[1]] + "-" + names[order[2]]
}

// triedOrders lists every order tried, for messages.
const triedOrders = "day-month-year, month-day-year and year-month-day"

// dateShaped says whether a cell is written as a date, not as text: three
// runs of digits and no letters ("20/01/1991", "1991-01-20", "45.45.1991").
// Only such a cell counts for or against a date order; a cell that is not
// a date at all ("unknown", "spring 1980", "20/01") is text, kept with a
// warning.
func dateShaped(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return false
		}
	}
	return dateNumbers(s) == 3
}

// readers lists the orders that read a date cell.
func readers(cell string) []string {
	var out []string
	for _, order := range dateOrders {
		df := &dateFormat{order: [3]byte{order[0], order[1], order[2]}}
		if _, ok := df.parse(cell); ok {
			out = append(out, order)
		}
	}
	return out
}

// inferDateFormat finds the short-date format of a file whose dates the
// locale's usual format cannot read: of day-month-year, month-day-year and
// year-month-day, the one that reads the most date cells of every date
// column (usual, the locale's order, on a tie, then the first; text cells, see dateShaped, do not count),
// spelled with the separators and widths of the first cell it reads
// ("20/01/1991" gives DD/MM/YYYY). all says that it reads every one. ""
// when no order reads any date, or the file cannot be read again.
func inferDateFormat(text io.Reader, delim rune, s *schema, usual [3]byte) (format string, all bool) {
	var cols []int
	for _, g := range s.groups {
		if g.kind == gDate {
			cols = append(cols, g.idx[0])
		}
	}
	if len(cols) == 0 {
		return "", false
	}
	cr := newCSV(text, delim)
	if _, err := cr.Read(); err != nil {
		return "", false
	}
	var cells, rec []string
	for {
		var err error
		rec, err = cr.ReadViews(rec)
		if err == io.EOF {
			break
		}
		if err != nil {
			// Broken quoting: leave it to the reader's own errors, and
			// infer from the dates before it.
			break
		}
		for _, c := range cols {
			if c < len(rec) && strings.TrimSpace(rec[c]) != "" && dateShaped(rec[c]) {
				cells = append(cells, strings.Clone(rec[c]))
			}
		}
	}
	best, bestN := "", 0
	orders := append([]string{string(usual[:])}, dateOrders[:]...)
	for _, order := range orders {
		df := &dateFormat{order: [3]byte{order[0], order[1], order[2]}}
		sample := ""
		n := 0
		for _, c := range cells {
			if _, ok := df.parse(c); !ok {
				continue
			}
			n++
			if sample == "" {
				if src := spell(c, order); src != "" {
					if _, err := parseDateFormat(src, ""); err == nil {
						sample = src
					}
				}
			}
		}
		if sample != "" && n > bestN {
			best, bestN = sample, n
		}
	}
	return best, best != "" && bestN == len(cells)
}

// dateNumbers counts the runs of digits in s.
func dateNumbers(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' && (i == 0 || s[i-1] < '0' || s[i-1] > '9') {
			n++
		}
	}
	return n
}

// spell writes the format of a date cell: its digit runs become the order's
// components at their widths, everything between them stays.
func spell(cell, order string) string {
	var b strings.Builder
	k := 0
	t := strings.TrimSpace(cell)
	for i := 0; i < len(t); {
		if t[i] < '0' || t[i] > '9' {
			if strings.ContainsRune("MDYmdy", rune(t[i])) {
				return ""
			}
			b.WriteByte(t[i])
			i++
			continue
		}
		j := i
		for j < len(t) && t[j] >= '0' && t[j] <= '9' {
			j++
		}
		if k == 3 {
			return ""
		}
		w := j - i
		if order[k] == 'Y' && w != 2 {
			w = 4
		} else if order[k] != 'Y' && w > 2 {
			return ""
		}
		b.WriteString(strings.Repeat(string(order[k]), w))
		k++
		i = j
	}
	return b.String()
}
