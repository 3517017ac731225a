package pst

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"contactsync/formats"
)

// Compressed RTF ([MS-OXRTFCP]) and a small RTF-to-text converter for
// contacts whose notes exist only as PidTagRtfCompressed.

// rtfPrebuf is the dictionary's initial content ([MS-OXRTFCP] §2.1.2.1).
const rtfPrebuf = `{\rtf1\ansi\mac\deff0\deftab720{\fonttbl;}{\f0\fnil \froman \fswiss \fmodern \fscript \fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\colortbl\red0\green0\blue0` + "\r\n" + `\par \pard\plain\f0\fs20\b\i\u\tab\tx`

const (
	rtfCompressed   = 0x75465A4C // "LZFu"
	rtfUncompressed = 0x414C454D // "MELA"
	maxRTF          = 16 << 20
)

// decompressRTF expands a PidTagRtfCompressed value.
func decompressRTF(b []byte) ([]byte, error) {
	if len(b) < 16 {
		return nil, errors.New("compressed RTF header truncated")
	}
	compSize := int(le.Uint32(b))
	rawSize := int(le.Uint32(b[4:]))
	typ := le.Uint32(b[8:])
	if compSize < 12 || compSize > len(b)-4 {
		return nil, fmt.Errorf("compressed RTF size %d does not match the %d bytes stored", compSize, len(b))
	}
	if rawSize < 0 || rawSize > maxRTF {
		return nil, fmt.Errorf("compressed RTF claims %d bytes of text", rawSize)
	}
	in := b[16 : compSize+4]
	switch typ {
	case rtfUncompressed:
		if rawSize > len(in) {
			rawSize = len(in)
		}
		return in[:rawSize], nil
	case rtfCompressed:
	default:
		return nil, fmt.Errorf("unknown compressed RTF type 0x%08x", typ)
	}
	var dict [4096]byte
	copy(dict[:], rtfPrebuf)
	w := len(rtfPrebuf)
	out := make([]byte, 0, rawSize)
	i := 0
	for i < len(in) {
		ctrl := in[i]
		i++
		for bit := 0; bit < 8; bit++ {
			if ctrl&(1<<bit) == 0 {
				if i >= len(in) {
					return out, nil
				}
				c := in[i]
				i++
				out = append(out, c)
				dict[w%4096] = c
				w++
			} else {
				if i+2 > len(in) {
					return out, nil
				}
				ref := int(in[i])<<8 | int(in[i+1])
				i += 2
				off, n := ref>>4, ref&0xF+2
				if off == w%4096 {
					return out, nil // end marker
				}
				for k := 0; k < n; k++ {
					c := dict[(off+k)%4096]
					out = append(out, c)
					dict[w%4096] = c
					w++
				}
			}
			if len(out) > rawSize+18 { // a reference may overrun by its length
				return out[:rawSize], nil
			}
		}
	}
	if len(out) > rawSize {
		out = out[:rawSize]
	}
	return out, nil
}

// rtfSkipDest lists destinations whose text is not document text.
var rtfSkipDest = map[string]bool{
	"fonttbl": true, "colortbl": true, "stylesheet": true, "info": true, "pict": true,
	"header": true, "footer": true, "headerl": true, "headerr": true, "footerl": true, "footerr": true,
	"listtable": true, "listoverridetable": true, "rsidtbl": true, "generator": true,
	"themedata": true, "colorschememapping": true, "latentstyles": true, "datastore": true,
	"xmlnstbl": true, "filetbl": true, "revtbl": true, "pgdsctbl": true, "object": true,
	"mmathPr": true, "fldinst": true, "private": true,
}

// rtfText extracts the plain text of an RTF document: paragraph and line
// breaks become "\n", \'hh escapes are decoded from Windows-1252, \uN from
// Unicode; destinations that hold no text (font tables, pictures, \*
// groups) and \htmlrtf spans of HTML-encapsulated RTF are skipped.
func rtfText(rtf []byte) string {
	type state struct {
		skip bool
		uc   int
	}
	var (
		sb       strings.Builder
		st       = state{uc: 1}
		stack    []state
		pending  int // characters to skip after \uN
		htmlSkip bool
		dec      = cp1252()
	)
	emit := func(r rune) {
		if pending > 0 {
			pending--
			return
		}
		if !st.skip && !htmlSkip {
			sb.WriteRune(r)
		}
	}
	for i := 0; i < len(rtf); {
		c := rtf[i]
		switch c {
		case '{':
			if len(stack) < 1000 {
				stack = append(stack, st)
			}
			i++
			// "{\*\dest" marks an ignorable destination.
			if i+1 < len(rtf) && rtf[i] == '\\' && rtf[i+1] == '*' {
				st.skip = true
			}
		case '}':
			if len(stack) > 0 {
				st = stack[len(stack)-1]
				stack = stack[:len(stack)-1]
			}
			i++
		case '\\':
			i++
			if i >= len(rtf) {
				break
			}
			c = rtf[i]
			switch {
			case c == '\'':
				if i+2 < len(rtf) {
					if v, err := strconv.ParseUint(string(rtf[i+1:i+3]), 16, 8); err == nil {
						emit(dec[byte(v)])
					}
				}
				i += 3
			case c == '\\' || c == '{' || c == '}':
				emit(rune(c))
				i++
			case c == '~':
				emit('\u00A0')
				i++
			case c == '\r' || c == '\n':
				emit('\n')
				i++
			case isLetter(c):
				j := i
				for j < len(rtf) && isLetter(rtf[j]) {
					j++
				}
				word := string(rtf[i:j])
				k := j
				if k < len(rtf) && (rtf[k] == '-' || isDigit(rtf[k])) {
					k++
					for k < len(rtf) && isDigit(rtf[k]) {
						k++
					}
				}
				param, hasParam := 0, k > j
				if hasParam {
					param, _ = strconv.Atoi(string(rtf[j:k]))
				}
				if k < len(rtf) && rtf[k] == ' ' {
					k++
				}
				i = k
				switch word {
				case "par", "line", "sect", "row":
					emit('\n')
				case "tab", "cell":
					emit('\t')
				case "u":
					if pending == 0 && !st.skip && !htmlSkip {
						r := rune(int16(param))
						if r < 0 {
							r += 0x10000
						}
						sb.WriteRune(r)
					}
					pending = st.uc
				case "uc":
					st.uc = param
				case "htmlrtf":
					htmlSkip = !hasParam || param != 0
				case "emdash":
					emit('—')
				case "endash":
					emit('–')
				case "bullet":
					emit('•')
				case "lquote":
					emit('‘')
				case "rquote":
					emit('’')
				case "ldblquote":
					emit('“')
				case "rdblquote":
					emit('”')
				default:
					if rtfSkipDest[word] {
						st.skip = true
					}
				}
				continue
			default:
				i++ // other control symbols (\*, \-, \_ ...)
			}
		case '\r', '\n':
			i++
		default:
			emit(dec[c])
			i++
		}
	}
	return sb.String()
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

// cp1252 returns the Windows-1252 decoding of every byte, built once
// through formats.DecodeText (the package's single code-page authority).
var cp1252 = sync.OnceValue(func() *[256]rune {
	var t [256]rune
	for i := range t {
		out, _, err := formats.DecodeText([]byte{byte(i)}, formats.Windows1252)
		if r := []rune(string(out)); err == nil && len(r) == 1 {
			t[i] = r[0]
		} else {
			t[i] = rune(i)
		}
	}
	return &t
})
