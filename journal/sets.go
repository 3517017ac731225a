package journal

import (
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
)

// Sets (schema 6): a cycle's changes, link writes and pending work are
// stored as sets, not as one table row each. A set is split in parts of
// about partSize bytes; each part is one row of the sets table:
//
//	0x01                          the form
//	uvarint rows                  the rows the part holds
//	uvarint words, words × (uvarint len, bytes)
//	rows × the row's values
//
// A row's values are written in a fixed order per kind (see insertChanges,
// the link writes and pending work in commit.go): an integer as a varint,
// a word (a side, an operation, a rule, a field name: the few values that
// repeat) as its uvarint index among the part's words, a text as uvarint
// length and bytes, and a name as 0 when it is the previous row's name
// (the changes of one contact come together), else length+1 and bytes.
// Values are kept byte for byte. The parts of a set are read in order;
// each starts afresh (its own words, no previous name).
//
// One blob per megabyte instead of a row per value is what makes a commit
// of a million changes take a fraction of a second: SQLite binds, steps and
// indexes per row, and a blob costs a copy.

const setForm = 0x01

// partSize is the size at which a set starts a new part.
const partSize = 1 << 20

// The kinds of sets.
const (
	setChanges    = "changes"
	setLinkWrites = "link_writes"
	setPending    = "pending"
)

// setWriter writes one set of a cycle: each part through st, or, made
// by newSetEncoder, hands it to emit.
type setWriter struct {
	st    *sql.Stmt
	emit  func(part int, data []byte) error
	fresh func() []byte // a buffer for the next part, after one was emitted
	cycle int
	kind  string
	part  int
	rows  int
	body  []byte
	data  []byte
	dict  map[string]int
	words []string
	prev  string
}

func newSetWriter(tx *sql.Tx, cycle int, kind string) (*setWriter, error) {
	st, err := tx.Prepare(`INSERT INTO sets (kind, cycle, part, data) VALUES (?, ?, ?, ?)`)
	if err != nil {
		return nil, err
	}
	return &setWriter{st: st, cycle: cycle, kind: kind, dict: map[string]int{}}, nil
}

// newSetEncoder returns a setWriter that gives each part it makes to
// emit, which owns the part's bytes from then on; fresh gives the buffer
// the next part is made in (nil: a new one).
func newSetEncoder(kind string, emit func(part int, data []byte) error, fresh func() []byte) *setWriter {
	return &setWriter{emit: emit, fresh: fresh, kind: kind, dict: map[string]int{}}
}

func (w *setWriter) int(v int64) { w.body = binary.AppendVarint(w.body, v) }

func (w *setWriter) word(s string) {
	k, ok := w.dict[s]
	if !ok {
		k = len(w.words)
		w.dict[s] = k
		w.words = append(w.words, s)
	}
	w.body = binary.AppendUvarint(w.body, uint64(k))
}

func (w *setWriter) str(s string) {
	w.body = binary.AppendUvarint(w.body, uint64(len(s)))
	w.body = append(w.body, s...)
}

// name writes s as a name: 0 when it is the previous row's name.
func (w *setWriter) name(s string) {
	if s == w.prev && w.rows > 0 {
		w.body = append(w.body, 0)
		return
	}
	w.prev = s
	w.body = binary.AppendUvarint(w.body, uint64(len(s))+1)
	w.body = append(w.body, s...)
}

// end ends a row; a part that has grown to partSize is written.
func (w *setWriter) end() error {
	w.rows++
	if len(w.body) >= partSize {
		return w.flush()
	}
	return nil
}

// flush writes the rows so far as a part.
func (w *setWriter) flush() error {
	if w.rows == 0 {
		return nil
	}
	w.data = append(w.data[:0], setForm)
	w.data = binary.AppendUvarint(w.data, uint64(w.rows))
	w.data = binary.AppendUvarint(w.data, uint64(len(w.words)))
	for _, s := range w.words {
		w.data = binary.AppendUvarint(w.data, uint64(len(s)))
		w.data = append(w.data, s...)
	}
	w.data = append(w.data, w.body...)
	if w.emit != nil {
		data := w.data
		w.data = w.fresh()
		if err := w.emit(w.part, data); err != nil {
			return err
		}
	} else if _, err := w.st.Exec(w.kind, w.cycle, w.part, w.data); err != nil {
		return fmt.Errorf("%s part %d: %w", w.kind, w.part, err)
	}
	w.part++
	w.rows = 0
	w.body = w.body[:0]
	clear(w.dict)
	w.words = w.words[:0]
	w.prev = ""
	return nil
}

