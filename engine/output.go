package engine

import (
	"cmp"
	"slices"
	"unsafe"

	"contactsync/engine/contact"
)

// The Outlook output as records: what a writer makes of the input's
// records and the plan's patches, one record at a time (Apply), or whole
// for small inputs and tests (Folder, Updates, Deleted).

// Apply makes c, a copy of record i of the Outlook input, the record the
// cycle writes to the sync folder: the mapped fields clean (contact.Clean),
// then its patch's key and fields. It returns the record's patch, nil when
// the cycle changes nothing of it but clean values; a patch with Delete
// says the record leaves the folder (c is then the record cleaned). Apply
// finds the patch by binary search: any order of i is fine.
func (o *OutlookOutput) Apply(i int, c *contact.Contact) *Patch {
	return o.applyPatch(o.patch(i), c)
}

// applyPatch cleans c's mapped fields and applies p (nil: none) to it.
func (o *OutlookOutput) applyPatch(p *Patch, c *contact.Contact) *Patch {
	for _, f := range o.Fields {
		// Most values are clean, and many empty: the record is written only
		// where one changes (a string Clean leaves as it is is the same
		// string), which spares a write barrier while the collector runs.
		if v := c.Values[f]; v != "" {
			if cv := contact.Clean(f, v); len(cv) != len(v) || unsafe.StringData(cv) != unsafe.StringData(v) {
				c.Values[f] = cv
			}
		}
	}
	if p != nil {
		p.apply(c)
	}
	return p
}

// Applier is Apply for records given mostly in input order (an export
// read again): the patch of record i is found by stepping from the last
// one's, not by a search through them all. A record before the last one
// given is found by binary search. An Applier is for one goroutine.
type Applier struct {
	o *OutlookOutput
	k int // the first patch whose record is not before the last one given
}

// Applier returns an Applier of o's patches.
func (o *OutlookOutput) Applier() *Applier { return &Applier{o: o} }

// Apply is OutlookOutput.Apply.
func (a *Applier) Apply(i int, c *contact.Contact) *Patch {
	ps := a.o.Patches
	if a.k > 0 && ps[a.k-1].Record >= i {
		a.k, _ = slices.BinarySearchFunc(ps, i, func(p Patch, i int) int { return cmp.Compare(p.Record, i) })
	}
	for a.k < len(ps) && ps[a.k].Record < i {
		a.k++
	}
	var p *Patch
	if a.k < len(ps) && ps[a.k].Record == i {
		p = &ps[a.k]
	}
	return a.o.applyPatch(p, c)
}

// patch returns the patch of record i, nil when it has none.
func (o *OutlookOutput) patch(i int) *Patch {
	k, ok := slices.BinarySearchFunc(o.Patches, i, func(p Patch, i int) int { return cmp.Compare(p.Record, i) })
	if !ok {
		return nil
	}
	return &o.Patches[k]
}

func (p *Patch) apply(c *contact.Contact) {
	if p.Key != "" {
		c.Key = p.Key
	}
	for _, fv := range p.Set {
		c.Values[fv.Field] = fv.Value
	}
}

// Updated reports whether the patch changes fields of its record.
func (p *Patch) Updated() bool { return len(p.Set) > 0 }

// SortPatches puts the patches in input order, those without a record
// (Record -1) first, as Apply needs them; for a caller that set Record.
func (o *OutlookOutput) SortPatches() {
	slices.SortStableFunc(o.Patches, func(a, b Patch) int { return cmp.Compare(a.Record, b.Record) })
}

// UpdateCount returns the number of records whose fields change.
func (o *OutlookOutput) UpdateCount() int {
	n := 0
	for k := range o.Patches {
		if o.Patches[k].Updated() {
			n++
		}
	}
	return n
}

// DeleteCount returns the number of records moved to Deleted Items.
func (o *OutlookOutput) DeleteCount() int {
	n := 0
	for k := range o.Patches {
		if o.Patches[k].Delete {
			n++
		}
	}
	return n
}

// Folder, Updates and Deleted are FolderOf, UpdatesOf and DeletedOf of the
// Outlook input's records when Reconcile was given them as Contacts (small
// inputs and tests); nil (or only the records created) when it was given
// a table, whose records a cycle streams through Apply instead.
func (o *OutlookOutput) Folder() []contact.Contact  { return o.FolderOf(o.in) }
func (o *OutlookOutput) Updates() []contact.Contact { return o.UpdatesOf(o.in) }
func (o *OutlookOutput) Deleted() []contact.Contact { return o.DeletedOf(o.in) }

// FolderOf returns the sync folder after the cycle made of in, the records
// of the Outlook input: each record through Apply, without the deleted
// ones, then the new contacts. For small inputs and tests: a cycle
// streams the records instead.
func (o *OutlookOutput) FolderOf(in []contact.Contact) []contact.Contact {
	out := make([]contact.Contact, 0, len(in)+o.New.Len())
	for i := range in {
		c := in[i].Clone()
		if p := o.Apply(i, &c); p != nil && p.Delete {
			continue
		}
		out = append(out, c)
	}
	out = append(out, o.Whole...)
	return append(out, o.New.Contacts()...)
}

// UpdatesOf returns the records whose fields change, as written (see
// Apply), in input order; a patch without a record (an undo's that found
// none) gives its Find record patched.
func (o *OutlookOutput) UpdatesOf(in []contact.Contact) []contact.Contact {
	var out []contact.Contact
	for k := range o.Patches {
		p := &o.Patches[k]
		if !p.Updated() {
			continue
		}
		var c contact.Contact
		switch {
		case p.Record >= 0 && p.Record < len(in):
			c = in[p.Record].Clone()
			o.Apply(p.Record, &c)
		case p.Find != nil:
			c = p.Find.Clone()
			p.apply(&c)
		default:
			continue
		}
		out = append(out, c)
	}
	return out
}

// DeletedOf returns the records that move to Deleted Items, as they are in
// the input; a patch without a record gives its Find record.
func (o *OutlookOutput) DeletedOf(in []contact.Contact) []contact.Contact {
	var out []contact.Contact
	for k := range o.Patches {
		p := &o.Patches[k]
		switch {
		case !p.Delete:
		case p.Record >= 0 && p.Record < len(in):
			out = append(out, in[p.Record].Clone())
		case p.Find != nil:
			out = append(out, p.Find.Clone())
		}
	}
	return out
}
