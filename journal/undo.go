package journal

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"contactsync/engine"
)

// ErrNoHistory says a cycle was committed by a contactsync that kept no
// link history (schema 2 or older), so it cannot be undone.
var ErrNoHistory = errors.New("the cycle was committed by an older contactsync, which did not keep the link rows it replaced; it cannot be undone")

// UndoSource reads what undoing or discarding cycle n needs: its changes,
// and for every link they name, the link row before n (from n's history),
// the row n left (from the history of the next cycle that wrote it, or the
// current row), and whether the link is closed; plus the pending work
// after cycle n-1.
func (j *Journal) UndoSource(n int) (*engine.UndoInput, error) {
	u := &engine.UndoInput{Cycle: n, PendingBefore: map[int64]engine.LinkPending{}}
	err := j.read(n, func(tx *sql.Tx) error {
		r, err := j.cycle(tx, n)
		if err != nil {
			return err
		}
		if !r.HistoryRows.Valid {
			return fmt.Errorf("cycle %d: %w", n, ErrNoHistory)
		}
		// An undo or discard of n that was not itself discarded.
		if err := tx.QueryRow(`SELECT u.number FROM cycles u WHERE u.kind IN ('undo', 'discard') AND json_extract(u.options, '$.cycle') = ?
			AND NOT EXISTS (SELECT 1 FROM cycles d WHERE d.kind = 'discard' AND json_extract(d.options, '$.cycle') = CAST(u.number AS TEXT))
			ORDER BY u.number LIMIT 1`, strconv.Itoa(n)).Scan(&u.UndoneBy); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var ids []int64
		seen := map[int64]bool{}
		if err := (&Reader{j: j, tx: tx}).Changes(Select{Cycle: n}, func(row *ChangeRow) error {
			c := row.Change
			u.Changes = append(u.Changes, c)
			if c.Link > 0 && !seen[c.Link] {
				seen[c.Link] = true
				ids = append(ids, c.Link)
			}
			return nil
		}); err != nil {
			return err
		}
		slices.Sort(ids)
		for _, id := range ids {
			ul, err := undoLink(tx, n, id)
			if err != nil {
				return fmt.Errorf("link %d: %w", id, err)
			}
			u.Links = append(u.Links, *ul)
		}
		if n > 1 {
			var pendingRows sql.NullInt64
			if err := tx.QueryRow(`SELECT pending_rows FROM cycles WHERE number = ?`, n-1).Scan(&pendingRows); err != nil {
				return err
			}
			if !pendingRows.Valid {
				return fmt.Errorf("cycle %d: the cycle before it keeps its pending work in an older form: %w", n, ErrNoHistory)
			}
			if err := eachPending(tx, n-1, func(p pendingRow) error {
				id, doc := p.link, p.doc
				var l engine.Link
				if err := decodePending(doc, &l); err != nil {
					return fmt.Errorf("pending work of link %d: %w", id, err)
				}
				u.PendingBefore[id] = engine.LinkPending{CRM: l.PendingCRM(), Outlook: l.PendingOutlook()}
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("journal %q: undo cycle %d: %w", j.path, n, err)
	}
	return u, nil
}

// undoLink reads link id around cycle n.
func undoLink(tx *sql.Tx, n int, id int64) (*engine.UndoLink, error) {
	ul := &engine.UndoLink{ID: id}
	var cur linkVersion
	var opened int
	var closed sql.NullInt64
	if err := tx.QueryRow(`SELECT crm_id, outlook_key, base, opened, closed FROM links WHERE id = ?`, id).
		Scan(&cur.crmID, &cur.outlookKey, &cur.base, &opened, &closed); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, errors.New("the cycle names a link the journal has no row for")
		}
		return nil, err
	}
	ul.Opened = opened == n
	ul.ClosedBy = int(closed.Int64)
	// The row n left: what the next cycle that wrote the link replaced.
	var later linkVersion
	err := tx.QueryRow(`SELECT crm_id, outlook_key, base FROM link_history WHERE link = ? AND cycle > ? ORDER BY cycle LIMIT 1`, id, n).
		Scan(&later.crmID, &later.outlookKey, &later.base)
	switch {
	case err == nil:
		ul.ChangedAfter = true
		if err := later.decode(&ul.After, id); err != nil {
			return nil, err
		}
	case errors.Is(err, sql.ErrNoRows):
		if err := cur.decode(&ul.After, id); err != nil {
			return nil, err
		}
		ul.ChangedAfter = closed.Valid && int(closed.Int64) > n
	default:
		return nil, err
	}
	if ul.Opened {
		return ul, nil
	}
	var before linkVersion
	var written int
	err = tx.QueryRow(`SELECT crm_id, outlook_key, base, written FROM link_history WHERE cycle = ? AND link = ?`, n, id).
		Scan(&before.crmID, &before.outlookKey, &before.base, &written)
	switch {
	case err == nil:
		ul.Before = &engine.Link{}
		if err := before.decode(ul.Before, id); err != nil {
			return nil, err
		}
	case errors.Is(err, sql.ErrNoRows):
		// n did not write the row (only its pending work changed), or the
		// link was already closed before n.
		b := ul.After
		ul.Before = &b
		ul.BeforeClosed = closed.Valid && int(closed.Int64) < n
	default:
		return nil, err
	}
	return ul, nil
}

type linkVersion struct{ crmID, outlookKey, base string }

func (v *linkVersion) decode(l *engine.Link, id int64) error {
	l.ID, l.CRMID, l.OutlookKey = id, v.crmID, v.outlookKey
	if err := decodeBase(v.base, l); err != nil {
		return err
	}
	l.SetPending(engine.Pending{}, engine.Pending{})
	return nil
}
