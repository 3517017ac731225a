package cycle

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strings"

	"contactsync/engine"
	"contactsync/engine/contact"
	"contactsync/formats"
	"contactsync/formats/crmcsv"
)

// ReadMapping reads a mapping file (--mapping): one canonical field name per line
// (DESIGN §3), optionally followed by a direction (both, to-outlook,
// to-crm) that makes that field one-way; blank lines and lines starting
// with # are ignored. Every field must have a CRM column.
func ReadMapping(path string) ([]contact.Field, map[contact.Field]engine.Direction, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	var fields []contact.Field
	dirs := map[contact.Field]engine.Direction{}
	seen := map[contact.Field]int{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		text := strings.TrimSpace(line)
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		col := strings.Index(line, text) + 1
		parts := strings.Fields(text)
		f, ok := contact.ParseField(parts[0])
		if !ok {
			return nil, nil, formats.Errorf(path, n, col, parts[0], "unknown field (the fields are: %s)", engine.MappingText(contact.AllFields()))
		}
		if _, ok := crmcsv.ColumnFor(f); !ok {
			return nil, nil, formats.Errorf(path, n, col, parts[0], "the CRM has no column for this field")
		}
		if prev, dup := seen[f]; dup {
			return nil, nil, formats.Errorf(path, n, col, parts[0], "mapped twice (first on line %d)", prev)
		}
		seen[f] = n
		switch len(parts) {
		case 1:
		case 2:
			d, err := engine.ParseDirection(parts[1])
			if err != nil {
				return nil, nil, formats.Errorf(path, n, strings.Index(line, parts[1])+1, parts[0], "%v", err)
			}
			if d != engine.Both {
				dirs[f] = d
			}
		default:
			return nil, nil, formats.Errorf(path, n, col, parts[0], "want a field and at most a direction, got %d words", len(parts))
		}
		fields = append(fields, f)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, err
	}
	if len(fields) == 0 {
		return nil, nil, fmt.Errorf("%s: the mapping names no field", path)
	}
	return fields, dirs, nil
}
