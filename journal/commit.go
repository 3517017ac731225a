package journal

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"slices"
	"strconv"
	"strings"
	"time"

	"contactsync/engine"
	"contactsync/engine/contact"
)

// FileHash is one input or output file of a cycle.
type FileHash struct {
	Role   string // "input" or "output" (or a finer name such as "input crm")
	Path   string
	SHA256 string // hex
	Size   int64
}

// CycleInfo is what the caller knows about a cycle beyond its plan.
type CycleInfo struct {
	Kind        string // "sync"; empty means "sync"
	Started     time.Time
	User        string // who ran the tool; empty means the plan's user
	ToolVersion string
	Options     map[string]string // the flags of the run
	Inputs      []FileHash
	Outputs     []FileHash
	OutDir      string
	// Reopen lists closed links the cycle opens again: a discard returns
	// the links a discarded cycle closed (engine.Plan.Links has them).
	Reopen []int64
}

// StatusCommitted is the status of every cycle in the journal: a cycle that
// fails is rolled back and leaves no row.
const StatusCommitted = "committed"

// ConflictError says that the journal moved on since the plan was made.
type ConflictError struct {
	Path      string
	PlanCycle int // the cycle the plan was made for
	Last      int // the journal's last cycle now
}

func (e *ConflictError) Error() string {
	why := "another run committed meanwhile; run the cycle again"
	if e.PlanCycle > e.Last+1 {
		why = "the plan was made from another journal's state"
	}
	return fmt.Sprintf("journal %q: the plan is for cycle %d but the journal's last cycle is %d: %s", e.Path, e.PlanCycle, e.Last, why)
}

// Commit records one cycle in one transaction: the cycle row, its files,
// every change, conflict and notice, the link rows the plan changed (new
// links inserted, changed ones rewritten, plan.Closed ones marked closed),
// the pending work of every open link, the next link id, and the cycle's
// hash. Either all of it is written or nothing.
//
// A Changed link whose keys and base are what the journal loaded for it
// (its pending work is all that changed) keeps its row: each cycle clears
// the previous one's pending work, and rewriting a million rows for that
// would make every cycle as costly as the first.
func (j *Journal) Commit(plan *engine.Plan, info CycleInfo) error {
	return j.CommitContext(context.Background(), plan, info)
}

// CommitContext is Commit that gives up when ctx is done: a transaction
// under way is rolled back, and nothing is committed once ctx is done.
func (j *Journal) CommitContext(ctx context.Context, plan *engine.Plan, info CycleInfo) error {
	s, err := j.Stage(ctx, plan, info)
	if err != nil {
		return err
	}
	return s.Commit(info.Outputs)
}

// Staged is a cycle's commit under way (Stage): every row but the cycle's
// own and its files' is written, in a transaction not yet committed.
// Commit finishes it; Abort rolls it back. While it is open, nothing else
// may use the journal.
type Staged struct {
	j        *Journal
	ctx      context.Context
	tx       *sql.Tx
	plan     *engine.Plan
	info     CycleInfo
	prevHash string
	open     int64 // the links open after the cycle
	pending  []pendingRow
	writes   []linkWrite
	history  []historyRow
	done     bool
}

// Stage writes the rows of plan's cycle (its changes, conflicts, notices,
// link rows and pending work) in a new transaction and leaves it open: a
// cycle stages its commit while it writes its outputs, and commits it,
// with the outputs' hashes, once they are in place (Staged.Commit). The
// cycle's row goes in last, so the transaction holds either nothing of
// the cycle or all of it. info.Outputs is not read.
func (j *Journal) Stage(ctx context.Context, plan *engine.Plan, info CycleInfo) (*Staged, error) {
	if j.ro {
		return nil, fmt.Errorf("commit cycle %d: journal %q is open read-only", plan.Cycle, j.path)
	}
	s, err := j.stage(ctx, plan, info)
	if err != nil {
		var ce *ConflictError
		if errors.As(err, &ce) {
			return nil, err
		}
		return nil, fmt.Errorf("commit cycle %d to journal %q: %w", plan.Cycle, j.path, err)
	}
	return s, nil
}

// Abort rolls back a staged commit that was not committed; after Commit
// it does nothing.
func (s *Staged) Abort() {
	if !s.done {
		s.done = true
		s.tx.Rollback()
	}
}

