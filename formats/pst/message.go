package pst

import (
	"fmt"

	"contactsync/engine/contact"
)

// Message is one message's properties read from outside a PST: an Outlook
// .msg file (formats/msg) holds the same MAPI properties in compound-file
// streams, and its named properties in the same NAMEID records as a PST's
// name-to-id map. Filling a Message and calling Contact maps them with this
// package's one contact mapping, so a contact reads the same from a PST and
// from an .msg.
type Message struct {
	p     pc
	names *nameMap
}

// NewMessage returns an empty Message.
func NewMessage() *Message {
	return &Message{p: pc{props: map[uint16]prop{}}, names: &nameMap{byID: map[uint16]namedProp{},
		byLID: map[[16]byte]map[uint32]uint16{}, byStr: map[[16]byte]map[string]uint16{}}}
}

// Add sets property id of MAPI type typ. val is the value as stored: for a
// fixed-size type its little-endian bytes (at least the type's size; an
// .msg's 8-byte slot is fine), for a string, binary or multi-valued type
// the whole value (multi-valued ones as [MS-PST] lays them out: a count,
// one offset per value, the values; see MultiValue). The first value of an
// id wins.
func (m *Message) Add(id, typ uint16, val []byte) error {
	if fixed := fixedSize(typ); fixed > 0 {
		if len(val) < fixed {
			return fmt.Errorf("property 0x%04x of type 0x%04x holds %d bytes, want %d", id, typ, len(val), fixed)
		}
		val = val[:fixed]
	}
	if _, dup := m.p.props[id]; dup {
		return nil
	}
	m.p.order = append(m.p.order, id)
	m.p.props[id] = prop{typ: typ, val: val}
	return nil
}

// MultiValue lays out values as a variable-size multi-valued property.
func MultiValue(values [][]byte) []byte {
	n := len(values)
	out := make([]byte, 4+4*n)
	le.PutUint32(out, uint32(n))
	for i, v := range values {
		le.PutUint32(out[4+4*i:], uint32(len(out)))
		out = append(out, v...)
	}
	return out
}

// SetNames reads the named-property map: the GUID, entry and string
// streams of [MS-OXMSG]'s __nameid_version1.0 storage (the same records as
// a PST's name-to-id map).
func (m *Message) SetNames(guids, entries, strs []byte) error {
	return m.names.parse(guids, entries, strs)
}

// Class is the message class (PidTagMessageClass), e.g. "IPM.Contact".
func (m *Message) Class() string { return m.p.str(tagMessageClass) }

// IsContact reports whether the message class is a contact's.
func (m *Message) IsContact() bool { return classKind(m.Class()) == kindContact }

// IsDistList reports whether the message class is a distribution list's.
func (m *Message) IsDistList() bool { return classKind(m.Class()) == kindDistList }

// Contact maps the properties to a contact, exactly as a contact in a PST
// is mapped; the Key is left for the caller (an .msg has no entry id of
// its store). An error is about the compressed RTF body.
func (m *Message) Contact() (contact.Contact, error) {
	return mapProps(&m.p, m.names)
}
