package journal

import (
	"cmp"
	"database/sql"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"math"
	"slices"
	"strings"

	"contactsync/engine"
	"contactsync/engine/contact"
)

// Load returns what the journal knows before the next cycle: the last cycle's
// number, user and mapping, the next link id, and every open link with its
// keys, BaseSum, name account, detached side and pending imports, in id
// order, without the base values: the state's Bases reads those for the
// links the engine asks for (engine.Bases). Rows are streamed; a link's
// strings share large chunks, so a link costs its engine.Link, its keys'
// bytes and 24 bytes the journal keeps for Commit.
//
// A writable journal also remembers what each row held (a hash of its
// keys, name account and detached side; and a hash of each base read
// since), so that Commit can leave alone the rows
// of links whose only change is their pending work. The state's links are
// not kept: a caller may drop them once the engine has made its plan.
func (j *Journal) Load() (engine.State, error) { return j.loadState(false) }

// LoadArena is Load with the open links given as the state's Arena, with
// room after them for a sixteenth more (the links a cycle makes), instead
// of Links: for a sync, whose Reconcile makes its plan's links there
// rather than copying every link (see engine.State.Arena).
func (j *Journal) LoadArena() (engine.State, error) { return j.loadState(true) }

func (j *Journal) loadState(arena bool) (engine.State, error) {
	j.loaded = nil
	st, loaded, err := j.load(arena)
	if err != nil {
		return engine.State{}, fmt.Errorf("load journal %q: %w", j.path, err)
	}
	if !j.ro {
		j.loaded = loaded
	}
	st.Bases = &bases{j: j, loaded: loaded}
	return st, nil
}

// decodePending is decodePending, remembering the documents of an
// operation alone on each side (a sync key to carry, a creation: most of
// a million links have one of a handful), which it decodes once.
func (s *linkSink) decodePending(doc string, l *engine.Link) error {
	if len(doc) > 16 {
		return decodePending(doc, l)
	}
	if p, ok := s.opOnly[doc]; ok {
		l.SetPending(p.CRM, p.Outlook)
		return nil
	}
	if err := decodePending(doc, l); err != nil {
		return err
	}
	if p := l.Pending(); len(p.CRM.Fields)+len(p.CRM.Old)+len(p.Outlook.Fields)+len(p.Outlook.Old) == 0 {
		if s.opOnly == nil {
			s.opOnly = map[string]engine.LinkPending{}
		}
		s.opOnly[strings.Clone(doc)] = p
	}
	return nil
}

// loadedState is what Load read, for Commit: the rows of cycle's open
// links, in id order, and the exact hash of each base read through Bases
// since.
type loadedState struct {
	cycle   int
	rows    []loadedRow
	next    int // the row after the one link last found
	fetched map[int64][16]byte
	// checked is the last cycle the last recorded chain check covered;
	// sums are the hashes of the open link rows written after it, in id
	// order, which the next check (CheckNew) compares with what their
	// cycles recorded instead of reading every row again.
	checked int
	sums    []loadedSum
	// pages is what Load found of the link pages.
	pages loadedPages
	chain *chain // hashes the rows noteRow keeps the hashes of
}

// loadedSum is the hash of a link row as Load read it (linkRow.sum), for
// a compact row; zero sum for a row of another form.
type loadedSum struct {
	id      int64
	written int32
	ok      bool
	sum     [rowSumSize]byte
}

// loadedRow is what a link row held that a cycle may change, its base
// aside: its keys, name account and detached side as a 128-bit hash
// (rowKeysSum), 24 bytes a link instead of a copy of each.
type loadedRow struct {
	id   int64
	keys [2]uint64
}

// keySeeds seed rowKeysSum: two independent 64-bit hashes, fixed for the
// life of the process (the sums are compared within one run only).
var keySeeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}

