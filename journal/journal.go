// Package journal is contactsync's memory and its audit trail: one SQLite
// file that holds every committed cycle, everything each cycle decided, and
// the links with the base the engine reconciles against. It is the only
// package that speaks SQL. It renders nothing: audits read it through
// Reader (query.go) and package journal/audit turns that into the log,
// show, history, diff, export and report page.
//
// The model:
//
//   - A cycle is committed in one transaction (Commit) after its outputs are
//     written: a cycles row, the files it read and wrote with their sha256,
//     every change, conflict and notice of the plan, and the link rows that
//     changed. A failed cycle writes nothing, so there is no "failed" status.
//   - A link is one row, not one row per field: its base (the mapped values,
//     the account made from the contact's name, the detached side) in a
//     compact binary form (compact.go; rows written before schema 4 hold a
//     JSON document and its sha256), and base_sum, the engine's BaseSum of
//     the values. At a million links a row per field would be tens of
//     millions of rows; this way a cycle writes rows only for the links it
//     changed, and the pending imports of the links have rows of their own.
//     Load gives the links without their bases and reads a base only when
//     the engine asks (engine.Bases). Closed links keep their last row,
//     marked with the cycle that closed them. What Load reads of the open
//     links is also kept in link pages (pages.go, schema 9), derived from
//     the rows: Load reads the pages and the rows written since them.
//   - The hash chain: each cycle stores a sha256 over its own rows (header,
//     files, changes, conflicts, notices, and the hash of every link row it
//     wrote, kept in link_writes: 16 raw bytes for a compact row, which it
//     covers whole) and the previous cycle's hash. Verify
//     recomputes it, and checks every current link row against the hash its
//     last cycle recorded, so an edit made with plain SQL afterwards is found.
//     Without a secret key the chain detects edits, not a forger who
//     recomputes every hash.
//   - Commit trusts the plan only as far as it can check it: the plan must be
//     for the cycle after the journal's last, links with ids from the last
//     cycle's next link id on are inserted and all others must already be
//     open, and the open links after the cycle must number len(plan.Links).
//     A plan made from another state is refused instead of silently dropping
//     or duplicating links.
//   - A lock file "<journal>.lock" (pid, host, start time) keeps a second run
//     out for the life of a writable Journal. A stale lock is explained, not
//     broken, unless Options.BreakStale says so.
//
// Surprising choices: times are stored as RFC 3339 text with the offset of
// the run, because auditors read them; values in a base are written byte
// for byte (bytes that are not UTF-8 are kept as they are, not replaced),
// in the compact form or, in older rows, as JSON strings decoded by a small
// reader of our own (encoding/json was several times too slow).
package journal

import (
	"cmp"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	_ "github.com/mattn/go-sqlite3" // the SQLite driver, registered as "sqlite3"
)

// Options controls Open.
type Options struct {
	// Now is the clock used for finish times and the lock; nil means time.Now.
	Now func() time.Time
	// BreakStale lets Open remove a lock whose process no longer runs on
	// this host. Without it a stale lock is an error that explains itself.
	BreakStale bool
	// ReadOnly opens an existing journal for log, show, history and verify:
	// no lock, no migrations, no writes.
	ReadOnly bool
}

// Journal is an open journal file.
type Journal struct {
	db   *sql.DB
	path string
	now  func() time.Time
	lock *lockFile // nil when read-only
	ro   bool
	// loaded is what the last Load read, for the next Commit; nil when
	// unknown.
	loaded *loadedState
	// checked is the last CheckNew, for the next Commit to record; nil
	// when none.
	checked *CheckRecord
	// notices are what Open did that the user should hear of.
	notices []string
	// rollback: the journal is in SQLite's rollback journal mode, as a
	// writable journal is unless another process holds it in WAL mode
	// (setJournalMode).
	rollback bool
	// dbFile is the database file as settle opened it, or nil; Close
	// closes it after SQLite's connections.
	dbFile *os.File
}

// Notices returns what Open did that the user should hear of, such as
// permissions it tightened.
func (j *Journal) Notices() []string { return j.notices }

// makePrivate gives a new journal mode 0600, and takes the group's and
// others' bits from an existing journal and its -wal and -shm files, with a
// notice: the journal holds personal data.
func (j *Journal) makePrivate(created bool) error {
	if created {
		return os.Chmod(j.path, 0o600)
	}
	for _, p := range []string{j.path, j.path + "-wal", j.path + "-shm"} {
		st, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if perm := st.Mode().Perm(); perm&0o077 != 0 {
			if err := os.Chmod(p, perm&^0o077); err != nil {
				return err
			}
			j.notices = append(j.notices, fmt.Sprintf("%s was readable by others (mode %04o); made private (%04o): the journal holds personal data", p, perm, perm&^0o077))
		}
	}
	return nil
}

