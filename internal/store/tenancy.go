package store

import "github.com/steward-itsm/steward/internal/itsm"

// assignedScope adds to a query the visibility rule that tickets, changes
// and escalations share: staff and auditors see every record, customers
// their organisation's (orgCol), providers those assigned or escalated to
// them (providerCol), anyone else none.
func assignedScope(a *itsm.Actor, w *where, orgCol, providerCol string) {
	switch {
	case a.ReadsEverything():
	case a.IsProvider():
		w.add(providerCol+" = ?", a.OrgID)
	case a.IsCustomer():
		w.add(orgCol+" = ?", a.OrgID)
	default:
		w.add("1 = 0")
	}
}

// seesAssigned applies assignedScope's rule to one record.
func seesAssigned(a *itsm.Actor, orgID int64, providerID *int64) bool {
	switch {
	case a.ReadsEverything():
		return true
	case a.IsProvider():
		return providerID != nil && *providerID == a.OrgID
	case a.IsCustomer():
		return orgID == a.OrgID
	}
	return false
}
