package crmcsv

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"

	"contactsync/formats"
)

// SecRightsFile is the optional dump of the CRM's SECRIGHTS table: which
// owner codes (SECCODEID) each user (ACCESSID) may see. Without it every
// record of the dump counts as visible.
const SecRightsFile = "secrights.csv"

// readSecRights reads secrights.csv: columns ACCESSID and SECCODEID (any
// case, any order, other columns ignored), user → visible owner codes.
func readSecRights(name string, data []byte) (map[string]map[string]bool, formats.ErrorList) {
	if err := formats.CheckText(data); err != nil {
		return nil, formats.ErrorList{{File: name, Err: err}}
	}
	text, _, err := formats.DecodeText(data, "")
	if err != nil {
		return nil, formats.ErrorList{{File: name, Err: err}}
	}
	r := csv.NewReader(bytes.NewReader(text))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, formats.ErrorList{{File: name, Line: 1, Col: 1, Err: errors.New("empty file: want a header with ACCESSID and SECCODEID")}}
		}
		return nil, formats.ErrorList{csvError(name, err)}
	}
	user, code := -1, -1
	for i, h := range header {
		switch strings.ToUpper(strings.TrimSpace(h)) {
		case "ACCESSID":
			user = i
		case "SECCODEID":
			code = i
		}
	}
	for _, c := range []struct {
		i    int
		name string
	}{{user, "ACCESSID"}, {code, "SECCODEID"}} {
		if c.i < 0 {
			return nil, formats.ErrorList{{File: name, Line: 1, Col: 1, Field: c.name, Err: errors.New("missing column")}}
		}
	}
	rights := map[string]map[string]bool{}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return rights, nil
		}
		if err != nil {
			return nil, formats.ErrorList{csvError(name, err)}
		}
		line, _ := r.FieldPos(0)
		if user >= len(rec) || code >= len(rec) {
			return nil, formats.ErrorList{{File: name, Line: line, Col: 1, Err: errors.New("row has fewer cells than the header")}}
		}
		u, s := strings.TrimSpace(rec[user]), strings.TrimSpace(rec[code])
		if u == "" || s == "" {
			continue
		}
		if rights[u] == nil {
			rights[u] = map[string]bool{}
		}
		rights[u][s] = true
	}
}

func csvError(name string, err error) *formats.ParseError {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &formats.ParseError{File: name, Line: pe.Line, Col: pe.Column, Err: pe.Err}
	}
	return &formats.ParseError{File: name, Err: err}
}

// VisibleTo returns the owner codes user may see according to
// secrights.csv, or nil when the dump has no such file (everything is
// visible). Records owned by Everyone are visible to all and need no row.
func (d *Dump) VisibleTo(user string) map[string]bool {
	if d.secRights == nil {
		return nil
	}
	v := map[string]bool{}
	for code := range d.secRights[strings.TrimSpace(user)] {
		v[code] = true
	}
	return v
}
