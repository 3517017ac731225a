package outlookcsv

import (
	"bytes"
	"encoding/csv"
	"os"
	"strings"

	"contactsync/formats"
)

// readRaw parses a file with plain encoding/csv, as the oracle.
func readRaw(path string, opt Options) ([][]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	text, _, err := formats.DecodeText(b, opt.Encoding)
	if err != nil {
		return nil, err
	}
	text = bytes.TrimPrefix(text, []byte("\uFEFF"))
	r := csv.NewReader(bytes.NewReader(text))
	r.Comma = detectDelimiter(text)
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if len(recs) > 0 {
		for i := range recs[0] {
			recs[0][i] = strings.TrimSpace(recs[0][i])
		}
	}
	return recs, err
}