//go:embed migrations/*.sql
var migrationFS embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations in version order. Their file
// names are "NNNN_what.sql", numbered from 1 without gaps.
func migrations() ([]migration, error) {
	ents, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range ents {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("migration file %q is not named NNNN_what.sql", e.Name())
		}
		b, err := migrationFS.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{v, e.Name(), string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return cmp.Compare(a.version, b.version) })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %q: want version %d", m.name, i+1)
		}
	}
	return ms, nil
}

// SchemaVersion is the schema version this build writes.
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil {
		return 0
	}
	return len(ms)
}

// Open opens the journal at path, creating it (mode 0600) when it is missing
// and not read-only, takes the lock, and brings the schema up to date.
func Open(path string, opt Options) (*Journal, error) {
	if path == "" {
		return nil, errors.New("open journal: no path given")
	}
	j := &Journal{path: path, now: opt.Now, ro: opt.ReadOnly}
	if j.now == nil {
		j.now = time.Now
	}
	if opt.ReadOnly {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("open journal %q: %w", path, err)
		}
	} else {
		_, statErr := os.Stat(path)
		lk, err := acquireLock(path, j.now(), opt.BreakStale)
		if err != nil {
			return nil, err
		}
		j.lock = lk
		removeSpools(path)
		// The lock created the file; it gets mode 0600 whatever the umask,
		// and SQLite gives its -wal and -shm files the same mode.
		if err := j.makePrivate(errors.Is(statErr, fs.ErrNotExist)); err != nil {
			lk.release()
			return nil, fmt.Errorf("open journal %q: %w", path, err)
		}
	}
	db, err := sql.Open("sqlite3", dsn(path, opt.ReadOnly))
	if err == nil && opt.ReadOnly {
		// A SQLite connection opened read-only cannot remove the -wal and
		// -shm files it makes beside the journal when it closes; one that
		// may write (but, query_only, never does) removes them as the
		// last connection, as a sync does. Without write access to the
		// file or its folder, a read-only connection it is.
		db.SetMaxOpenConns(1)
		j.db = db
		// A journal another connection holds would hold the read-only
		// connection too, after as long a wait.
		if err = j.migrate(); err != nil && !IsBusy(err) {
			db.Close()
			db, err = sql.Open("sqlite3", strings.Replace(dsn(path, true), "mode=rw", "mode=ro", 1))
		}
	}
	if err == nil {
		// One connection: SQLite writes one at a time anyway, and pragmas
		// and transactions stay on the connection that set them.
		db.SetMaxOpenConns(1)
		j.db = db
		err = j.migrate()
		if err == nil && !opt.ReadOnly {
			err = j.setJournalMode()
		}
		if err == nil && !opt.ReadOnly {
			// A second one, for the chain check a cycle makes while the
			// engine reads bases (readers do not wait for each other).
			// Only Commit writes, so they never contend for writing.
			db.SetMaxOpenConns(2)
		}
	}
	if err != nil {
		if db != nil {
			db.Close()
		}
		if j.lock != nil {
			j.lock.release()
		}
		return nil, fmt.Errorf("open journal %q: %w", path, err)
	}
	return j, nil
}

// busyTimeout is how long a connection waits for another that holds the
// journal (a staging waits longer, stagingBusy).
const busyTimeout = 10 * time.Second

// dsn builds a SQLite URI for path. Characters that URIs reserve are
// escaped so that any file name works.
func dsn(path string, ro bool) string {
	p := path
	if abs, err := filepath.Abs(path); err == nil {
		p = abs
	}
	p = filepath.ToSlash(p)
	if runtime.GOOS == "windows" && !strings.HasPrefix(p, "/") {
		p = "/" + p // file:///C:/dir/journal.db
	}
	u := url.URL{Path: p}
	q := url.Values{}
	q.Set("_foreign_keys", "on")
	q.Set("_busy_timeout", strconv.Itoa(int(busyTimeout.Milliseconds())))
	if ro {
		// Replaced by mode=ro when the file may not be written (see Open).
		q.Set("mode", "rw")
		q.Set("_query_only", "true")
	} else {
		q.Set("mode", "rwc")
		// The journal mode is the file's (setJournalMode).
		// FULL: a cycle committed is a cycle kept, even after a power cut;
		// it costs one fsync per cycle.
		q.Set("_synchronous", "FULL")
		q.Set("_txlock", "immediate")
		// 8 MiB of page cache: a cycle's commit writes tens of megabytes
		// of new pages, which a larger cache holds in memory until the
		// transaction commits; with this one SQLite spills them to the
		// database file (the WAL in WAL mode) as the commit is staged
		// (beside the outputs), and the cycle's peak memory stays lower.
		q.Set("_cache_size", "-8192")
	}
	return "file://" + u.EscapedPath() + "?" + q.Encode()
}

