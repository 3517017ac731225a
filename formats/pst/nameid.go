package pst

import (
	"bytes"
)

// Named properties ([MS-PST] §2.4.7): property ids 0x8000 and above are
// assigned per store; the name-to-id map (NID 0x61) says which property set
// GUID and LID (or string name) each one stands for.

const nidNameToIDMap = 0x61

var (
	// psetidAddress is {00062004-0000-0000-C000-000000000046}, the contact
	// properties of [MS-OXOCNTC], in its on-disk (little-endian) form.
	psetidAddress = guid(0x00062004)
	// psPublicStrings is {00020329-0000-0000-C000-000000000046}: string
	// named properties such as "Keywords" (categories).
	psPublicStrings = guid(0x00020329)
	psMAPI          = guid(0x00020328)
)

func guid(d1 uint32) [16]byte {
	var g [16]byte
	le.PutUint32(g[:], d1)
	g[8] = 0xC0
	g[15] = 0x46
	return g
}

// namedProp is what a named property id stands for.
type namedProp struct {
	guid [16]byte
	lid  uint32 // numeric name (when name == "")
	name string // string name
}

// nameMap maps per-store property ids to names, and back.
type nameMap struct {
	byID  map[uint16]namedProp
	byLID map[[16]byte]map[uint32]uint16
	byStr map[[16]byte]map[string]uint16
}

func (m *nameMap) lid(g [16]byte, lid uint32) (uint16, bool) {
	id, ok := m.byLID[g][lid]
	return id, ok
}

func (m *nameMap) str(g [16]byte, name string) (uint16, bool) {
	id, ok := m.byStr[g][name]
	return id, ok
}

// readNameMap reads the name-to-id map. A store without one (rare, very
// old files) simply has no named properties.
func (f *file) readNameMap() (*nameMap, error) {
	m := &nameMap{byID: map[uint16]namedProp{}, byLID: map[[16]byte]map[uint32]uint16{}, byStr: map[[16]byte]map[string]uint16{}}
	n, err := f.openNode(nidNameToIDMap)
	if err != nil {
		return nil, err
	}
	p, err := n.pc()
	if err != nil {
		return nil, err
	}
	guids := p.binary(0x0002)
	entries := p.binary(0x0003)
	strs := p.binary(0x0004)
	if err := m.parse(guids, entries, strs); err != nil {
		return nil, f.perr(n.off(), nodeField(nidNameToIDMap), "%v", err)
	}
	return m, nil
}

type nameMapError string

func (e nameMapError) Error() string { return string(e) }

// parse decodes the NAMEID records (8 bytes each: dwPropertyID, then a
// 16-bit word whose bit 0 says "string name" and whose upper 15 bits pick
// the GUID, then the property index).
func (m *nameMap) parse(guids, entries, strs []byte) error {
	for i := 0; i+8 <= len(entries); i += 8 {
		e := entries[i:]
		pid := le.Uint32(e)
		w := le.Uint16(e[4:])
		id := 0x8000 + le.Uint16(e[6:])
		if id < 0x8000 {
			continue // index overflowed the id space: ignore the record
		}
		var np namedProp
		switch g := int(w >> 1); g {
		case 0:
			continue
		case 1:
			np.guid = psMAPI
		case 2:
			np.guid = psPublicStrings
		default:
			off := (g - 3) * 16
			if off+16 > len(guids) {
				return nameMapError("named property entry refers to a GUID beyond the GUID stream")
			}
			copy(np.guid[:], guids[off:off+16])
		}
		if w&1 == 0 {
			np.lid = pid
			if m.byLID[np.guid] == nil {
				m.byLID[np.guid] = map[uint32]uint16{}
			}
			m.byLID[np.guid][pid] = id
		} else {
			off := int(pid)
			if off < 0 || off+4 > len(strs) {
				return nameMapError("named property string offset beyond the string stream")
			}
			n := int(le.Uint32(strs[off:]))
			if n < 0 || off+4+n > len(strs) {
				return nameMapError("named property string runs past the string stream")
			}
			np.name = utf16String(strs[off+4 : off+4+n])
			if m.byStr[np.guid] == nil {
				m.byStr[np.guid] = map[string]uint16{}
			}
			m.byStr[np.guid][np.name] = id
		}
		m.byID[id] = np
	}
	return nil
}

func (np namedProp) is(g [16]byte) bool { return bytes.Equal(np.guid[:], g[:]) }
