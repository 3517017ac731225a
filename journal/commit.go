package journal

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"contactsync/engine"
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
	conn     *sql.Conn // the connection of tx, its foreign keys not enforced
	tx       *sql.Tx
	plan     *engine.Plan
	info     CycleInfo
	prevHash string
	open     int64 // the links open after the cycle
	// The cycle's pending and link_history rows, counted for its row.
	pendingRows, historyRows int
	// tail is the chain's encoding of every row after the cycle's header
	// and files (see spool), which Commit hashes after them.
	tail *spool
	done bool
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
		release(s.conn)
		s.tail.close()
	}
}

// stagingConn returns a connection of its own for a cycle's transaction,
// with foreign keys not enforced. Every row a cycle writes references the
// cycle's own row, which stage inserts first, in the same transaction; a
// check per row (two seeks in cycles for each link row, opened and
// written) was a quarter of the staging's CPU at a million links. Verify
// still finds rows whose cycle is missing (verifyOrphans), and the tests
// check foreign_key_check after commits. release gives it back with
// foreign keys enforced again.
//
// It waits up to stagingBusy for readers: in rollback mode the staging
// takes the file's exclusive lock when SQLite first writes pages into it,
// and the commit needs it too, which a reader (journal export, report)
// holds off until it is done. A reader that comes after waits for the
// commit (IsBusy).
func (j *Journal) stagingConn(ctx context.Context) (*sql.Conn, error) {
	conn, err := j.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	// A no-op inside a transaction; the connection has none.
	pragmas := `PRAGMA foreign_keys = OFF; PRAGMA busy_timeout = ` + strconv.Itoa(int(stagingBusy.Milliseconds()))
	if j.rollback {
		// In rollback mode a commit is durable once the -journal file's
		// removal is: EXTRA syncs the folder after it, as FULL syncs the
		// WAL in WAL mode. Without it a power cut just after the commit
		// could bring the -journal file back, and the next open would
		// roll back a cycle whose outputs are in place.
		pragmas += `; PRAGMA synchronous = EXTRA`
	}
	if _, err := conn.ExecContext(ctx, pragmas); err != nil {
		release(conn)
		return nil, err
	}
	return conn, nil
}

// stagingBusy is how long a staging waits for readers of the journal; a
// connection of the pool waits busyTimeout.
const stagingBusy = time.Minute

