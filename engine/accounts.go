package engine

import (
	"fmt"
	"strings"

	"contactsync/engine/contact"
)

// Accounts: the CRM account of a contact.

// isNameAccount reports whether account is the contact's own name, as the
// CRM names the account of a contact without company: "First Last" (or
// "Last, First").
func isNameAccount(account, first, last string) bool {
	first, last = strings.TrimSpace(first), strings.TrimSpace(last)
	if first == "" && last == "" {
		return false
	}
	a := strings.Join(strings.Fields(account), " ")
	return strings.EqualFold(a, strings.TrimSpace(first+" "+last)) || last != "" && first != "" && strings.EqualFold(a, last+", "+first)
}

// accountsNamed returns the accounts the syncing user may see whose name
// is name, in dump order. An account the user may not see does not exist
// for them (DESIGN §6): it is never chosen, counted or named. The index is
// made at the first call: a cycle that creates nothing in the CRM needs
// none.
func (r *reconciler) accountsNamed(name string) []int {
	if r.accountsByName == nil {
		r.accountsByName = make(map[string][]int, len(r.crm.Accounts))
		for i, a := range r.crm.Accounts {
			if r.ownerVisible(a.Owner) {
				name := strings.TrimSpace(a.Name)
				r.accountsByName[name] = append(r.accountsByName[name], i)
			}
		}
	}
	return r.accountsByName[name]
}

// assignAccount sets the account of a CRM contact from its company (DESIGN §6)
// and returns the account's name.
func (r *reconciler) assignAccount(c *contact.Contact, link int64, name string) string {
	company := c.Values[contact.Company]
	accName := company
	if accName == "" {
		accName = strings.TrimSpace(c.Values[contact.First] + " " + c.Values[contact.Last])
		if accName == "" {
			accName = name
		}
	}
	c.CRM.AccountManagerID = r.p.User
	if idx := r.accountsNamed(accName); len(idx) > 0 {
		a := r.crm.Accounts[idx[0]]
		c.CRM.AccountID, c.CRM.Owner = a.ID, a.Owner
		if c.CRM.Owner == "" {
			c.CRM.Owner = contact.Everyone
		}
		rule := RuleAccountExact
		if len(idx) > 1 {
			rule = RuleAccountFirst
			r.notice(NoticeSeveralAccounts, link, fmt.Sprintf("%q: %d accounts are named %q; the first in the dump (%s) is used", name, len(idx), accName, trimID(a.ID)))
		}
		r.change(Change{Link: link, Side: CRM, Op: OpUpdate, Field: "account", New: trimID(a.ID) + " " + a.Name, Rule: rule, Name: name})
		return accName
	}
	c.CRM.AccountID, c.CRM.Owner = "", contact.Everyone
	if _, ok := r.newAccounts[accName]; !ok {
		r.newAccounts[accName] = len(r.plan.CRM.NewAccounts)
		r.plan.CRM.NewAccounts = append(r.plan.CRM.NewAccounts, contact.Account{
			Name: accName, Type: "Prospect", Status: "Active", Owner: contact.Everyone, AccountManagerID: r.p.User,
		})
		r.change(Change{Link: link, Side: CRM, Op: OpCreate, Field: "account", New: accName, Rule: RuleAccountNew, Name: name})
	} else {
		r.change(Change{Link: link, Side: CRM, Op: OpUpdate, Field: "account", New: accName, Rule: RuleAccountNew, Name: name})
	}
	return accName
}
