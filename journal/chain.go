package journal

// The hash chain: how a cycle's rows are encoded and hashed, the same
// for Commit and Verify.

import (
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"io"
	"strconv"

	"contactsync/engine"
)

// chain hashes a cycle's rows in a fixed order and encoding: every value is
// length-prefixed, so no two different row sets hash alike by shifting
// bytes between fields. Commit and Verify must feed it identically. The
// encoded values are gathered in a buffer and hashed in blocks: a million
// rows are some ten million small values.
type chain struct {
	h   hash.Hash
	buf []byte
	out []byte // a sum's room
	// to, when set, takes the encoded bytes instead of h (a staged
	// cycle's tail, which its commit hashes: see spool).
	to io.Writer
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
	c.buf = appendChainInt(c.buf, n)
	if len(c.buf) >= chainBlock {
		c.flush()
	}
}

// appendChainInt appends n as int encodes it: its decimal text, length
// first.
func appendChainInt(b []byte, n int64) []byte {
	if 0 <= n && n < 10 {
		return append(b, 1, '0'+byte(n))
	}
	var d [24]byte
	t := strconv.AppendInt(d[:0], n, 10)
	b = append(b, byte(len(t))) // at most 20: one byte of uvarint
	return append(b, t...)
}

// appendChainTag appends t as tag encodes it.
func appendChainTag(b []byte, t string) []byte {
	b = binary.AppendUvarint(b, uint64(len(t)+1))
	return append(append(b, 0), t...)
}

// flush hashes what the buffer gathered.
func (c *chain) flush() {
	if c.to != nil {
		c.to.Write(c.buf) // a spool keeps its error
	} else {
		c.h.Write(c.buf)
	}
	c.buf = c.buf[:0]
}

// reset starts a new hash.
func (c *chain) reset() {
	c.h.Reset()
	c.buf = c.buf[:0]
}

// tag hashes "\x00" + t as str would.
func (c *chain) tag(t string) { c.buf = appendChainTag(c.buf, t) }

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