func (j *Journal) stage(ctx context.Context, plan *engine.Plan, info CycleInfo) (_ *Staged, err error) {
	tx, err := j.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	// The rows reference the cycle's row, which Commit writes last.
	if _, err := tx.Exec(`PRAGMA defer_foreign_keys = ON`); err != nil {
		return nil, err
	}
	last, prevHash, err := lastCycle(tx)
	if err != nil {
		return nil, err
	}
	if plan.Cycle != last+1 {
		return nil, &ConflictError{Path: j.path, PlanCycle: plan.Cycle, Last: last}
	}
	firstNew := int64(1) // links with this id or above are new in this cycle
	var open int64       // links open before the cycle
	if last > 0 {
		if err := tx.QueryRow(`SELECT next_link_id, open_links FROM cycles WHERE number = ?`, last).Scan(&firstNew, &open); err != nil {
			return nil, err
		}
	}
	// plan.Links is every link open after the cycle. If the arithmetic does
	// not agree, the plan was not made from this journal's state, and
	// committing it would silently drop or invent links.
	if plan.NextLinkID < firstNew {
		return nil, fmt.Errorf("the plan's next link id %d is below the journal's %d", plan.NextLinkID, firstNew)
	}
	for i := range plan.Links {
		if id := plan.Links[i].ID; plan.Links[i].Changed && id >= firstNew {
			if id >= plan.NextLinkID {
				return nil, fmt.Errorf("new link %d is not below the plan's next link id %d", id, plan.NextLinkID)
			}
			open++
		}
	}
	open -= int64(len(plan.Closed))
	open += int64(len(info.Reopen))
	if open != int64(len(plan.Links)) {
		return nil, fmt.Errorf("the plan keeps %d links open but the journal would have %d: the plan was not made from this journal's state", len(plan.Links), open)
	}
	n := plan.Cycle
	s := &Staged{j: j, ctx: ctx, tx: tx, plan: plan, info: info, prevHash: prevHash, open: open, pending: pendingOf(plan)}
	if err := insertChanges(tx, n, plan.Changes); err != nil {
		return nil, err
	}
	if err := insertConflicts(tx, n, plan.Conflicts); err != nil {
		return nil, err
	}
	if err := insertNotices(tx, n, plan.Notices); err != nil {
		return nil, err
	}
	loaded := j.loaded
	if loaded != nil && loaded.cycle != last {
		loaded = nil // loaded before another cycle: compare nothing
	}
	if s.writes, s.history, err = j.writeLinks(tx, n, firstNew, plan, loaded, info.Reopen); err != nil {
		return nil, err
	}
	if err := insertPending(tx, n, s.pending); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

// Commit writes the cycle's row and its files (the inputs Stage was given
// and outputs), with the cycle's hash over every row, and commits: the
// cycle is in the journal. On an error, or when the context is done,
// everything is rolled back.
func (s *Staged) Commit(outputs []FileHash) error {
	if s.done {
		return fmt.Errorf("commit cycle %d to journal %q: already committed or aborted", s.plan.Cycle, s.j.path)
	}
	defer s.Abort()
	if err := s.commit(outputs); err != nil {
		return fmt.Errorf("commit cycle %d to journal %q: %w", s.plan.Cycle, s.j.path, err)
	}
	s.done = true
	s.j.loaded = nil // the rows moved on
	s.j.checked = nil
	return nil
}

func (s *Staged) commit(outputs []FileHash) error {
	j, tx, plan, info := s.j, s.tx, s.plan, s.info
	info.Outputs = outputs
	n := plan.Cycle
	h := cycleRow{
		Number: n, Kind: info.Kind, Status: StatusCommitted,
		Started: stamp(info.Started), Finished: stamp(j.now()),
		SyncUser: plan.User, RunBy: info.User, ToolVersion: info.ToolVersion,
		Mapping: plan.Mapping, Prefer: plan.Prefer.String(), Direction: plan.Direction.String(),
		OutDir: info.OutDir, NextLinkID: plan.NextLinkID, OpenLinks: s.open, PrevHash: s.prevHash,
		PendingRows: sql.NullInt64{Int64: int64(len(s.pending)), Valid: true},
		HistoryRows: sql.NullInt64{Int64: int64(len(s.history)), Valid: true},
	}
	if h.Kind == "" {
		h.Kind = "sync"
	}
	if h.RunBy == "" {
		h.RunBy = plan.User
	}
	opts := info.Options
	if opts == nil {
		opts = map[string]string{}
	}
	ob, err := json.Marshal(opts) // map keys come out sorted
	if err != nil {
		return err
	}
	h.Options = string(ob)
	cb, err := json.Marshal(plan.Counts)
	if err != nil {
		return err
	}
	h.Counts = string(cb)

	// The hash, in the chain's order: the header, the files, the changes,
	// conflicts and notices, the link writes, the pending work and the
	// link history.
	ch := newChain()
	ch.header(&h)
	if err := insertFiles(tx, ch, n, info); err != nil {
		return err
	}
	for i := range plan.Changes {
		c := &plan.Changes[i]
		ch.change(i+1, c.Side.String(), c) // the side's text, as the journal stores it
	}
	for i := range plan.Conflicts {
		r := conflictRowOf(&plan.Conflicts[i])
		ch.conflict(i+1, &r)
	}
	for i, x := range plan.Notices {
		ch.notice(i+1, string(x.Kind), x.Link, x.Message)
	}
	ch.linkWrites(s.writes)
	ch.pending(h.PendingRows, s.pending)
	ch.history(h.HistoryRows, s.history)
	h.Hash = ch.sum()
	if _, err := tx.Exec(`INSERT INTO cycles (`+cycleColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, h.dest()...); err != nil {
		return err
	}
	if c := j.checked; c != nil && c.Through == n-1 && c.Hash == s.prevHash {
		// The check made before this cycle (CheckNew), for the next one.
		if _, err := tx.Exec(`INSERT OR REPLACE INTO checks (through, hash, checked, rows_from) VALUES (?, ?, ?, ?)`,
			c.Through, c.Hash, stamp(c.Checked), c.From); err != nil {
			return err
		}
	}
	if testHookBeforeTxCommit != nil {
		testHookBeforeTxCommit()
	}
	if err := s.ctx.Err(); err != nil {
		return err // rolled back by Abort
	}
	return tx.Commit()
}

// testHookBeforeTxCommit, when set by a test, runs inside the commit's
// transaction, once every row is written, before it commits.
var testHookBeforeTxCommit func()

// lastCycle returns the number and hash of the last cycle (0, "" for none).
func lastCycle(q interface {
	QueryRow(string, ...any) *sql.Row
}) (int, string, error) {
	var n int
	var h string
	err := q.QueryRow(`SELECT number, hash FROM cycles ORDER BY number DESC LIMIT 1`).Scan(&n, &h)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", nil
	}
	return n, h, err
}

