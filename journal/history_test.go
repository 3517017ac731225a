package journal

import (
	"errors"
	"testing"

	"contactsync/engine/contact"
)

// TestHistoryKeepsReplacedRows: a cycle keeps the link rows it rewrote or
// closed as they were before it, UndoSource reads them back, and Verify
// catches any edit of them.
func TestHistoryKeepsReplacedRows(t *testing.T) {
	j := twoCycles(t)
	var n int
	if err := j.db.QueryRow(`SELECT count(*) FROM link_history WHERE cycle = 2`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 { // link 1 rewritten, link 2 closed; link 3 untouched
		t.Fatalf("cycle 2 kept %d history rows, want 2", n)
	}
	u, err := j.UndoSource(2)
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Links) != 2 || u.Links[0].ID != 1 || u.Links[1].ID != 2 {
		t.Fatalf("links = %+v, want links 1 and 2", u.Links)
	}
	l1, l2 := u.Links[0], u.Links[1]
	if l1.Before == nil || l1.Before.Base[contact.Email1] != "ann@example.com" || l1.After.Base[contact.Email1] != "ann.lee@example.org" {
		t.Errorf("link 1 before %+v after %+v; want the e-mail before and after cycle 2", l1.Before, l1.After)
	}
	if l1.Opened || l1.ChangedAfter || l1.ClosedBy != 0 {
		t.Errorf("link 1 = %+v, want an open link not written after cycle 2", l1)
	}
	if l2.ClosedBy != 2 || l2.Before == nil || l2.Before.Base[contact.Email1] != "bob@example.com" {
		t.Errorf("link 2 = %+v, want closed by cycle 2 with its row before", l2)
	}
	u1, err := j.UndoSource(1)
	if err != nil {
		t.Fatal(err)
	}
	if !u1.Links[0].Opened || u1.Links[0].Before != nil || !u1.Links[0].ChangedAfter {
		t.Errorf("cycle 1's link 1 = %+v, want opened by it and changed after it", u1.Links[0])
	}
	if err := j.Verify(); err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]string{
		"base":    `UPDATE link_history SET base = '{"values":{}}' WHERE cycle = 2 AND link = 1`,
		"removed": `DELETE FROM link_history WHERE cycle = 2 AND link = 2`,
		"added":   `INSERT INTO link_history (cycle, link, crm_id, outlook_key, base, written) VALUES (2, 3, 'C3', '', '{"values":{}}', 1)`,
		"count":   `UPDATE cycles SET history_rows = NULL WHERE number = 2`,
		"orphan":  `INSERT INTO link_history (cycle, link, crm_id, outlook_key, base, written) VALUES (9, 1, 'C1', '', '{"values":{}}', 1)`,
	} {
		t.Run(name, func(t *testing.T) {
			j := twoCycles(t)
			if _, err := j.db.Exec(`PRAGMA foreign_keys = off`); err != nil {
				t.Fatal(err)
			}
			if _, err := j.db.Exec(edit); err != nil {
				t.Fatal(err)
			}
			var ve *VerifyError
			if err := j.Verify(); !errors.As(err, &ve) {
				t.Fatalf("Verify after %q = %v, want a *VerifyError", edit, err)
			}
		})
	}
	// A cycle of an older contactsync kept no history: it cannot be undone.
	if _, err := j.db.Exec(`UPDATE cycles SET history_rows = NULL WHERE number = 2`); err != nil {
		t.Fatal(err)
	}
	if _, err := j.UndoSource(2); !errors.Is(err, ErrNoHistory) {
		t.Errorf("UndoSource of an old cycle = %v, want ErrNoHistory", err)
	}
}
