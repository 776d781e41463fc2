package itsm

import (
	"strings"
	"testing"
	"time"
)

func validImported() ImportedTicket {
	at := time.Date(2016, 3, 1, 9, 0, 0, 0, time.UTC)
	return ImportedTicket{ExternalRef: "servicenow:INC1", Type: Incident, Title: "INC1", Impact: Medium, Urgency: Medium, Priority: "P3",
		Status: StatusResolved, CreatedAt: at, UpdatedAt: at.Add(time.Hour),
		Events: []ImportedEvent{
			{At: at, Type: "created", Status: StatusNew, Priority: "P3"},
			{At: at.Add(time.Hour), Type: "public_reply", By: "staff"},
			{At: at.Add(time.Hour), Type: "status", Status: StatusResolved},
		}}
}

func TestImportedTicketValidate(t *testing.T) {
	if err := (&ImportedTicket{}).Validate(); ErrorCode(err) != EINVALID {
		t.Fatalf("empty ticket: %v", err)
	}
	ok := validImported()
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	cases := map[string]func(*ImportedTicket){
		"history does not start with created": func(t *ImportedTicket) { t.Events = t.Events[1:] },
		"history out of order":                func(t *ImportedTicket) { t.Events[2].At = t.CreatedAt.Add(-time.Minute) },
		"created twice":                       func(t *ImportedTicket) { t.Events[1].Type = "created" },
		"unknown status":                      func(t *ImportedTicket) { t.Events[2].Status = "parked" },
		"reply by nobody":                     func(t *ImportedTicket) { t.Events[1].By = "" },
		"unknown event type":                  func(t *ImportedTicket) { t.Events[1].Type = "attachment" },
		"priority P5":                         func(t *ImportedTicket) { t.Priority = "P5" },
		"control characters in the title":     func(t *ImportedTicket) { t.Title = "a\x07b" },
		"no reference":                        func(t *ImportedTicket) { t.ExternalRef = "" },
	}
	for name, spoil := range cases {
		tk := validImported()
		tk.Events = append([]ImportedEvent(nil), tk.Events...)
		spoil(&tk)
		if err := tk.Validate(); ErrorCode(err) != EINVALID {
			t.Errorf("%s: %v", name, err)
		} else if name != "no reference" && !strings.HasPrefix(ErrorMessage(err), "servicenow:INC1: ") {
			t.Errorf("%s: the message does not name the ticket: %s", name, ErrorMessage(err))
		}
	}
}

func TestAgreementInForce(t *testing.T) {
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	cust, other := int64(7), int64(8)
	ags := []*ServiceAgreement{
		{ID: 1, EffectiveFrom: d(2016, 1, 1)},
		{ID: 2, EffectiveFrom: d(2016, 6, 1)},
		{ID: 3, EffectiveFrom: d(2016, 6, 1)}, // same day, made later: wins
		{ID: 4, EffectiveFrom: d(2016, 3, 1), CustomerID: &cust},
		{ID: 5, EffectiveFrom: d(2015, 1, 1), CustomerID: &other},
	}
	cases := []struct {
		customer int64
		at       time.Time
		want     int64
	}{
		{cust, d(2015, 12, 31), 0},
		{cust, d(2016, 2, 1), 1},
		{cust, d(2016, 3, 1), 4}, // effective from that instant
		{cust, d(2016, 7, 1), 4}, // the customer's own beats a newer general one
		{other, d(2016, 7, 1), 5},
		{9, d(2016, 7, 1), 3},
	}
	for _, c := range cases {
		got := AgreementInForce(ags, c.customer, c.at)
		if (got == nil && c.want != 0) || (got != nil && got.ID != c.want) {
			t.Errorf("customer %d at %s: got %v, want %d", c.customer, c.at.Format("2006-01-02"), got, c.want)
		}
	}
}
