package crmcsv

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"contactsync/engine/contact"
)

// Prefixes of the ids Apply makes up. Real ids are minted by the CRM
// (entry prefix, site code, counter); "SIM" stands in for a site code no
// real database uses, so simulated records are easy to tell apart.
const (
	simContactPrefix = "CSIM"
	simAccountPrefix = "ASIM"
)

// Apply returns the dump the CRM would export after importing ch, without
// changing d:
//   - new accounts are appended with fresh ACCOUNTIDs;
//   - update rows replace the mapped fields of the contact with their
//     CONTACTID and set MODIFYDATE to now (a CONTACTID not in the dump is
//     an error);
//   - new contacts are appended with fresh CONTACTIDs, CREATEDATE and
//     MODIFYDATE now, and only what contacts-new.csv carries (the mapped
//     fields, ACCOUNT, ACCOUNTID, SECCODEID, ACCOUNTMANAGERID, TYPE,
//     STATUS); one without ACCOUNTID gets the first account (dump order,
//     then new ones) whose ACCOUNT equals its company, and it is an error
//     when there is none. They join the sync group, as the Import
//     Wizard's ad hoc group option does: the cycle cannot list them in
//     syncgroup-add.csv, having no CONTACTID for them yet;
//   - GroupRemove then GroupAdd change the sync group (without a
//     syncgroup.csv in the dump none is created).
//
// Fresh ids are "CSIM" / "ASIM" and an 8-digit counter that continues
// after the highest such id in the dump, so they are deterministic and
// never collide. now is taken in UTC to the second, as MODIFYDATE stores
// it. Every other column and row is kept unchanged.
func Apply(d *Dump, ch *Changes, now time.Time) (*Dump, error) {
	now = now.UTC().Truncate(time.Second)
	out := d.clone()
	cl := newLayout(out.contactHeader(), contactKind, nop)
	al := newLayout(out.accountHeader(), accountKind, nop)
	stamp := formatDate(now, out.dateLayout)

	accountIDs := make([]string, len(out.Accounts))
	for i, a := range out.Accounts {
		accountIDs[i] = a.ID
	}
	nextAccount := newIDGen(simAccountPrefix, accountIDs)
	for _, a := range ch.NewAccounts {
		na := contact.Account{
			ID: nextAccount(), Name: a.Name, Type: a.Type, Status: a.Status,
			Owner: a.Owner, AccountManagerID: a.AccountManagerID,
		}
		na.Extra = stampExtras(al, stamp, colCreateDate, colModifyDate)
		out.Accounts = append(out.Accounts, na)
	}
	accountByName := map[string]string{}
	for _, a := range out.Accounts {
		if _, ok := accountByName[a.Name]; !ok {
			accountByName[a.Name] = a.ID
		}
	}

	index := make(map[string]int, len(out.Contacts))
	contactIDs := make([]string, len(out.Contacts))
	for i, c := range out.Contacts {
		index[c.Key] = i
		contactIDs[i] = c.Key
	}
	for _, u := range ch.Updates {
		i, ok := index[u.Key]
		if !ok {
			return nil, fmt.Errorf("update of CONTACTID %q (%s): no such contact in the dump", u.Key, u.DisplayName())
		}
		c := &out.Contacts[i]
		for _, f := range ch.Fields {
			c.Values[f] = u.Values[f]
		}
		c.Modified, c.ModifiedFrom = now, colModifyDate
	}

	nextContact := newIDGen(simContactPrefix, contactIDs)
	for _, n := range ch.New {
		c := contact.Contact{
			Key:          nextContact(),
			Modified:     now,
			ModifiedFrom: colModifyDate,
			CRM:          n.CRM,
		}
		for _, f := range ch.Fields {
			c.Values[f] = n.Values[f]
		}
		c.Values[contact.Company] = n.Values[contact.Company]
		if c.CRM.AccountID == "" {
			id, ok := accountByName[c.Values[contact.Company]]
			if !ok {
				return nil, fmt.Errorf("new contact %q: no account named %q in the dump or among the new accounts", n.DisplayName(), c.Values[contact.Company])
			}
			c.CRM.AccountID = id
		}
		c.Extra = stampExtras(cl, stamp, colCreateDate)
		out.Contacts = append(out.Contacts, c)
		if out.HasSyncGroup {
			out.SyncGroup = append(out.SyncGroup, c.Key)
		}
	}

	if out.HasSyncGroup {
		remove := map[string]bool{}
		for _, id := range ch.GroupRemove {
			remove[id] = true
		}
		members := out.SyncGroup[:0:0]
		in := map[string]bool{}
		for _, id := range out.SyncGroup {
			if !remove[id] {
				members = append(members, id)
				in[id] = true
			}
		}
		for _, id := range ch.GroupAdd {
			if !in[id] {
				members = append(members, id)
				in[id] = true
			}
		}
		out.SyncGroup = members
	}
	return out, nil
}

// stampExtras returns the extras of a new row: one per unmapped column of
// the table, as reading the row back gives them, with the named date
// columns set to stamp and the others empty.
func stampExtras(l *layout, stamp string, names ...string) []contact.Extra {
	var ex []contact.Extra
	for i, col := range l.cols {
		if col.kind != kindExtra {
			continue
		}
		e := contact.Extra{Name: col.name, Format: contact.FormatCRM}
		if n := norm(col.name); slices.Contains(names, n) && l.first[n] == i {
			e.Value = stamp
		}
		ex = append(ex, e)
	}
	return ex
}

// newIDGen returns a generator of 12-character ids prefix+counter that
// starts after the highest such id in existing and skips any taken one.
func newIDGen(prefix string, existing []string) func() string {
	width := 12 - len(prefix)
	used := make(map[string]bool, len(existing))
	n := 0
	for _, id := range existing {
		used[id] = true
		if len(id) == 12 && strings.HasPrefix(id, prefix) {
			if k, err := strconv.Atoi(id[len(prefix):]); err == nil && k > n {
				n = k
			}
		}
	}
	return func() string {
		for {
			n++
			id := fmt.Sprintf("%s%0*d", prefix, width, n)
			if !used[id] {
				used[id] = true
				return id
			}
		}
	}
}

// clone copies d deeply enough that changing the copy's contacts,
// accounts and sync group leaves d as it was. The raw cells are shared:
// nothing changes them.
func (d *Dump) clone() *Dump {
	out := *d
	out.Contacts = make([]contact.Contact, len(d.Contacts))
	for i := range d.Contacts {
		out.Contacts[i] = d.Contacts[i].Clone()
	}
	out.Accounts = make([]contact.Account, len(d.Accounts))
	for i, a := range d.Accounts {
		a.Extra = append([]contact.Extra(nil), a.Extra...)
		out.Accounts[i] = a
	}
	if d.SyncGroup != nil {
		out.SyncGroup = append([]string{}, d.SyncGroup...)
	}
	return &out
}