// close writes what is left and releases the statement.
func (w *setWriter) close() error {
	err := w.flush()
	if w.st != nil {
		w.st.Close()
	}
	return err
}

// errSet says a part of a set does not decode: the journal was edited.
var errSet = errors.New("unreadable set")

// setReader reads one part of a set.
type setReader struct {
	compactReader
	words []string
	rows  int
	prev  string
	row   int
}

func (r *setReader) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: at byte %d: %s", errSet, r.i, fmt.Sprintf(format, args...))
}

// open reads the part's header.
func (r *setReader) open(data string) error {
	*r = setReader{compactReader: compactReader{s: data}}
	if c, err := r.byte(); err != nil || c != setForm {
		return r.errorf("not a set")
	}
	var err error
	if r.rows, err = r.uvarint(); err != nil {
		return r.errorf("%v", err)
	}
	n, err := r.uvarint()
	if err != nil {
		return r.errorf("%v", err)
	}
	r.words = make([]string, n)
	for i := range r.words {
		if r.words[i], err = r.compactReader.str(); err != nil {
			return r.errorf("%v", err)
		}
	}
	return nil
}

func (r *setReader) int() (int64, error) {
	var x uint64
	var s uint
	for k := 0; k < binary.MaxVarintLen64; k++ {
		if r.i >= len(r.s) {
			return 0, r.errorf("ends early")
		}
		c := r.s[r.i]
		r.i++
		if c < 0x80 {
			x |= uint64(c) << s
			v := int64(x >> 1)
			if x&1 != 0 {
				v = ^v
			}
			return v, nil
		}
		x |= uint64(c&0x7f) << s
		s += 7
	}
	return 0, r.errorf("bad integer")
}

func (r *setReader) word() (string, error) {
	k, err := r.uvarint()
	if err != nil || k >= len(r.words) {
		return "", r.errorf("bad word")
	}
	return r.words[k], nil
}

func (r *setReader) str() (string, error) {
	s, err := r.compactReader.str()
	if err != nil {
		return "", r.errorf("%v", err)
	}
	return s, nil
}

func (r *setReader) name() (string, error) {
	n, err := r.uvarint()
	if err != nil {
		return "", r.errorf("%v", err)
	}
	if n == 0 {
		if r.row == 0 {
			return "", r.errorf("a repeated name in the first row")
		}
		return r.prev, nil
	}
	n--
	if n > len(r.s)-r.i {
		return "", r.errorf("name past the end")
	}
	r.prev = r.s[r.i : r.i+n]
	r.i += n
	return r.prev, nil
}

// eachSet calls fn for every row of cycle n's set of kind, in order; fn
// reads the row's values from r.
func eachSet(q querier, kind string, n int, fn func(r *setReader) error) error {
	return eachSetOf(q, kind, n, n, func(_ int, r *setReader) error { return fn(r) })
}

// querier is a *sql.Tx or *sql.DB.
type querier interface {
	Query(string, ...any) (*sql.Rows, error)
	QueryRow(string, ...any) *sql.Row
}

// eachSetOf calls fn for every row of the sets of kind of cycles from..to
// (to 0: no bound), in cycle and row order.
func eachSetOf(q querier, kind string, from, to int, fn func(cycle int, r *setReader) error) error {
	if to == 0 {
		to = int(^uint32(0) >> 1)
	}
	rows, err := q.Query(`SELECT cycle, part, data FROM sets WHERE kind = ? AND cycle >= ? AND cycle <= ? ORDER BY cycle, part`, kind, from, to)
	if err != nil {
		return err
	}
	defer rows.Close()
	var r setReader
	var data sql.RawBytes
	last, want := -1, 0
	for rows.Next() {
		var cycle, part int
		if err := rows.Scan(&cycle, &part, &data); err != nil {
			return err
		}
		if cycle != last {
			last, want = cycle, 0
		}
		if part != want {
			return fmt.Errorf("cycle %d: %s: %w: part %d where part %d belongs", cycle, kind, errSet, part, want)
		}
		want++
		if err := r.open(string(data)); err != nil {
			return fmt.Errorf("cycle %d: %s part %d: %w", cycle, kind, part, err)
		}
		for r.row = 0; r.row < r.rows; r.row++ {
			if err := fn(cycle, &r); err != nil {
				if errors.Is(err, errSet) {
					return fmt.Errorf("cycle %d: %s part %d row %d: %w", cycle, kind, part, r.row, err)
				}
				return err
			}
		}
		if r.i != len(r.s) {
			return fmt.Errorf("cycle %d: %s part %d: %w: bytes after its %d rows", cycle, kind, part, errSet, r.rows)
		}
	}
	return rows.Err()
}