// rowKeysSum hashes what a link row holds besides its base: the keys and
// name account, each with its length, and the detached side, laid out in
// a buffer and hashed in one call per seed.
func rowKeysSum(l *engine.Link) [2]uint64 {
	var stack [128]byte
	b := stack[:0]
	for _, s := range []string{l.CRMID, l.OutlookKey, l.NameAccount} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	b = append(b, byte(l.Detached))
	return [2]uint64{maphash.Bytes(keySeeds[0], b), maphash.Bytes(keySeeds[1], b)}
}

// link returns the loaded row of link id, or nil. Commit asks in id
// order, so the row after the last one found is tried before a search.
func (s *loadedState) link(id int64) *loadedRow {
	if s == nil {
		return nil
	}
	if k := s.next; k < len(s.rows) && s.rows[k].id == id {
		s.next++
		return &s.rows[k]
	}
	k, ok := slices.BinarySearchFunc(s.rows, id, func(r loadedRow, id int64) int { return cmp.Compare(r.id, id) })
	if !ok {
		return nil
	}
	s.next = k + 1
	return &s.rows[k]
}

// unchanged reports whether the row of l is what Load read: same keys,
// name account and detached side, and a base the cycle did not read
// (nil) or read and left as it was.
func (s *loadedState) unchanged(l *engine.Link) bool {
	old := s.link(l.ID)
	if old == nil || old.keys != rowKeysSum(l) {
		return false
	}
	if !l.HasBase() {
		return true
	}
	h, ok := s.fetched[l.ID]
	return ok && valuesHash(packedOf(l)) == h
}

func (j *Journal) load(arena bool) (engine.State, *loadedState, error) {
	st := engine.State{NextLinkID: 1}
	tx, err := j.db.Begin() // one snapshot for the cycle row and the links
	if err != nil {
		return st, nil, err
	}
	defer tx.Rollback()
	var open int64
	var pendingRows sql.NullInt64
	err = tx.QueryRow(`SELECT number, sync_user, mapping, next_link_id, open_links, pending_rows FROM cycles ORDER BY number DESC LIMIT 1`).
		Scan(&st.Cycle, &st.User, &st.Mapping, &st.NextLinkID, &open, &pendingRows)
	if err == sql.ErrNoRows {
		return st, &loadedState{fetched: map[int64][16]byte{}}, nil
	}
	if err != nil {
		return st, nil, err
	}
	s := &linkSink{st: &st, arena: arena, withPending: pendingRows.Valid, open: open}
	// The pending work after the last cycle: its pending rows, or, for a
	// cycle of schema 1 (pending_rows NULL), what the link rows hold.
	if pendingRows.Valid {
		s.pending = make([]pendingRow, 0, min(max(pendingRows.Int64, 0), 1<<26))
		if err := eachPending(tx, st.Cycle, func(p pendingRow) error {
			s.pending = append(s.pending, p)
			return nil
		}); err != nil {
			return st, nil, err
		}
	}
	loaded := &loadedState{cycle: st.Cycle, fetched: map[int64][16]byte{}}
	if !j.ro {
		s.rows = &loaded.rows
		if err := tx.QueryRow(`SELECT coalesce(max(through), 0) FROM checks`).Scan(&loaded.checked); err != nil {
			return st, nil, err
		}
	}
	s.reset()
	// The link pages hold what Load keeps of a link, but not a schema 1
	// row's pending work.
	if pendingRows.Valid {
		if loaded.pages, err = j.loadPages(tx, st.Cycle, s, loaded, false); err != nil {
			return st, nil, err
		}
		if loaded.pages.ok {
			return st, loaded, tx.Commit()
		}
		s.reset() // no pages, or pages that do not add up: the rows
		loaded.sums = nil
	}
	if err := eachLoadRow(tx, j.hashAfter(loaded), func(r *loadRow) error {
		j.noteRow(loaded, r)
		l := s.add(r.id, r.crmID, r.outlookKey)
		if err := lightLink(l, r.base, r.sum, &s.strs); err != nil {
			return fmt.Errorf("link %d: %w", l.ID, err)
		}
		return s.done(l)
	}); err != nil {
		return st, nil, err
	}
	return st, loaded, tx.Commit()
}

