package outlookcsv

import (
	"fmt"
	"strconv"
	"strings"
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
var localeDateFormat = map[string]string{"en": "M/D/YYYY", "de": "D.M.YYYY", "fr": "DD/MM/YYYY", "es": "DD/MM/YYYY"}

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
	var nums []int
	var widths []int
	for i := 0; i < len(t); {
		if t[i] < '0' || t[i] > '9' {
			i++
			continue
		}
		j := i
		for j < len(t) && t[j] >= '0' && t[j] <= '9' {
			j++
		}
		n, err := strconv.Atoi(t[i:j])
		if err != nil || j-i > 4 {
			return "", false
		}
		nums, widths = append(nums, n), append(widths, j-i)
		i = j
	}
	if len(nums) != 3 {
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
	if y == noYear {
		return fmt.Sprintf("--%02d-%02d", m, d), true
	}
	return fmt.Sprintf("%04d-%02d-%02d", y, m, d), true
}

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
	var b strings.Builder
	for _, p := range df.parts {
		n := 0
		switch p.comp {
		case 0:
			b.WriteString(p.lit)
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
		s := strconv.Itoa(n)
		for w := len(s); w < p.width && w < 4; w++ {
			b.WriteByte('0')
		}
		b.WriteString(s)
	}
	return b.String()
}
