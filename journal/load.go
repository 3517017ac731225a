package journal

import (
	"database/sql"
	"encoding/json"
	"fmt"

	"contactsync/engine"
)

// Load returns what the journal knows before the next cycle: the last cycle's
// number, user and mapping, the next link id, and every open link with its
// base and pending imports, in id order. Rows are streamed and each link's
// strings share one allocation, so a million links load in seconds.
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
	var counts string
	err = tx.QueryRow(`SELECT number, sync_user, mapping, next_link_id, counts FROM cycles ORDER BY number DESC LIMIT 1`).
		Scan(&st.Cycle, &st.User, &st.Mapping, &st.NextLinkID, &counts)
	if err == sql.ErrNoRows {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	var c engine.Counts
	if json.Unmarshal([]byte(counts), &c) == nil && c.Links > 0 && c.Links < 1<<26 {
		st.Links = make([]engine.Link, 0, c.Links) // a size hint only
	}
	rows, err := tx.Query(`SELECT id, crm_id, outlook_key, base FROM links WHERE closed IS NULL ORDER BY id`)
	if err != nil {
		return st, err
	}
	defer rows.Close()
	var crm, ol, base sql.RawBytes
	var buf []byte
	for rows.Next() {
		var l engine.Link
		if err := rows.Scan(&l.ID, &crm, &ol, &base); err != nil {
			return st, err
		}
		buf = append(append(append(buf[:0], crm...), ol...), base...)
		s := string(buf)
		l.CRMID = s[:len(crm)]
		l.OutlookKey = s[len(crm) : len(crm)+len(ol)]
		if err := decodeBase(s[len(crm)+len(ol):], &l); err != nil {
			return st, fmt.Errorf("link %d: %w", l.ID, err)
		}
		st.Links = append(st.Links, l)
	}
	if err := rows.Err(); err != nil {
		return st, err
	}
	if st.NextLinkID < 1 {
		st.NextLinkID = 1
	}
	return st, tx.Commit()
}