// hashAfter is the last cycle whose link rows Load does not hash: the
// last checked, for a writable journal. A row's whole base is read only
// when Load hashes the row (written after it) or needs more than its
// header: a row of the JSON form (no base_sum), or a name account (the
// third byte of a compact base is the account's length). Of any other
// row, the first three bytes, the header, are all Load keeps: reading
// the values of every base cost a copy of each through the driver.
func (j *Journal) hashAfter(loaded *loadedState) int64 {
	if j.ro {
		return math.MaxInt64
	}
	return int64(loaded.checked)
}

// noteRow keeps the hash of a row written after the last check, for the
// next one (CheckNew); rows come in id order.
func (j *Journal) noteRow(loaded *loadedState, r *loadRow) {
	if j.ro || r.written <= int64(loaded.checked) {
		return
	}
	s := loadedSum{id: r.id, written: int32(r.written)}
	if r.sum != nil && len(r.baseSHA) == 0 {
		if loaded.chain == nil {
			loaded.chain = newChain()
		}
		c := loaded.chain
		row := linkRow{id: r.id, crmID: unsafeString(r.crmID), outlookKey: unsafeString(r.outlookKey), base: r.base, baseSum: r.sum, opened: int(r.opened), written: int(r.written)}
		row.sum(c)
		copy(s.sum[:], c.out)
		s.ok = true
	}
	loaded.sums = append(loaded.sums, s)
}

// linkSink gathers the open links as Load reads them, in id order, into
// the state, with their pending work and, for a writable journal, what
// Commit compares their rows with (rowKeysSum).
type linkSink struct {
	st    *engine.State
	arena bool
	// pending is the last cycle's pending work, in link order; without
	// withPending (schema 1) the link rows hold it.
	pending     []pendingRow
	withPending bool
	next        int          // the first pending row not yet matched
	rows        *[]loadedRow // nil: read-only
	open        int64        // the links the last cycle left open
	strs        contact.Arena
	opOnly      map[string]engine.LinkPending // see decodePending
}

// reset empties the sink for a read from the start.
func (s *linkSink) reset() {
	s.next = 0
	s.strs = contact.Arena{}
	n := 0
	if s.open > 0 && s.open < 1<<26 {
		n = int(s.open) // a size hint; the rows decide
	}
	if s.arena {
		s.st.Arena, s.st.Links = make([]engine.LinkState, 0, n+n/16+256), nil
	} else {
		s.st.Links, s.st.Arena = make([]engine.Link, 0, n), nil
	}
	if s.rows != nil {
		*s.rows = make([]loadedRow, 0, n)
	}
}

// count is the number of links added.
func (s *linkSink) count() int64 {
	if s.arena {
		return int64(len(s.st.Arena))
	}
	return int64(len(s.st.Links))
}

// add adds link id with its keys, copied, and returns it for its row's
// other values; done finishes it.
func (s *linkSink) add(id int64, crmID, outlookKey []byte) *engine.Link {
	var l *engine.Link
	if s.arena {
		s.st.Arena = append(s.st.Arena, engine.LinkState{Link: engine.Link{ID: id}})
		l = &s.st.Arena[len(s.st.Arena)-1].Link
	} else {
		s.st.Links = append(s.st.Links, engine.Link{ID: id})
		l = &s.st.Links[len(s.st.Links)-1]
	}
	l.CRMID, l.OutlookKey = s.strs.String(crmID), s.strs.String(outlookKey)
	return l
}

// done gives l, added last, its pending work and remembers its row.
func (s *linkSink) done(l *engine.Link) error {
	if s.withPending {
		l.SetPending(engine.Pending{}, engine.Pending{})
		for s.next < len(s.pending) && s.pending[s.next].link < l.ID {
			s.next++ // pending work of a link that is not open: ignored
		}
		if s.next < len(s.pending) && s.pending[s.next].link == l.ID {
			if err := s.decodePending(s.pending[s.next].doc, l); err != nil {
				return fmt.Errorf("link %d: pending work of cycle %d: %w", l.ID, s.st.Cycle, err)
			}
			s.next++
		}
	}
	if s.rows != nil {
		*s.rows = append(*s.rows, loadedRow{l.ID, rowKeysSum(l)})
	}
	return nil
}