func insertFiles(tx *sql.Tx, ch *chain, n int, info CycleInfo) error {
	st, err := tx.Prepare(`INSERT INTO files (cycle, seq, role, path, sha256, size) VALUES (?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer st.Close()
	seq := 0
	for _, group := range [][]FileHash{info.Inputs, info.Outputs} {
		for _, f := range group {
			seq++
			ch.file(seq, f)
			if _, err := st.Exec(n, seq, f.Role, f.Path, f.SHA256, f.Size); err != nil {
				return fmt.Errorf("file %q: %w", f.Path, err)
			}
		}
	}
	return nil
}

// insertChanges writes the changes of cycle n as a set, in plan order.
func insertChanges(tx *sql.Tx, n int, changes []engine.Change) error {
	w, err := newSetWriter(tx, n, setChanges)
	if err != nil {
		return err
	}
	for i := range changes {
		c := &changes[i]
		putChange(w, c.Side.String(), c) // the side's text, as the journal stores it
		if err := w.end(); err != nil {
			w.close()
			return fmt.Errorf("changes: %w", err)
		}
	}
	if err := w.close(); err != nil {
		return fmt.Errorf("changes: %w", err)
	}
	return nil
}

// putChange writes a change as a row of a set.
func putChange(w *setWriter, side string, c *engine.Change) {
	w.int(c.Link)
	w.word(side)
	w.word(string(c.Op))
	w.word(c.Field)
	w.str(c.Old)
	w.str(c.New)
	w.word(string(c.Rule))
	w.name(c.Name)
}

// getChange reads a change written by putChange; side is as stored.
func getChange(r *setReader, c *engine.Change) (side string, err error) {
	var op, rule string
	if c.Link, err = r.int(); err != nil {
		return
	}
	if side, err = r.word(); err != nil {
		return
	}
	if op, err = r.word(); err != nil {
		return
	}
	if c.Field, err = r.word(); err != nil {
		return
	}
	if c.Old, err = r.str(); err != nil {
		return
	}
	if c.New, err = r.str(); err != nil {
		return
	}
	if rule, err = r.word(); err != nil {
		return
	}
	c.Op, c.Rule = engine.Op(op), engine.Rule(rule)
	c.Name, err = r.name()
	return
}

func insertConflicts(tx *sql.Tx, n int, conflicts []engine.Conflict) error {
	b, err := newBatch(tx, "conflicts", "cycle, seq, link, field, base, crm, outlook, crm_time, outlook_time, winner, rule, name")
	if err != nil {
		return err
	}
	defer b.close()
	for i := range conflicts {
		c := &conflicts[i]
		r := conflictRowOf(c)
		if err := b.add(n, i+1, r.link, r.field, r.base, r.crm, r.outlook, r.crmTime, r.outlookTime, r.winner, r.rule, r.name); err != nil {
			return fmt.Errorf("conflicts: %w", err)
		}
	}
	if err := b.flush(); err != nil {
		return fmt.Errorf("conflicts: %w", err)
	}
	return nil
}

func insertNotices(tx *sql.Tx, n int, notices []engine.Notice) error {
	b, err := newBatch(tx, "notices", "cycle, seq, kind, link, message")
	if err != nil {
		return err
	}
	defer b.close()
	for i, x := range notices {
		if err := b.add(n, i+1, string(x.Kind), x.Link, x.Message); err != nil {
			return fmt.Errorf("notices: %w", err)
		}
	}
	if err := b.flush(); err != nil {
		return fmt.Errorf("notices: %w", err)
	}
	return nil
}

// linkWrite is the hash of one link row version written by a cycle.
type linkWrite struct {
	link int64
	sum  string // hex for a row of the JSON form, raw bytes for a compact one
}

// value is the sum as link_writes stores it: hex as text, raw bytes as a blob.
func (w linkWrite) value() any {
	if len(w.sum) == rowSumSize {
		return []byte(w.sum)
	}
	return w.sum
}

// writeLinks inserts the new links (ids from firstNew on, as the engine
// numbers them from State.NextLinkID), rewrites the changed old ones, closes
// plan.Closed, and records each row's hash in link_writes. The version of
// every row it rewrites, closes or reopens is kept in link_history first.
// The writes and the history come back in link order, as the chain hashes
// them. Rows are written in the compact form (schema 4).
func (j *Journal) writeLinks(tx *sql.Tx, n int, firstNew int64, plan *engine.Plan, loaded *loadedState, reopen []int64) ([]linkWrite, []historyRow, error) {
	insert, err := newBatchOf(tx, "links", "id, crm_id, outlook_key, base, base_sha256, base_sum, opened, written",
		fmt.Sprintf("(?, ?, ?, ?, '', ?, %d, %d)", n, n))
	if err != nil {
		return nil, nil, err
	}
	defer insert.close()
	closeSt, err := tx.Prepare(`UPDATE links SET closed = ?, written = ?,
		base_sha256 = CASE WHEN base_sum IS NULL THEN base_sha256 ELSE '' END
		WHERE id = ? AND closed IS NULL
		RETURNING crm_id, outlook_key, base, base_sha256, base_sum, opened`)
	if err != nil {
		return nil, nil, err
	}
	defer closeSt.Close()
	readBase, err := tx.Prepare(`SELECT base FROM links WHERE id = ? AND closed IS NULL`)
	if err != nil {
		return nil, nil, err
	}
	defer readBase.Close()

	var history []historyRow
	// remember keeps the rows of links ids as they are before this cycle
	// rewrites or closes them, a statement for up to basesChunk of them.
	remember := func(ids []int64) error {
		for start := 0; start < len(ids); start += basesChunk {
			chunk := ids[start:min(len(ids), start+basesChunk)]
			args := make([]any, 0, len(chunk)+1)
			args = append(args, n)
			for _, id := range chunk {
				args = append(args, id)
			}
			if err := eachRow(tx, `INSERT INTO link_history (cycle, link, crm_id, outlook_key, base, written)
				SELECT ?, id, crm_id, outlook_key, base, written FROM links WHERE id IN (?`+strings.Repeat(", ?", len(chunk)-1)+`) AND closed IS NULL
				RETURNING link, crm_id, outlook_key, base, written`, args, func(rs *sql.Rows) error {
				var h historyRow
				if err := rs.Scan(&h.link, &h.crmID, &h.outlookKey, &h.base, &h.written); err != nil {
					return err
				}
				history = append(history, h)
				return nil
			}); err != nil {
				return fmt.Errorf("links %d..%d: keep their rows: %w", chunk[0], chunk[len(chunk)-1], err)
			}
		}
		return nil
	}
	// The rows of old links to rewrite, queued until their old versions
	// are kept (a chunk at a time).
	type rewrite struct {
		l    *engine.Link
		blob []byte
		row  linkRow
	}
	var queued []rewrite
	var writes []linkWrite
	rc := newChain()
	flush := func() error {
		ids := make([]int64, len(queued))
		for i, q := range queued {
			ids[i] = q.l.ID
		}
		if err := remember(ids); err != nil {
			return err
		}
		if len(queued) == 0 {
			return nil
		}
		// One UPDATE for the chunk; it gives back the rows it rewrote.
		args := make([]any, 0, 5*len(queued))
		for _, q := range queued {
			args = append(args, q.l.ID, q.l.CRMID, q.l.OutlookKey, q.blob, q.row.baseSum)
		}
		opened := make(map[int64]int, len(queued))
		if err := eachRow(tx, `UPDATE links SET crm_id = v.column2, outlook_key = v.column3, base = v.column4, base_sha256 = '', base_sum = v.column5, written = `+strconv.Itoa(n)+`
			FROM (VALUES (?, ?, ?, ?, ?)`+strings.Repeat(", (?, ?, ?, ?, ?)", len(queued)-1)+`) AS v
			WHERE links.id = v.column1 AND links.closed IS NULL RETURNING links.id, links.opened`, args, func(rs *sql.Rows) error {
			var id int64
			var o int
			err := rs.Scan(&id, &o)
			opened[id] = o
			return err
		}); err != nil {
			return fmt.Errorf("links %d..%d: %w", queued[0].l.ID, queued[len(queued)-1].l.ID, err)
		}
		for _, q := range queued {
			l, row := q.l, q.row
			o, ok := opened[l.ID]
			if !ok {
				return fmt.Errorf("link %d: the journal has no open link with that id (a closed link is never reopened)", l.ID)
			}
			row.opened = o
			writes = append(writes, linkWrite{l.ID, row.sum(rc)})
		}
		queued = queued[:0]
		return nil
	}
	reopened := map[int64]bool{}
	for _, id := range reopen {
		// A link this cycle reopens (a discarded cycle had closed it).
		var h historyRow
		if err := tx.QueryRow(`INSERT INTO link_history (cycle, link, crm_id, outlook_key, base, written)
			SELECT ?, id, crm_id, outlook_key, base, written FROM links WHERE id = ? AND closed IS NOT NULL
			RETURNING link, crm_id, outlook_key, base, written`, n, id).Scan(&h.link, &h.crmID, &h.outlookKey, &h.base, &h.written); err != nil {
			return nil, nil, fmt.Errorf("reopen link %d: the journal has no closed link with that id: %w", id, err)
		}
		history = append(history, h)
		if _, err := tx.Exec(`UPDATE links SET closed = NULL WHERE id = ?`, id); err != nil {
			return nil, nil, fmt.Errorf("reopen link %d: %w", id, err)
		}
		reopened[id] = true
	}
	var buf []byte
	for i := range plan.Links {
		ls := &plan.Links[i]
		if !ls.Changed {
			continue
		}
		l := &ls.Link
		if l.ID <= 0 {
			return nil, nil, fmt.Errorf("link with id %d: ids start at 1", l.ID)
		}
		old := l.ID < firstNew && !reopened[l.ID]
		if old && loaded != nil && loaded.unchanged(l) {
			continue // only its pending work changed; see Commit
		}
		if l.Base == nil && l.Packed == "" {
			// The engine did not read the base: it is the row's.
			var doc string
			if err := readBase.QueryRow(l.ID).Scan(&doc); err != nil {
				if errors.Is(err, sql.ErrNoRows) {
					return nil, nil, fmt.Errorf("link %d comes without its base and the journal has no open row for it", l.ID)
				}
				return nil, nil, fmt.Errorf("link %d: %w", l.ID, err)
			}
			var stored engine.Link
			if err := decodeBase(doc, &stored); err != nil {
				return nil, nil, fmt.Errorf("link %d: %w", l.ID, err)
			}
			cp := *l
			cp.Base = stored.Base
			if cp.Base == nil {
				cp.Base = new(contact.Values)
			}
			l = &cp
		}
		buf = appendCompactBase(buf[:0], l)
		blob := slices.Clone(buf)
		bs := l.BaseSum
		if l.Packed == "" || bs.IsZero() {
			bs = engine.SumValues(l.Values())
		}
		row := linkRow{id: l.ID, crmID: l.CRMID, outlookKey: l.OutlookKey, base: blob, baseSum: bs[:], opened: n, written: n}
		if old {
			queued = append(queued, rewrite{l, blob, row})
			if len(queued) == basesChunk {
				if err := flush(); err != nil {
					return nil, nil, err
				}
			}
			continue
		}
		if err := insert.add(l.ID, l.CRMID, l.OutlookKey, blob, row.baseSum); err != nil {
			return nil, nil, fmt.Errorf("new links: %w", err)
		}
		writes = append(writes, linkWrite{l.ID, row.sum(rc)})
	}
	if err := flush(); err != nil {
		return nil, nil, err
	}
	if err := insert.flush(); err != nil {
		return nil, nil, fmt.Errorf("new links: %w", err)
	}
	if err := remember(plan.Closed); err != nil {
		return nil, nil, err
	}
	for _, id := range plan.Closed {
		row := linkRow{id: id, written: n, closed: n}
		if err := closeSt.QueryRow(n, n, id).Scan(&row.crmID, &row.outlookKey, &row.base, &row.baseSHA, &row.baseSum, &row.opened); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return nil, nil, fmt.Errorf("close link %d: the journal has no open link with that id", id)
			}
			return nil, nil, fmt.Errorf("close link %d: %w", id, err)
		}
		writes = append(writes, linkWrite{id, row.sum(rc)})
	}
	slices.SortFunc(writes, func(a, b linkWrite) int { return cmp.Compare(a.link, b.link) })
	for i := 1; i < len(writes); i++ {
		if writes[i-1].link == writes[i].link {
			return nil, nil, fmt.Errorf("link %d is written twice in one cycle", writes[i].link)
		}
	}
	if err := insertLinkWrites(tx, n, writes); err != nil {
		return nil, nil, err
	}
	slices.SortFunc(history, func(a, b historyRow) int { return cmp.Compare(a.link, b.link) })
	for i := 1; i < len(history); i++ {
		if history[i-1].link == history[i].link {
			return nil, nil, fmt.Errorf("link %d is written twice in one cycle", history[i].link)
		}
	}
	return writes, history, nil
}

// pendingOf returns the pending work of the plan's links, in link order.
func pendingOf(plan *engine.Plan) []pendingRow {
	var out []pendingRow
	var buf []byte
	for i := range plan.Links {
		var ok bool
		if buf, ok = appendCompactPending(buf[:0], &plan.Links[i].Link); ok {
			out = append(out, pendingRow{plan.Links[i].ID, string(buf)})
		}
	}
	// The engine keeps links in id order; sorting anyway keeps the hash
	// order (by link, as Verify reads them) true for any plan.
	if !slices.IsSortedFunc(out, func(a, b pendingRow) int { return cmp.Compare(a.link, b.link) }) {
		slices.SortStableFunc(out, func(a, b pendingRow) int { return cmp.Compare(a.link, b.link) })
	}
	return out
}

// insertLinkWrites writes the hashes of the link rows cycle n wrote as a
// set, in link order: each link as the difference to the previous one.
func insertLinkWrites(tx *sql.Tx, n int, writes []linkWrite) error {
	w, err := newSetWriter(tx, n, setLinkWrites)
	if err != nil {
		return err
	}
	var prev int64
	for _, x := range writes {
		w.int(x.link - prev)
		w.str(x.sum)
		prev = x.link
		if err := w.end(); err != nil {
			w.close()
			return fmt.Errorf("link writes: %w", err)
		}
	}
	if err := w.close(); err != nil {
		return fmt.Errorf("link writes: %w", err)
	}
	return nil
}

// eachLinkWrite calls fn for every link write of cycle n, in link order:
// the rows of link_writes (cycles before schema 6), then its set.
func eachLinkWrite(q querier, n int, fn func(linkWrite) error) error {
	if err := eachQ(q, `SELECT link, sha256 FROM link_writes WHERE cycle = ? ORDER BY link`, n, func(rs *sql.Rows) error {
		var w linkWrite
		if err := rs.Scan(&w.link, &w.sum); err != nil {
			return err
		}
		return fn(w)
	}); err != nil {
		return err
	}
	var prev int64
	return eachSet(q, setLinkWrites, n, func(r *setReader) error {
		d, err := r.int()
		if err != nil {
			return err
		}
		sum, err := r.str()
		if err != nil {
			return err
		}
		prev += d
		return fn(linkWrite{prev, sum})
	})
}

// insertPending writes the cycle's pending work as a set, in link order.
func insertPending(tx *sql.Tx, n int, pending []pendingRow) error {
	w, err := newSetWriter(tx, n, setPending)
	if err != nil {
		return err
	}
	var prev int64
	for _, p := range pending {
		w.int(p.link - prev)
		w.str(p.doc)
		prev = p.link
		if err := w.end(); err != nil {
			w.close()
			return fmt.Errorf("pending work: %w", err)
		}
	}
	if err := w.close(); err != nil {
		return fmt.Errorf("pending work: %w", err)
	}
	return nil
}

// eachPending calls fn for every pending row of cycle n, in link order:
// the rows of the pending table (cycles before schema 6), then its set.
func eachPending(q querier, n int, fn func(pendingRow) error) error {
	if err := eachQ(q, `SELECT link, doc FROM pending WHERE cycle = ? ORDER BY link`, n, func(rs *sql.Rows) error {
		var p pendingRow
		if err := rs.Scan(&p.link, &p.doc); err != nil {
			return err
		}
		return fn(p)
	}); err != nil {
		return err
	}
	var prev int64
	return eachSet(q, setPending, n, func(r *setReader) error {
		d, err := r.int()
		if err != nil {
			return err
		}
		doc, err := r.str()
		if err != nil {
			return err
		}
		prev += d
		return fn(pendingRow{prev, doc})
	})
}

// cycleRow is the cycles row as stored.
type cycleRow struct {
	Number                          int
	Kind, Status, Started, Finished string
	SyncUser, RunBy, ToolVersion    string
	Mapping, Prefer, Direction      string
	Options, Counts, OutDir         string
	NextLinkID, OpenLinks           int64
	PrevHash, Hash                  string
	// PendingRows is the number of pending rows of the cycle; NULL for a
	// cycle of schema 1, whose pending work is in its link rows.
	PendingRows sql.NullInt64
	// HistoryRows is the number of link_history rows of the cycle; NULL
	// for a cycle of schema 1 or 2, which kept none.
	HistoryRows sql.NullInt64
}

// cycleColumns are the columns of cycles, in the order of cycleRow.dest.
const cycleColumns = `number, kind, status, started, finished, sync_user, run_by, tool_version,
	mapping, prefer, direction, options, counts, out_dir, next_link_id, open_links, prev_hash, hash, pending_rows, history_rows`

// dest returns pointers to the fields, in the order of cycleColumns, for
// Scan (and, as values, for Exec: database/sql reads through the pointers).
func (r *cycleRow) dest() []any {
	return []any{&r.Number, &r.Kind, &r.Status, &r.Started, &r.Finished, &r.SyncUser, &r.RunBy, &r.ToolVersion,
		&r.Mapping, &r.Prefer, &r.Direction, &r.Options, &r.Counts, &r.OutDir, &r.NextLinkID, &r.OpenLinks, &r.PrevHash, &r.Hash, &r.PendingRows, &r.HistoryRows}
}

// conflictRowOf is a conflict as the journal stores it.
func conflictRowOf(c *engine.Conflict) conflictRow {
	return conflictRow{c.Link, c.Field, c.Base, c.CRM, c.Outlook, stamp(c.CRMTime), stamp(c.OutlookTime), string(c.Winner), string(c.Rule), c.Name}
}

type conflictRow struct {
	link                                                                int64
	field, base, crm, outlook, crmTime, outlookTime, winner, rule, name string
}

// linkRow is what a link row's hash covers. A row of the compact form
// (base_sum set, schema 4) is covered whole, base included, and its hash
// is the first 16 raw bytes of the sha256 (a second preimage still takes
// 2^128 tries; a link_writes row is 30 bytes instead of 100); a row of the JSON form is covered through its
// base_sha256, which Verify checks against the base itself, and its hash
// is hex, as its cycle recorded it.
type linkRow struct {
	id                      int64
	crmID, outlookKey       string
	baseSHA                 string // the JSON form's base_sha256
	base, baseSum           []byte // the compact form's base and BaseSum
	opened, written, closed int    // closed 0: open
}

// rowSumSize is the length of a compact row's hash.
const rowSumSize = 16

// matches reports whether the row has the hash its cycle recorded. A
// compact row written before the hash was cut to 16 bytes has all 32.
//
// A compact row that migration 5 converted from the JSON form keeps the
// hex hash its cycle recorded for the JSON row and its base_sha256: its
// JSON is rebuilt from the compact base (the form gives it back byte for
// byte) and checked as the JSON row was. Any other compact row has no
// base_sha256.
func (r *linkRow) matches(c *chain, recorded string) bool {
	switch {
	case !r.compact():
		return r.sum(c) == recorded
	case len(recorded) == 2*sha256.Size:
		var l engine.Link
		if decodeCompactBase(string(r.base), &l) != nil {
			return false
		}
		s := sha256.Sum256(appendLinkBase(nil, &l))
		if hex.EncodeToString(s[:]) != r.baseSHA {
			return false
		}
		old := *r
		old.base, old.baseSum = nil, nil
		return old.sum(c) == recorded
	case r.baseSHA != "":
		return false
	case len(recorded) == sha256.Size:
		r.sum(c)
		c.flush()
		return string(c.h.Sum(nil)) == recorded
	}
	return r.sum(c) == recorded
}

// compact reports whether the row is of the compact form.
func (r *linkRow) compact() bool { return r.baseSum != nil }

// sum returns the row's hash, using c (reset first) to hash it.
func (r *linkRow) sum(c *chain) string {
	c.reset()
	if r.compact() {
		c.tag("link v2")
		c.int(r.id)
		c.str(r.crmID)
		c.str(r.outlookKey)
		c.str(string(r.base))
		c.str(string(r.baseSum))
		c.int(int64(r.opened))
		c.int(int64(r.written))
		c.int(int64(r.closed))
		c.flush()
		c.out = c.h.Sum(c.out[:0])
		return string(c.out[:rowSumSize])
	}
	c.tag("link")
	c.int(r.id)
	c.str(r.crmID)
	c.str(r.outlookKey)
	c.str(r.baseSHA)
	c.int(int64(r.opened))
	c.int(int64(r.written))
	c.int(int64(r.closed))
	return c.sum()
}

// chain hashes a cycle's rows in a fixed order and encoding: every value is
// length-prefixed, so no two different row sets hash alike by shifting
// bytes between fields. Commit and Verify must feed it identically. The
// encoded values are gathered in a buffer and hashed in blocks: a million
// rows are some ten million small values.
type chain struct {
	h   hash.Hash
	buf []byte
	out []byte // a sum's room
}

// chainBlock is how much encoded data the chain gathers before hashing it.
const chainBlock = 64 << 10

func newChain() *chain { return &chain{h: sha256.New(), buf: make([]byte, 0, chainBlock+4096)} }

func (c *chain) str(s string) {
	c.buf = binary.AppendUvarint(c.buf, uint64(len(s)))
	c.buf = append(c.buf, s...)
	if len(c.buf) >= chainBlock {
		c.flush()
	}
}

// int hashes n as its decimal text, as str would.
func (c *chain) int(n int64) {
	var d [24]byte
	t := strconv.AppendInt(d[:0], n, 10)
	c.buf = binary.AppendUvarint(c.buf, uint64(len(t)))
	c.buf = append(c.buf, t...)
	if len(c.buf) >= chainBlock {
		c.flush()
	}
}

// flush hashes what the buffer gathered.
func (c *chain) flush() {
	c.h.Write(c.buf)
	c.buf = c.buf[:0]
}

// reset starts a new hash.
func (c *chain) reset() {
	c.h.Reset()
	c.buf = c.buf[:0]
}

// tag hashes "\x00" + t as str would.
func (c *chain) tag(t string) {
	c.buf = binary.AppendUvarint(c.buf, uint64(len(t)+1))
	c.buf = append(append(c.buf, 0), t...)
}

func (c *chain) sum() string {
	c.flush()
	return hex.EncodeToString(c.h.Sum(nil))
}

func (c *chain) header(r *cycleRow) {
	c.tag("contactsync journal cycle v1")
	c.str(r.PrevHash)
	c.int(int64(r.Number))
	for _, s := range []string{r.Kind, r.Status, r.Started, r.Finished, r.SyncUser, r.RunBy, r.ToolVersion,
		r.Mapping, r.Prefer, r.Direction, r.Options, r.Counts, r.OutDir} {
		c.str(s)
	}
	c.int(r.NextLinkID)
	c.int(r.OpenLinks)
}

func (c *chain) file(seq int, f FileHash) {
	c.tag("file")
	c.int(int64(seq))
	c.str(f.Role)
	c.str(f.Path)
	c.str(f.SHA256)
	c.int(f.Size)
}

// change hashes a change; side is its side as stored (x.Side is not read),
// so that verify hashes what the row holds, also a side no Side parses.
func (c *chain) change(seq int, side string, x *engine.Change) {
	c.tag("change")
	c.int(int64(seq))
	c.int(x.Link)
	for _, s := range []string{side, string(x.Op), x.Field, x.Old, x.New, string(x.Rule), x.Name} {
		c.str(s)
	}
}

func (c *chain) conflict(seq int, r *conflictRow) {
	c.tag("conflict")
	c.int(int64(seq))
	c.int(r.link)
	for _, s := range []string{r.field, r.base, r.crm, r.outlook, r.crmTime, r.outlookTime, r.winner, r.rule, r.name} {
		c.str(s)
	}
}

func (c *chain) notice(seq int, kind string, link int64, msg string) {
	c.tag("notice")
	c.int(int64(seq))
	c.str(kind)
	c.int(link)
	c.str(msg)
}

// pending hashes the cycle's pending rows; a cycle of schema 1 (count
// NULL) has none and hashes nothing, so its hash stays what it was.
func (c *chain) pending(count sql.NullInt64, rows []pendingRow) {
	if !count.Valid {
		return
	}
	c.tag("pending")
	c.int(count.Int64)
	for _, p := range rows {
		c.int(p.link)
		c.str(p.doc)
	}
}

// historyRow is one link row version a cycle replaced (link_history).
type historyRow struct {
	link              int64
	crmID, outlookKey string
	base              string
	written           int
}

// history hashes the cycle's link_history rows (in link order); a cycle
// of schema 1 or 2 (count NULL) has none and hashes nothing.
func (c *chain) history(count sql.NullInt64, rows []historyRow) {
	if !count.Valid {
		return
	}
	c.tag("history")
	c.int(count.Int64)
	for _, h := range rows {
		c.int(h.link)
		c.str(h.crmID)
		c.str(h.outlookKey)
		c.str(h.base)
		c.int(int64(h.written))
	}
}

func (c *chain) linkWrites(ws []linkWrite) {
	c.tag("links")
	for _, w := range ws {
		c.int(w.link)
		c.str(w.sum)
	}
}
