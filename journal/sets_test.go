package journal

import (
	"database/sql"
	"errors"
	"reflect"
	"strings"
	"testing"

	"contactsync/engine"
)

// storedChange is a change as a set holds it, its side as stored.
type storedChange struct {
	side string
	c    engine.Change
}

// toTables moves the rows of every set into the tables a journal of
// schema 5 holds them in (changes, link_writes, pending), as a contactsync
// of that schema wrote them; the sets are left empty.
func toTables(t *testing.T, tx *sql.Tx) {
	t.Helper()
	type change struct {
		cycle, seq int
		storedChange
	}
	var cs []change
	if err := eachSetChange(tx, 0, 0, func(cycle, seq int, side string, c *engine.Change) error {
		cs = append(cs, change{cycle, seq, storedChange{side, *c}})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if _, err := tx.Exec(`INSERT INTO changes (cycle, seq, link, side, op, field, old, new, rule, name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.cycle, c.seq, c.c.Link, c.side, string(c.c.Op), c.c.Field, c.c.Old, c.c.New, string(c.c.Rule), c.c.Name); err != nil {
			t.Fatal(err)
		}
	}
	var cycles []int
	if err := each(tx, `SELECT number FROM cycles WHERE number > ? ORDER BY number`, 0, func(rs *sql.Rows) error {
		var n int
		err := rs.Scan(&n)
		cycles = append(cycles, n)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, n := range cycles {
		var ws []linkWrite
		var ps []pendingRow
		if err := eachLinkWrite(tx, n, func(w linkWrite) error { ws = append(ws, w); return nil }); err != nil {
			t.Fatal(err)
		}
		if err := eachPending(tx, n, func(p pendingRow) error { ps = append(ps, p); return nil }); err != nil {
			t.Fatal(err)
		}
		for _, w := range ws {
			if _, err := tx.Exec(`INSERT INTO link_writes (cycle, link, sha256) VALUES (?, ?, ?)`, n, w.link, w.value()); err != nil {
				t.Fatal(err)
			}
		}
		for _, p := range ps {
			var doc any = p.doc
			if isCompact(p.doc) {
				doc = []byte(p.doc)
			}
			if _, err := tx.Exec(`INSERT INTO pending (cycle, link, doc) VALUES (?, ?, ?)`, n, p.link, doc); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := tx.Exec(`DELETE FROM sets`); err != nil {
		t.Fatal(err)
	}
}

// toSchema5 makes j's file what a contactsync of schema 5 would have
// written: the sets in the tables, no migration 6. The caller drops the
// sets table once it has done what it needs the journal's code for.
func toSchema5(t *testing.T, tx *sql.Tx) {
	t.Helper()
	toTables(t, tx)
	for _, q := range []string{`DELETE FROM schema_migrations WHERE version >= 6`, `DROP TABLE checks`, `DROP TABLE link_pages`} {
		if _, err := tx.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}

// inTx runs fn in a transaction of j and commits it.
func inTx(t *testing.T, j *Journal, fn func(tx *sql.Tx)) {
	t.Helper()
	tx, err := j.db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	fn(tx)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// editChanges rewrites cycle n's set of changes as edit returns them: an
// edit made after the fact by someone who knows the form.
func editChanges(t *testing.T, j *Journal, n int, edit func([]storedChange) []storedChange) {
	t.Helper()
	inTx(t, j, func(tx *sql.Tx) {
		var cs []storedChange
		if err := eachSetChange(tx, n, n, func(_, _ int, side string, c *engine.Change) error {
			cs = append(cs, storedChange{side, *c})
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		cs = edit(cs)
		rewriteSet(t, tx, setChanges, n, len(cs), func(w *setWriter, i int) { putChange(w, cs[i].side, &cs[i].c) })
	})
}

// editLinkWrites rewrites cycle n's set of link writes as edit returns it.
func editLinkWrites(t *testing.T, j *Journal, n int, edit func([]linkWrite) []linkWrite) {
	t.Helper()
	inTx(t, j, func(tx *sql.Tx) {
		var ws []linkWrite
		if err := eachLinkWrite(tx, n, func(w linkWrite) error { ws = append(ws, w); return nil }); err != nil {
			t.Fatal(err)
		}
		ws = edit(ws)
		var prev int64
		rewriteSet(t, tx, setLinkWrites, n, len(ws), func(w *setWriter, i int) {
			w.int(ws[i].link - prev)
			w.str(ws[i].sum)
			prev = ws[i].link
		})
	})
}

// editPending rewrites cycle n's set of pending work as edit returns it.
func editPending(t *testing.T, j *Journal, n int, edit func([]pendingRow) []pendingRow) {
	t.Helper()
	inTx(t, j, func(tx *sql.Tx) {
		var ps []pendingRow
		if err := eachPending(tx, n, func(p pendingRow) error { ps = append(ps, p); return nil }); err != nil {
			t.Fatal(err)
		}
		ps = edit(ps)
		var prev int64
		rewriteSet(t, tx, setPending, n, len(ps), func(w *setWriter, i int) {
			w.int(ps[i].link - prev)
			w.str(ps[i].doc)
			prev = ps[i].link
		})
	})
}

// rewriteSet replaces cycle n's set of kind by rows rows that put writes.
func rewriteSet(t *testing.T, tx *sql.Tx, kind string, n, rows int, put func(w *setWriter, i int)) {
	t.Helper()
	if _, err := tx.Exec(`DELETE FROM sets WHERE kind = ? AND cycle = ?`, kind, n); err != nil {
		t.Fatal(err)
	}
	w, err := newSetWriter(tx, n, kind)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < rows; i++ {
		put(w, i)
		if err := w.end(); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.close(); err != nil {
		t.Fatal(err)
	}
}

// A set gives back the rows written into it, over several parts, with
// names repeated from the row before and values of any bytes.
func TestSetRoundTrip(t *testing.T) {
	j := openTest(t, t.TempDir()+"/sync.db")
	long := strings.Repeat("x", partSize/3)
	var want []storedChange
	for i := range 20 {
		c := engine.Change{Link: int64(i / 3), Op: engine.OpUpdate, Field: "notes", Old: "a\x00\xff", New: long, Rule: engine.RuleChangedInCRM, Name: []string{"Ann", "Bob"}[i/5%2]}
		if i%4 == 0 {
			c.Link, c.New, c.Name = -7, "", ""
		}
		want = append(want, storedChange{[]string{"crm", "-", "outlook"}[i%3], c})
	}
	if _, err := j.db.Exec(`INSERT INTO cycles (number, kind, status, started, finished, sync_user, run_by, tool_version, mapping, prefer, direction, options, counts, out_dir, next_link_id, open_links, prev_hash, hash)
		VALUES (1, 'sync', 'committed', '', '', '', '', '', '', '', '', '{}', '{}', '', 1, 0, '', '')`); err != nil {
		t.Fatal(err)
	}
	editChanges(t, j, 1, func([]storedChange) []storedChange { return want })
	var parts int
	j.db.QueryRow(`SELECT count(*) FROM sets WHERE kind = 'changes' AND cycle = 1`).Scan(&parts)
	if parts < 3 {
		t.Errorf("20 changes of %d bytes each in %d parts, want several", len(long), parts)
	}
	var got []storedChange
	seqs := 0
	if err := eachSetChange(j.db, 1, 1, func(_, seq int, side string, c *engine.Change) error {
		seqs++
		if seq != seqs {
			t.Errorf("change %d has seq %d", seqs, seq)
		}
		got = append(got, storedChange{side, *c})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read back %d changes, not the %d written (or not as written)", len(got), len(want))
	}
}

// Every truncation and every byte changed of a set's part is an error or
// other rows, never a panic or rows read past the part.
func TestSetReaderRefusesDamage(t *testing.T) {
	w := &setWriter{dict: map[string]int{}}
	for i := range 5 {
		putChange(w, "crm", &engine.Change{Link: int64(i), Op: engine.OpUpdate, Field: "email1", Old: "a", New: "b", Rule: engine.RuleChangedInCRM, Name: "Ann"})
		w.rows++
	}
	data := setData(w)
	for k := range len(data) {
		readPart(string(data[:k]))
		for _, b := range []byte{0, 0x7f, 0x80, 0xff} {
			d := []byte(string(data))
			d[k] = b
			readPart(string(d))
		}
	}
	if n, err := readPart(string(data)); err != nil || n != 5 {
		t.Errorf("read %d rows, %v; want 5", n, err)
	}
	if _, err := readPart(string(data[:len(data)-1])); !errors.Is(err, errSet) {
		t.Errorf("a part cut short reads with %v, want errSet", err)
	}
}

// setData is the part w would write.
func setData(w *setWriter) []byte {
	d := []byte{setForm}
	d = appendUvarint(d, w.rows)
	d = appendUvarint(d, len(w.words))
	for _, s := range w.words {
		d = appendUvarint(d, len(s))
		d = append(d, s...)
	}
	return append(d, w.body...)
}

func appendUvarint(b []byte, n int) []byte {
	for n >= 0x80 {
		b = append(b, byte(n)|0x80)
		n >>= 7
	}
	return append(b, byte(n))
}

// readPart reads a part of changes as eachSetOf does and returns its rows.
func readPart(data string) (int, error) {
	var r setReader
	if err := r.open(data); err != nil {
		return 0, err
	}
	n := 0
	for r.row = 0; r.row < r.rows; r.row++ {
		var c engine.Change
		if _, err := getChange(&r, &c); err != nil {
			return n, err
		}
		n++
	}
	if r.i != len(r.s) {
		return n, errSet
	}
	return n, nil
}

// FuzzSetReader: no part of a set, however damaged, makes the reader
// panic or read past its end.
func FuzzSetReader(f *testing.F) {
	w := &setWriter{dict: map[string]int{}}
	putChange(w, "crm", &engine.Change{Link: 3, Op: engine.OpUpdate, Field: "email1", Old: "a", New: "b", Rule: engine.RuleChangedInCRM, Name: "Ann"})
	w.rows++
	putChange(w, "outlook", &engine.Change{Link: 3, Op: engine.OpUpdate, Name: "Ann"})
	w.rows++
	f.Add(setData(w))
	f.Add([]byte{setForm, 1, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := readPart(string(data))
		if err != nil && !errors.Is(err, errSet) {
			t.Errorf("error %v is not errSet", err)
		}
		if n < 0 || n > len(data) {
			t.Errorf("%d rows from %d bytes", n, len(data))
		}
	})
}