// migrate applies the embedded migrations the file lacks, in order, in one
// transaction. A read-only journal must already be current.
func (j *Journal) migrate() error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	var have int
	var tables int
	if err := j.db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).Scan(&tables); err != nil {
		return notJournal(err)
	}
	var hasMig int
	if err := j.db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&hasMig); err != nil {
		return notJournal(err)
	}
	if hasMig == 1 {
		if err := j.db.QueryRow(`SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
			return err
		}
	} else if tables > 0 {
		return errors.New("the file is a SQLite database but not a contactsync journal (it has no schema_migrations table)")
	}
	if have > len(ms) {
		return fmt.Errorf("the journal has schema version %d, newer than this contactsync knows (%d); use a newer contactsync", have, len(ms))
	}
	if have == len(ms) {
		return nil
	}
	if j.ro {
		return fmt.Errorf("the journal has schema version %d and this contactsync needs %d; open it once for writing (a sync) to upgrade it", have, len(ms))
	}
	tx, err := j.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TEXT NOT NULL)`); err != nil {
		return err
	}
	for _, m := range ms[have:] {
		if _, err := tx.Exec(m.sql); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if fn := goMigrations[m.version]; fn != nil {
			if err := fn(tx); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
		}
		if _, err := tx.Exec(`INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)`,
			m.version, m.name, stamp(j.now())); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return tx.Commit()
}

// setJournalMode puts a writable journal in SQLite's rollback journal
// mode (DELETE), also one an older contactsync left in WAL mode.
//
// Both modes write a page a cycle changes twice, and a crash rolls back
// from either, but not at the same moment. In WAL mode the page goes into
// the -wal file while the cycle is staged and into the database when the
// WAL is checkpointed, after the commit: at a million links a second
// cycle's commit waited a second for the checkpoint (copying some 100 MB
// of pages and syncing the database), which nothing can overlap. In
// rollback mode the page's old content goes into the -journal file and
// the page into the database file as the cycle is staged (SQLite writes
// the pages its cache cannot hold, which the staging syncs beside the
// output writers, see settle), and pages that extend the file are not
// kept in the -journal file at all (a first cycle's are almost all): the
// commit writes what the cache still holds, syncs, and deletes the
// -journal file (synchronous EXTRA syncs the folder after that, see
// stagingConn). The price: from when the staging first writes into the
// database until its commit, a reader (journal log) waits for the sync,
// and gives up after 10 s saying so (IsBusy).
//
// A journal another process has open in WAL mode stays in it: the answer
// is the mode the file is in, which works either way.
func (j *Journal) setJournalMode() error {
	var got string
	err := j.db.QueryRow(`PRAGMA journal_mode = DELETE`).Scan(&got)
	if IsBusy(err) {
		// Leaving WAL mode takes the file whole; SQLite refuses at once
		// while another connection reads it.
		err = j.db.QueryRow(`PRAGMA journal_mode`).Scan(&got)
	}
	if err != nil {
		return err
	}
	j.rollback = !strings.EqualFold(got, "wal")
	return nil
}

// goMigrations are the steps of a migration that SQL cannot do, run after
// its SQL in the same transaction.
var goMigrations = map[int]func(*sql.Tx) error{5: compactRows}

func notJournal(err error) error {
	if IsBusy(err) {
		// A journal another connection holds is no less a journal.
		return fmt.Errorf("the journal is held by another connection: %w", err)
	}
	return fmt.Errorf("not a readable SQLite journal: %w", err)
}

// Close closes the database and releases the lock.
func (j *Journal) Close() error {
	err := j.db.Close()
	if j.dbFile != nil {
		if ferr := j.dbFile.Close(); err == nil {
			err = ferr
		}
		j.dbFile = nil
	}
	if j.lock != nil {
		if lerr := j.lock.release(); err == nil {
			err = lerr
		}
		j.lock = nil
	}
	if err != nil {
		return fmt.Errorf("close journal %q: %w", j.path, err)
	}
	return nil
}

// Path returns the file name the journal was opened with.
func (j *Journal) Path() string { return j.path }

// stamp formats a time as the journal stores it: RFC 3339 with nanoseconds
// and the offset; "" for the zero time.
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

func parseStamp(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339Nano, s)
}
