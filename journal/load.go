package journal

import (
	"database/sql"
	"fmt"

	"contactsync/engine"
)

// Load returns what the journal knows before the next cycle: the last cycle's
// number, user and mapping, the next link id, and every open link with its
// base and pending imports, in id order. Rows are streamed and the values
// of a link share the string of its base, so a million links load in
// seconds.
func (j *Journal) Load() (engine.State, error) {
	st, err := j.load()
	if err != nil {
		return engine.State{}, fmt.Errorf("load journal %q: %w", j.path, err)
	}
	return st, nil
}

func (j *Journal) load() (engine.State, error) {
	st := engine.State{NextLinkID: 1}
	tx, err := j.db.Begin() // one snapshot for the cycle row and the links
	if err != nil {
		return st, err
	}
	defer tx.Rollback()
	var open int
	err = tx.QueryRow(`SELECT number, sync_user, mapping, next_link_id, open_links FROM cycles ORDER BY number DESC LIMIT 1`).
		Scan(&st.Cycle, &st.User, &st.Mapping, &st.NextLinkID, &open)
	if err == sql.ErrNoRows {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	if open > 0 && open < 1<<26 {
		st.Links = make([]engine.Link, 0, open) // a size hint; the rows decide
	}
	rows, err := tx.Query(`SELECT id, crm_id, outlook_key, base FROM links WHERE closed IS NULL ORDER BY id`)
	if err != nil {
		return st, err
	}
	defer rows.Close()
	var base string
	for rows.Next() {
		// Decode in place: a link is big (its Values array), so no copy.
		st.Links = append(st.Links, engine.Link{})
		l := &st.Links[len(st.Links)-1]
		// The driver hands over TEXT as Go strings and database/sql assigns
		// them without copying; values are substrings of base.
		if err := rows.Scan(&l.ID, &l.CRMID, &l.OutlookKey, &base); err != nil {
			return st, err
		}
		if err := decodeBase(base, l); err != nil {
			return st, fmt.Errorf("link %d: %w", l.ID, err)
		}
	}
	if err := rows.Err(); err != nil {
		return st, err
	}
	if st.NextLinkID < 1 {
		st.NextLinkID = 1
	}
	return st, tx.Commit()
}