// lightLink fills l from its row's base without keeping the values: the
// name account and detached side, and the BaseSum (stored with a compact
// row, computed for a row of the JSON form, whose pending work, in a
// schema 1 row, it keeps too).
func lightLink(l *engine.Link, base, sum []byte, strs *contact.Arena) error {
	if len(sum) > 0 || isCompact(string(base[:min(len(base), 1)])) {
		if len(sum) != len(engine.BaseSum{}) {
			return fmt.Errorf("base_sum of %d bytes, want %d", len(sum), len(engine.BaseSum{}))
		}
		l.BaseSum = engine.BaseSum(sum)
		return decodeCompactHeader(base, l, strs)
	}
	if err := decodeBase(string(base), l); err != nil {
		return err
	}
	if l.Base == nil {
		l.Base = new(contact.Values)
	}
	l.BaseSum = engine.SumValues(l.Base)
	l.Base = nil
	return nil
}

// bases reads the bases of open links for the engine (engine.Bases).
type bases struct {
	j      *Journal
	loaded *loadedState
}

// basesChunk is how many ids one query asks for.
const basesChunk = 500

// Bases returns the base of each open link in ids (ascending).
func (b *bases) Bases(ids []int64) ([]*contact.Values, error) {
	out := make([]*contact.Values, len(ids))
	at := make(map[int64]int, min(len(ids), basesChunk))
	for start := 0; start < len(ids); start += basesChunk {
		chunk := ids[start:min(len(ids), start+basesChunk)]
		clear(at)
		args := make([]any, len(chunk))
		for i, id := range chunk {
			at[id] = start + i
			args[i] = id
		}
		q := `SELECT id, base FROM links WHERE closed IS NULL AND id IN (?` + strings.Repeat(", ?", len(chunk)-1) + `)`
		rows, err := b.j.db.Query(q, args...)
		if err != nil {
			return nil, fmt.Errorf("journal %q: %w", b.j.path, err)
		}
		for rows.Next() {
			var l engine.Link
			var doc string
			if err := rows.Scan(&l.ID, &doc); err != nil {
				rows.Close()
				return nil, fmt.Errorf("journal %q: %w", b.j.path, err)
			}
			if err := decodeBase(doc, &l); err != nil {
				rows.Close()
				return nil, fmt.Errorf("journal %q: link %d: %w", b.j.path, l.ID, err)
			}
			if l.Base == nil {
				l.Base = new(contact.Values)
			}
			k, ok := at[l.ID]
			if !ok {
				continue
			}
			out[k] = l.Base
			if b.loaded != nil && b.loaded.fetched != nil {
				b.loaded.fetched[l.ID] = storedValuesHash(doc, l.Base)
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("journal %q: %w", b.j.path, err)
		}
	}
	for i, v := range out {
		if v == nil {
			return nil, fmt.Errorf("journal %q has no open link %d", b.j.path, ids[i])
		}
	}
	return out, nil
}

// pendingRow is one row of the pending table.
type pendingRow struct {
	link int64
	doc  string
}

// decodePending reads a pending document into l's pendings; anything else
// in it is an error.
func decodePending(doc string, l *engine.Link) error {
	if isCompact(doc) {
		return decodeCompactPending(doc, l)
	}
	var p engine.Link
	if err := decodeBase(doc, &p); err != nil {
		return err
	}
	if (p.Base != nil && *p.Base != contact.Values{}) || p.NameAccount != "" || p.Detached != engine.NoSide {
		return fmt.Errorf("the pending document %q holds more than pending work", doc)
	}
	l.SetPending(p.PendingCRM(), p.PendingOutlook())
	return nil
}
