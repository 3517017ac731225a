package journal

import (
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"unsafe"

	"contactsync/engine"
	"contactsync/engine/contact"
)

// The compact forms (schema 4). A link row's base and a pending row's doc
// were JSON documents keyed by field name: at a million links the names
// alone were a third of the journal. Rows written since schema 4 hold
// these binary forms instead; rows of older cycles keep their JSON, and
// every reader takes both (the first byte tells them apart: a JSON
// document starts with '{').
//
// The base (links.base, link_history.base):
//
//	0x01                         the form
//	detached                     0 none, 1 crm, 2 outlook
//	uvarint len, name_account
//	{ field, uvarint len, value } the non-empty values, in field order
//
// The pending work (pending.doc):
//
//	0x01
//	crm:     uvarint len, op; uvarint n, n fields; uvarint m, m times (uvarint len, old value)
//	outlook: the same
//
// Values are written byte for byte (bytes that are not UTF-8 come back as
// they were). The same link always gives the same bytes, which the row
// hashes rely on.

const compactForm = 0x01

// compactRows rewrites the link rows of the JSON form in the compact form
// (migration 5), a thousand at a time: each row whose JSON document the
// compact base gives back byte for byte (every row since schema 2) gets
// its compact base and base_sum and keeps its base_sha256, which the hash
// its cycle recorded covers; Verify checks such a row by rebuilding its
// JSON. Other rows (schema 1, whose JSON held pending work) are left as
// they are.
func compactRows(tx *sql.Tx) error {
	update, err := tx.Prepare(`UPDATE links SET base = ?, base_sum = ? WHERE id = ?`)
	if err != nil {
		return err
	}
	defer update.Close()
	var after int64
	type row struct {
		id   int64
		base string
	}
	for {
		var batch []row
		if err := each(tx, `SELECT id, base FROM links WHERE base_sum IS NULL AND id > ? ORDER BY id LIMIT 1000`, after, func(rs *sql.Rows) error {
			var r row
			err := rs.Scan(&r.id, &r.base)
			batch = append(batch, r)
			return err
		}); err != nil {
			return err
		}
		if len(batch) == 0 {
			return nil
		}
		for _, r := range batch {
			after = r.id
			var l engine.Link
			if isCompact(r.base) || decodeBase(r.base, &l) != nil || string(appendLinkBase(nil, &l)) != r.base {
				continue
			}
			sum := engine.SumValues(packedValues(&l))
			if _, err := update.Exec(appendCompactBase(nil, &l), sum[:], r.id); err != nil {
				return fmt.Errorf("link %d: %w", r.id, err)
			}
		}
	}
}

// packedValues is the link's base values, empty when it has none.
func packedValues(l *engine.Link) *contact.Values {
	if v := l.Values(); v != nil {
		return v
	}
	return new(contact.Values)
}

// isCompact reports whether a stored base or pending doc is in the compact
// form.
func isCompact(doc string) bool { return len(doc) > 0 && doc[0] == compactForm }

// appendCompactBase appends the compact base of l to b: its values are
// the link's base packed (engine.PackValues, the same encoding after its
// form byte); none, no values.
func appendCompactBase(b []byte, l *engine.Link) []byte {
	b = appendCompactHeader(b, l)
	// The packed form's byte goes over the header's last, which is put
	// back: the values follow the header without being moved.
	n := len(b)
	last := b[n-1]
	b = l.AppendPacked(b[:n-1])
	b[n-1] = last
	return b
}

// appendCompactHeader appends the header of l's compact base: the form
// byte, the detached side and the name account.
func appendCompactHeader(b []byte, l *engine.Link) []byte {
	b = append(b, compactForm, byte(l.Detached))
	b = binary.AppendUvarint(b, uint64(len(l.NameAccount)))
	return append(b, l.NameAccount...)
}

// packedOf is the link's base packed, an empty base when it has none.
func packedOf(l *engine.Link) string { return string(l.AppendPacked(nil)) }

// valuesHash is an exact hash of a packed base's values (not of what the
// merge counts as equal, see engine.SumValues): Commit compares it to tell
// a base the cycle rewrote from one it left as it was.
func valuesHash(packed string) [16]byte {
	h := sha256.Sum256([]byte(packed))
	return [16]byte(h[:16])
}

// storedValuesHash is valuesHash of the base a stored row holds, doc,
// which decoded into base: for a compact base, its values are the packed
// form after the header (the form is canonical: decoding takes only
// fields in order, non-empty values and the shortest lengths), hashed
// where they are; for the JSON form, base packed.
func storedValuesHash(doc string, base *contact.Values) [16]byte {
	if !isCompact(doc) {
		return valuesHash(engine.PackValues(base))
	}
	h := sha256.New()
	h.Write([]byte{1}) // engine.PackValues's form byte
	h.Write(unsafeBytes(doc[compactHeaderMax(unsafeBytes(doc)):]))
	var sum [sha256.Size]byte
	return [16]byte(h.Sum(sum[:0])[:16])
}

// unsafeBytes is s as bytes without a copy, for bytes only read.
func unsafeBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// compactReader reads the compact forms.
type compactReader struct {
	s string
	i int
}

var errCompact = errors.New("compact form")

func (d *compactReader) errorf(format string, args ...any) error {
	return fmt.Errorf("%w at byte %d: %s", errCompact, d.i, fmt.Sprintf(format, args...))
}