// release returns a staging connection to the pool with foreign keys
// enforced, synchronous FULL and the pool's busy timeout, or, when that
// fails, closes it (a connection with them off is never reused).
func release(conn *sql.Conn) {
	if _, err := conn.ExecContext(context.Background(), `PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA busy_timeout = `+strconv.Itoa(int(busyTimeout.Milliseconds()))); err != nil {
		conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	conn.Close()
}

func (j *Journal) stage(ctx context.Context, plan *engine.Plan, info CycleInfo) (_ *Staged, err error) {
	conn, err := j.stagingConn(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		release(conn)
		return nil, err
	}
	tail := newSpool(j.path)
	var head chan error      // the tail's head being encoded, until it is done
	var hashed chan struct{} // the tail's rest being encoded, until it is done
	defer func() {
		if err != nil {
			tx.Rollback()
			release(conn)
			if head != nil {
				<-head // it writes into tail
			}
			if hashed != nil {
				<-hashed // so does it
			}
			tail.close()
		}
	}()
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
	s := &Staged{j: j, ctx: ctx, conn: conn, tx: tx, plan: plan, info: info, prevHash: prevHash, open: open, tail: tail}
	// The rows reference the cycle's row. It goes in first, as a
	// placeholder that Commit fills in with the hash over every row: a
	// row that referenced a cycle not yet there would be a deferred
	// foreign key violation, and inserting the cycle at the end would make
	// SQLite scan every table that references cycles to clear them (the
	// link table three times, by opened, written and closed, none of them
	// indexed). The transaction still holds all of the cycle or nothing.
	if _, err := tx.Exec(`INSERT INTO cycles (`+cycleColumns+`)
		VALUES (?, '', '', '', '', '', '', '', '', '', '', '', '', '', 0, 0, '', '', NULL, NULL)`, n); err != nil {
		return nil, err
	}
	settling := j.startSettling()
	defer func() {
		if err != nil {
			settling.abort()
		}
	}()
	// The chain's tail, in its order: its head (the changes, conflicts
	// and notices, which the plan has) beside the rows being written, a
	// core each (the staging is what the outputs' phase waits for last),
	// the rest once the rows are written.
	ch := newChain()
	ch.to = tail
	head = make(chan error, 1)
	cp := newChangeParts()
	defer func() {
		if err != nil {
			close(cp.stop) // before the deferred wait for head
		}
	}()
	go func() { head <- encodeHead(ch, plan, cp) }()
	if err := cp.insert(tx, n); err != nil {
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
	// The staging's end is the last of a first cycle's outputs phase (a
	// million links: the link rows are written after the outputs), and
	// its steps are spread over the cores: the pending work is made from
	// the plan while the link rows are written, and the chain's tail
	// after the head (the link writes, the pending work, the history:
	// hashing and spooling) is encoded while SQLite writes the pages and
	// the pending rows.
	pendingC := make(chan []pendingRow, 1)
	go func() { pendingC <- pendingOf(plan) }()
	writes, history, err := j.writeLinks(conn, tx, n, firstNew, plan, loaded, info.Reopen)
	pending := <-pendingC
	if err != nil {
		return nil, err
	}
	s.pendingRows, s.historyRows = len(pending), len(history)
	herr := <-head
	head = nil
	if herr != nil {
		return nil, fmt.Errorf("the cycle's hash: %w", herr)
	}
	hashed = make(chan struct{})
	go func() {
		defer close(hashed)
		ch.linkWrites(writes)
		ch.pending(sql.NullInt64{Int64: int64(len(pending)), Valid: true}, pending)
		ch.history(sql.NullInt64{Int64: int64(len(history)), Valid: true}, history)
		ch.flush()
	}()
	// The link pages: kept while what was written since their cycle is
	// small, else made anew from the plan's open links.
	if loaded == nil || len(info.Reopen) > 0 || !loaded.pages.keep(n, len(writes), open) {
		if err := writePages(tx, n, plan.Links); err != nil {
			return nil, fmt.Errorf("link pages: %w", err)
		}
	}
	if err := insertPending(tx, n, pending); err != nil {
		return nil, err
	}
	<-hashed
	hashed = nil
	if tail.err != nil {
		return nil, fmt.Errorf("the cycle's hash: %w", tail.err)
	}
	if err := settling.finish(); err != nil {
		return nil, fmt.Errorf("sync the staged rows: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

// encodeHead encodes the changes, conflicts and notices of plan into ch,
// as the chain hashes them, and the changes into the parts of their set
// (cp: the staging inserts them as they come; nil: none), and returns the
// error of ch's spool or of the parts. Each change is read from the plan
// once for both.
func encodeHead(ch *chain, plan *engine.Plan, cp *changeParts) error {
	var w *setWriter
	if cp != nil {
		w = cp.writer()
	}
	err := encodeChanges(ch, plan, w)
	if cp != nil {
		cp.done()
	}
	if err != nil {
		return err
	}
	for i := range plan.Conflicts {
		r := conflictRowOf(&plan.Conflicts[i])
		ch.conflict(i+1, &r)
	}
	for i, x := range plan.Notices {
		ch.notice(i+1, string(x.Kind), x.Link, x.Message)
	}
	ch.flush()
	if sp, ok := ch.to.(*spool); ok {
		return sp.err
	}
	return nil
}

// encodeChanges encodes the plan's changes into ch and, unless nil, w.
func encodeChanges(ch *chain, plan *engine.Plan, w *setWriter) error {
	var text []byte // a creation's text (engine.Plan.ChangeWithNew)
	for i := range plan.Changes {
		var c engine.Change
		c, text = plan.ChangeWithNew(i, text)
		side := c.Side.String() // the side's text, as the journal stores it
		ch.change(i+1, side, &c)
		if w == nil {
			continue
		}
		putChange(w, side, &c)
		if err := w.end(); err != nil {
			return fmt.Errorf("changes: %w", err)
		}
	}
	if w != nil {
		if err := w.close(); err != nil {
			return fmt.Errorf("changes: %w", err)
		}
	}
	return nil
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
	release(s.conn)
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
		PendingRows: sql.NullInt64{Int64: int64(s.pendingRows), Valid: true},
		HistoryRows: sql.NullInt64{Int64: int64(s.historyRows), Valid: true},
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

	// The hash, in the chain's order: the header, the files, and the
	// tail Stage encoded (the changes, conflicts and notices, the link
	// writes, the pending work and the link history).
	ch := newChain()
	ch.header(&h)
	if err := insertFiles(tx, ch, n, info); err != nil {
		return err
	}
	ch.flush()
	if err := s.tail.hashInto(ch.h); err != nil {
		return fmt.Errorf("the cycle's hash: %w", err)
	}
	s.tail.close()
	h.Hash = ch.sum()
	// The placeholder Stage inserted gets the cycle's row; its number, the
	// key the other rows reference, is not set again (SQLite would look
	// for the rows that reference it).
	cols, _ := strings.CutPrefix(cycleColumns, "number, ")
	if res, err := tx.Exec(`UPDATE cycles SET (`+cols+`)
		= (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) WHERE number = `+strconv.Itoa(n), h.dest()[1:]...); err != nil {
		return err
	} else if k, err := res.RowsAffected(); err != nil || k != 1 {
		return fmt.Errorf("the cycle's row is not in the transaction (%d rows, %v)", k, err)
	}
	if err := s.recordChecks(h.Hash, h.Finished); err != nil {
		return err
	}
	if testHookBeforeTxCommit != nil {
		testHookBeforeTxCommit()
	}
	if err := s.ctx.Err(); err != nil {
		return err // rolled back by Abort
	}
	return tx.Commit()
}

// recordChecks records the check made before the cycle (CheckNew), for
// the next one, and, when the chain before the cycle was checked that way
// (or there is no cycle before it), a check through the cycle itself: its
// rows are what hash covers, for this commit hashed them as it wrote them.
// A cycle committed without a check before it records neither, and the
// next cycle's check re-hashes it.
func (s *Staged) recordChecks(hash, finished string) error {
	n, c := s.plan.Cycle, s.j.checked
	before := c != nil && c.Through == n-1 && c.Hash == s.prevHash
	if before {
		if _, err := s.tx.Exec(`INSERT OR REPLACE INTO checks (through, hash, checked, rows_from, at_commit) VALUES (?, ?, ?, ?, 0)`,
			c.Through, c.Hash, stamp(c.Checked), c.From); err != nil {
			return err
		}
	}
	if !before && n != 1 {
		return nil
	}
	_, err := s.tx.Exec(`INSERT OR REPLACE INTO checks (through, hash, checked, rows_from, at_commit) VALUES (?, ?, ?, ?, 1)`,
		n, hash, finished, n)
	return err
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
