package cycle

import (
	"context"
	"fmt"
	"time"

	"contactsync/engine"
	"contactsync/engine/contact"
	"contactsync/formats/crmcsv"
	"contactsync/journal"
)

// Rebuild starts a lost journal again from the sync keys the Outlook export
// holds (engine.Rebuild): it commits cycle 1 to the new journal o.Journal
// and writes no outputs.
func Rebuild(ctx context.Context, o Options) (*engine.Plan, error) {
	o.ctx = ctx
	defer adviseHugePages()() // as a cycle: see hugepages_linux.go
	if o.Now == nil {
		o.Now = time.Now
	}
	started := o.Now().UTC()
	j, err := journal.Open(o.Journal, journal.Options{Now: o.Now, BreakStale: o.BreakStale})
	if err != nil {
		return nil, err
	}
	defer j.Close()
	for _, m := range j.Notices() {
		o.notify(m)
	}
	state, err := j.Load()
	if err != nil {
		return nil, fmt.Errorf("load journal %q: %w", o.Journal, err)
	}
	if state.Cycle > 0 {
		return nil, usagef("journal %q already holds %d cycles: rebuild starts a new journal; name a new file", o.Journal, state.Cycle)
	}
	dump, ct, ol, err := rebuildSides(&o)
	if err != nil {
		return nil, err
	}
	o.Policy.Fields, _ = fieldsInDump(fieldsOf(o.Policy), dump.ContactHeader)
	plan, err := engine.Rebuild(
		engine.CRMInput{Table: ct, Accounts: dump.Accounts, SyncGroup: dump.SyncGroup, HasSyncGroup: dump.HasSyncGroup, Visible: dump.VisibleTo(o.Policy.User)},
		engine.OutlookInput{Table: ol.table, Contacts: ol.Contacts, Deleted: ol.Deleted}, o.Policy)
	if err != nil {
		return nil, err
	}
	var inputs []journal.FileHash
	for _, in := range dump.Inputs {
		inputs = append(inputs, journal.FileHash{Role: "crm-input", Path: in.Path, SHA256: in.SHA256, Size: in.Size})
	}
	for _, in := range ol.Inputs {
		inputs = append(inputs, journal.FileHash{Role: "outlook-input", Path: in.Path, SHA256: in.SHA256, Size: in.Size})
	}
	info := journal.CycleInfo{Kind: "rebuild", Started: started, User: osUser(), ToolVersion: o.ToolVersion, Options: o.Flags, Inputs: inputs}
	if err := j.CommitContext(o.context(), plan, info); err != nil {
		if ierr := o.interrupted(); ierr != nil {
			return nil, ierr
		}
		return nil, fmt.Errorf("commit the rebuilt journal %q: %w", o.Journal, err)
	}
	return plan, nil
}

// rebuildSides reads both sides into tables that share one string pool,
// record by record, as a sync reads them: neither is held as a
// []Contact (an Outlook export of a kind other than CSV is read whole).
func rebuildSides(o *Options) (*crmcsv.Dump, *contact.Table, *OutlookSide, error) {
	ct := contact.NewTableIn(newPool(), engine.TableFields(o.Policy))
	var ctl controls
	// Read one after the other, each side's work is split across the
	// cores (see tableAdder).
	add := tableAdder{t: ct, path: crmcsv.ContactsPath(o.CRM), cores: newCores(1)}
	dump, errs := crmcsv.ReadDirEachViewControls(o.CRM, false, func(c *contact.Contact, controls bool) {
		if controls { // else the row's text held none
			ctl.add(c)
		}
		add.add(c)
	})
	add.finish()
	if len(errs) > 0 {
		return nil, nil, nil, fmt.Errorf("read CRM dump: %w", errs[0])
	}
	if add.err != nil {
		return nil, nil, nil, fmt.Errorf("read CRM dump: %w", add.err)
	}
	ol, err := readOutlookTableOn(o.Outlook, o.OutlookOpts, ct.Sibling(), newCores(1))
	if err != nil {
		return nil, nil, nil, fmt.Errorf("read Outlook export: %w", err)
	}
	if w := ctl.warning(o.CRM); w != "" {
		o.notify(w)
	}
	return dump, ct, ol, nil
}