func (d *compactReader) byte() (byte, error) {
	if d.i >= len(d.s) {
		return 0, d.errorf("ends early")
	}
	c := d.s[d.i]
	d.i++
	return c, nil
}

func (d *compactReader) uvarint() (int, error) {
	var x uint64
	var s uint
	for k := 0; k < binary.MaxVarintLen64; k++ {
		c, err := d.byte()
		if err != nil {
			return 0, err
		}
		if c < 0x80 {
			if k == binary.MaxVarintLen64-1 && c > 1 || k > 0 && c == 0 {
				break // too long, or not the shortest form
			}
			x |= uint64(c) << s
			if x > uint64(len(d.s)) {
				return 0, d.errorf("length %d past the end", x)
			}
			return int(x), nil
		}
		x |= uint64(c&0x7f) << s
		s += 7
	}
	return 0, d.errorf("bad length")
}

// str reads a length-prefixed string: a substring of the document.
func (d *compactReader) str() (string, error) {
	n, err := d.uvarint()
	if err != nil {
		return "", err
	}
	if n > len(d.s)-d.i {
		return "", d.errorf("string of %d bytes past the end", n)
	}
	v := d.s[d.i : d.i+n]
	d.i += n
	return v, nil
}

// header reads the form byte, the detached side and the name account.
func (d *compactReader) header(l *engine.Link) error {
	if c, err := d.byte(); err != nil || c != compactForm {
		return d.errorf("not the compact form")
	}
	c, err := d.byte()
	if err != nil {
		return err
	}
	switch engine.Side(c) {
	case engine.NoSide, engine.CRM, engine.Outlook:
		l.Detached = engine.Side(c)
	default:
		return d.errorf("detached side %d", c)
	}
	l.NameAccount, err = d.str()
	return err
}

// decodeCompactBase reads a compact base into l's Base, NameAccount and
// Detached. Values are substrings of doc.
func decodeCompactBase(doc string, l *engine.Link) error {
	d := compactReader{s: doc}
	if err := d.header(l); err != nil {
		return err
	}
	l.Base = new(contact.Values)
	return d.values(l.Base)
}

// values reads the values of a compact base after its header into v
// (nil: only checks them).
func (d *compactReader) values(v *contact.Values) error {
	last := -1
	for d.i < len(d.s) {
		c, _ := d.byte()
		f := int(c)
		if f >= contact.NumFields || f <= last {
			return d.errorf("field %d out of order or unknown", f)
		}
		last = f
		s, err := d.str()
		if err != nil {
			return err
		}
		if s == "" {
			return d.errorf("empty value of %s", contact.Field(f))
		}
		if v != nil {
			v[f] = s
		}
	}
	return nil
}

// decodeCompactHeader reads only the name account and the detached side of
// a compact base: what a link carries without its base.
func decodeCompactHeader(doc []byte, l *engine.Link, strs *contact.Arena) error {
	d := compactReader{s: strs.String(doc[:min(len(doc), compactHeaderMax(doc))])}
	return d.header(l)
}

// compactHeaderMax is the length of a compact base's header, or the whole
// document when it cannot tell.
func compactHeaderMax(doc []byte) int {
	if len(doc) < 3 {
		return len(doc)
	}
	n, k := binary.Uvarint(doc[2:])
	if k <= 0 || n > uint64(len(doc)) {
		return len(doc)
	}
	return 2 + k + int(n)
}

// appendCompactPending appends the compact pending doc of l, and reports
// whether l has pending work at all (when not, b comes back as it was).
func appendCompactPending(b []byte, l *engine.Link) ([]byte, bool) {
	crm, ol := l.PendingCRM(), l.PendingOutlook()
	if isEmptyPending(&crm) && isEmptyPending(&ol) {
		return b, false
	}
	b = append(b, compactForm)
	for _, p := range []*engine.Pending{&crm, &ol} {
		b = binary.AppendUvarint(b, uint64(len(p.Op)))
		b = append(b, p.Op...)
		b = binary.AppendUvarint(b, uint64(len(p.Fields)))
		for _, f := range p.Fields {
			b = append(b, byte(f))
		}
		b = binary.AppendUvarint(b, uint64(len(p.Old)))
		for _, v := range p.Old {
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		}
	}
	return b, true
}

func isEmptyPending(p *engine.Pending) bool {
	return p.Op == "" && len(p.Fields) == 0 && len(p.Old) == 0
}

// decodeCompactPending reads a compact pending doc into l's pendings.
func decodeCompactPending(doc string, l *engine.Link) error {
	d := compactReader{s: doc}
	if c, err := d.byte(); err != nil || c != compactForm {
		return d.errorf("not the compact form")
	}
	var pending engine.LinkPending
	defer func() { l.SetPending(pending.CRM, pending.Outlook) }()
	for _, p := range []*engine.Pending{&pending.CRM, &pending.Outlook} {
		op, err := d.str()
		if err != nil {
			return err
		}
		p.Op = engine.Op(op)
		n, err := d.uvarint()
		if err != nil {
			return err
		}
		for range n {
			c, err := d.byte()
			if err != nil {
				return err
			}
			if int(c) >= contact.NumFields {
				return d.errorf("unknown field %d", c)
			}
			p.Fields = append(p.Fields, contact.Field(c))
		}
		if n, err = d.uvarint(); err != nil {
			return err
		}
		for range n {
			v, err := d.str()
			if err != nil {
				return err
			}
			p.Old = append(p.Old, v)
		}
	}
	if d.i != len(d.s) {
		return d.errorf("bytes after the pending work")
	}
	return nil
}
