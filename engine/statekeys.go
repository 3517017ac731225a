package engine

import "strings"

// shareKeys points the keys of the state's links (the pairs made of them)
// at their records' own keys where they are the same, which the sides'
// tables hold in their pool anyway, and copies the others (and the name
// accounts) out of whatever the state's loader kept them in: a journal
// loads a million links' keys into chunks of its own (about 40 MB), which
// the links of the plan would otherwise keep to the end of the cycle.
func (r *reconciler) shareKeys(pairs []*pair) {
	for _, pr := range pairs {
		l := pr.link()
		switch {
		case pr.crm >= 0 && trimID(r.ct.Key(int(pr.crm))) == l.CRMID:
			l.CRMID = trimID(r.ct.Key(int(pr.crm)))
		default:
			l.CRMID = strings.Clone(l.CRMID)
		}
		switch {
		case pr.ol >= 0 && r.ot.Key(int(pr.ol)) == l.OutlookKey:
			l.OutlookKey = r.ot.Key(int(pr.ol))
		default:
			l.OutlookKey = strings.Clone(l.OutlookKey)
		}
		l.NameAccount = strings.Clone(l.NameAccount)
	}
}
