package journal

import (
	"cmp"
	"database/sql"
	"encoding/hex"
	"fmt"
	"slices"

	"contactsync/engine"
	"contactsync/engine/contact"
)

// Load returns what the journal knows before the next cycle: the last cycle's
// number, user and mapping, the next link id, and every open link with its
// base and pending imports, in id order. Rows are streamed and the values
// of a link share the string of its base, so a million links load in
// seconds.
//
// A writable journal also remembers, per loaded link, what its row holds
// (keys and base hash), so that Commit can leave alone the rows of links
// whose only change is their pending work.
func (j *Journal) Load() (engine.State, error) {
	j.loaded = nil
	st, loaded, err := j.load()
	if err != nil {
		return engine.State{}, fmt.Errorf("load journal %q: %w", j.path, err)
	}
	if !j.ro {
		j.loaded = loaded
	}
	return st, nil
}

// loadedState is what Load read, for Commit: the link rows of cycle, in id
// order.
type loadedState struct {
	cycle int
	rows  []loadedRow
}

// loadedRow is what a link row holds that a cycle may change.
type loadedRow struct {
	id                int64
	crmID, outlookKey string // shared with the loaded engine.Link
	baseSum           [sha256Size]byte
}

const sha256Size = 32

// unchanged reports whether the loaded row of link id has these keys and
// base hash.
func (s *loadedState) unchanged(id int64, crmID, outlookKey string, baseSum *[sha256Size]byte) bool {
	if s == nil {
		return false
	}
	k, ok := slices.BinarySearchFunc(s.rows, id, func(r loadedRow, id int64) int { return cmp.Compare(r.id, id) })
	if !ok {
		return false
	}
	r := &s.rows[k]
	return r.crmID == crmID && r.outlookKey == outlookKey && r.baseSum == *baseSum
}

func (j *Journal) load() (engine.State, *loadedState, error) {
	st := engine.State{NextLinkID: 1}
	tx, err := j.db.Begin() // one snapshot for the cycle row and the links
	if err != nil {
		return st, nil, err
	}
	defer tx.Rollback()
	var open int
	var pendingRows sql.NullInt64
	err = tx.QueryRow(`SELECT number, sync_user, mapping, next_link_id, open_links, pending_rows FROM cycles ORDER BY number DESC LIMIT 1`).
		Scan(&st.Cycle, &st.User, &st.Mapping, &st.NextLinkID, &open, &pendingRows)
	if err == sql.ErrNoRows {
		return st, &loadedState{}, nil
	}
	if err != nil {
		return st, nil, err
	}
	// The pending work after the last cycle: its pending rows, or, for a
	// cycle of schema 1 (pending_rows NULL), what the link rows hold.
	var pending []pendingRow
	if pendingRows.Valid {
		pending = make([]pendingRow, 0, min(max(pendingRows.Int64, 0), 1<<26))
		if err := each(tx, `SELECT link, doc FROM pending WHERE cycle = ? ORDER BY link`, st.Cycle, func(rs *sql.Rows) error {
			var p pendingRow
			err := rs.Scan(&p.link, &p.doc)
			pending = append(pending, p)
			return err
		}); err != nil {
			return st, nil, err
		}
	}
	loaded := &loadedState{cycle: st.Cycle}
	if open > 0 && open < 1<<26 {
		st.Links = make([]engine.Link, 0, open) // a size hint; the rows decide
		if !j.ro {
			loaded.rows = make([]loadedRow, 0, open)
		}
	}
	rows, err := tx.Query(`SELECT id, crm_id, outlook_key, base, base_sha256 FROM links WHERE closed IS NULL ORDER BY id`)
	if err != nil {
		return st, nil, err
	}
	defer rows.Close()
	var base string
	var sum sql.RawBytes
	next := 0 // the first pending row not yet matched
	for rows.Next() {
		// Decode in place: a link is big (its Values array), so no copy.
		st.Links = append(st.Links, engine.Link{})
		l := &st.Links[len(st.Links)-1]
		// The driver hands over TEXT as Go strings and database/sql assigns
		// them without copying; values are substrings of base.
		if err := rows.Scan(&l.ID, &l.CRMID, &l.OutlookKey, &base, &sum); err != nil {
			return st, nil, err
		}
		if err := decodeBase(base, l); err != nil {
			return st, nil, fmt.Errorf("link %d: %w", l.ID, err)
		}
		if l.Base == nil {
			l.Base = new(contact.Values)
		}
		l.BaseSum = engine.SumValues(l.Base)
		if pendingRows.Valid {
			l.PendingCRM, l.PendingOutlook = engine.Pending{}, engine.Pending{}
			for next < len(pending) && pending[next].link < l.ID {
				next++ // pending work of a link that is not open: ignored
			}
			if next < len(pending) && pending[next].link == l.ID {
				if err := decodePending(pending[next].doc, l); err != nil {
					return st, nil, fmt.Errorf("link %d: pending work of cycle %d: %w", l.ID, st.Cycle, err)
				}
				next++
			}
		}
		if !j.ro {
			r := loadedRow{id: l.ID, crmID: l.CRMID, outlookKey: l.OutlookKey}
			if n, err := hex.Decode(r.baseSum[:], sum); err != nil || n != sha256Size {
				r.id = -1 // unreadable: never matches, the row is rewritten
			}
			if r.id > 0 {
				loaded.rows = append(loaded.rows, r)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return st, nil, err
	}
	if st.NextLinkID < 1 {
		st.NextLinkID = 1
	}
	return st, loaded, tx.Commit()
}

// pendingRow is one row of the pending table.
type pendingRow struct {
	link int64
	doc  string
}

// decodePending reads a pending document into l's pendings; anything else
// in it is an error.
func decodePending(doc string, l *engine.Link) error {
	var p engine.Link
	if err := decodeBase(doc, &p); err != nil {
		return err
	}
	if (p.Base != nil && *p.Base != contact.Values{}) || p.NameAccount != "" || p.Detached != engine.NoSide {
		return fmt.Errorf("the pending document %q holds more than pending work", doc)
	}
	l.PendingCRM, l.PendingOutlook = p.PendingCRM, p.PendingOutlook
	return nil
}
