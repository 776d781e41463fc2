package itsm

import (
	"strings"
	"time"
)

// This file holds what a change costs and when it lands: estimate
// revisions (the quote), CAB votes, actual costs, budget adjustments and
// forecasts.

// ChangeEstimate is one revision of the provider's (or the programme's)
// estimate: the quote the customer admin accepts is the latest revision.
type ChangeEstimate struct {
	ID           int64     `json:"id"`
	ChangeID     int64     `json:"change_id"`
	Revision     int       `json:"revision"`
	EffortDays   float64   `json:"effort_days"`
	Cost         int64     `json:"cost"` // pence
	DeliveryDate time.Time `json:"delivery_date"`
	Note         string    `json:"note"`
	AuthorID     *int64    `json:"author_id"`
	Author       string    `json:"author_name"`
	CreatedAt    time.Time `json:"created_at"`
}

// NewChangeEstimate is an estimate revision to record.
type NewChangeEstimate struct {
	EffortDays   float64
	Cost         int64 // pence
	DeliveryDate time.Time
	Note         string
}

// Validate checks an estimate against today's date (midnight UTC).
func (e *NewChangeEstimate) Validate(today time.Time) error {
	var v Validation
	e.Note = strings.TrimSpace(e.Note)
	v.Check(validDays(e.EffortDays) && e.EffortDays > 0, "effort_days", "Enter the effort in days, more than 0 and at most 3,650, to one decimal place.")
	v.Check(e.Cost >= 0 && e.Cost <= MaxChangePence, "cost", "The cost must be between £0.00 and £10,000,000.00.")
	v.Check(!e.DeliveryDate.IsZero(), "delivery_date", "Enter the proposed delivery date.")
	if !e.DeliveryDate.IsZero() {
		e.DeliveryDate = DateOnly(e.DeliveryDate, time.UTC)
		v.Check(!e.DeliveryDate.Before(today), "delivery_date", "The proposed delivery date must be today or later.")
		v.Check(sensibleYear(e.DeliveryDate), "delivery_date", "The proposed delivery date must be between the years 2000 and 2100.")
	}
	checkText(&v, "note", e.Note, 5000, false, "The note must be 5,000 characters or fewer.")
	return v.Err()
}

// Vote is a CAB member's vote on a major change.
type Vote string

// Votes.
const (
	VoteApprove Vote = "approve"
	VoteReject  Vote = "reject"
	VoteAbstain Vote = "abstain"
)

// Valid reports whether v is a known vote.
func (v Vote) Valid() bool { return v == VoteApprove || v == VoteReject || v == VoteAbstain }

// ChangeVote is one CAB member's vote; a member who votes again replaces
// their vote.
type ChangeVote struct {
	ID       int64     `json:"id"`
	ChangeID int64     `json:"change_id"`
	MemberID int64     `json:"member_id"`
	Member   string    `json:"member_name"`
	Vote     Vote      `json:"vote"`
	Comment  string    `json:"comment"`
	At       time.Time `json:"at"`
}

// NewChangeVote is a vote to record. MemberID 0 means the caller; a
// manager may record a vote for another programme member (taken in the
// meeting).
type NewChangeVote struct {
	MemberID int64
	Vote     Vote
	Comment  string
}

// Validate checks a vote.
func (n *NewChangeVote) Validate() error {
	var v Validation
	n.Comment = strings.TrimSpace(n.Comment)
	v.Check(n.Vote.Valid(), "vote", "Choose approve, reject or abstain.")
	checkText(&v, "comment", n.Comment, 2000, false, "The comment must be 2,000 characters or fewer.")
	return v.Err()
}

// VoteTally counts votes.
type VoteTally struct {
	Approve, Reject, Abstain int
}

// TallyVotes counts the votes.
func TallyVotes(vs []*ChangeVote) VoteTally {
	var t VoteTally
	for _, v := range vs {
		switch v.Vote {
		case VoteApprove:
			t.Approve++
		case VoteReject:
			t.Reject++
		case VoteAbstain:
			t.Abstain++
		}
	}
	return t
}

// ChangeCost is one actual cost entry.
type ChangeCost struct {
	ID        int64     `json:"id"`
	ChangeID  int64     `json:"change_id"`
	Date      time.Time `json:"date"`
	Amount    int64     `json:"amount"` // pence, > 0
	Note      string    `json:"note"`
	AuthorID  *int64    `json:"author_id"`
	Author    string    `json:"author_name"`
	CreatedAt time.Time `json:"created_at"`
}

// NewChangeCost is a cost entry to record.
type NewChangeCost struct {
	Date   time.Time
	Amount int64 // pence
	Note   string
}

// Validate checks a cost entry against today's date (midnight UTC): a cost
// is incurred, so it cannot be dated in the future.
func (n *NewChangeCost) Validate(today time.Time) error {
	var v Validation
	n.Note = strings.TrimSpace(n.Note)
	v.Check(n.Amount > 0 && n.Amount <= MaxChangePence, "amount", "The amount must be more than £0.00 and at most £10,000,000.00.")
	v.Check(!n.Date.IsZero(), "date", "Enter the date the cost was incurred.")
	if !n.Date.IsZero() {
		n.Date = DateOnly(n.Date, time.UTC)
		v.Check(!n.Date.After(today), "date", "The date of a cost cannot be in the future.")
		v.Check(sensibleYear(n.Date), "date", "The date must be between the years 2000 and 2100.")
	}
	v.Check(n.Note != "", "note", "Say what the cost is for.")
	checkText(&v, "note", n.Note, 2000, false, "The note must be 2,000 characters or fewer.")
	return v.Err()
}

// ChangeBudgetAdjustment changes the approved budget; a manager gives a
// reason, which is kept in the history.
type ChangeBudgetAdjustment struct {
	Budget  int64 // pence
	Reason  string
	Version int64
}

// Validate checks the adjustment.
func (b *ChangeBudgetAdjustment) Validate() error {
	var v Validation
	b.Reason = strings.TrimSpace(b.Reason)
	v.Check(b.Budget >= 0 && b.Budget <= MaxChangePence, "budget", "The budget must be between £0.00 and £10,000,000.00.")
	v.Check(b.Reason != "", "reason", "Give a reason for changing the approved budget.")
	checkText(&v, "reason", b.Reason, 2000, false, "The reason must be 2,000 characters or fewer.")
	return v.Err()
}

// ChangeForecast updates the forecast delivery date.
type ChangeForecast struct {
	Date    time.Time
	Note    string
	Version int64
}

// Validate checks the forecast against today's date (midnight UTC).
func (f *ChangeForecast) Validate(today time.Time) error {
	var v Validation
	f.Note = strings.TrimSpace(f.Note)
	v.Check(!f.Date.IsZero(), "forecast_date", "Enter the forecast delivery date.")
	if !f.Date.IsZero() {
		f.Date = DateOnly(f.Date, time.UTC)
		v.Check(!f.Date.Before(today), "forecast_date", "The forecast delivery date must be today or later.")
		v.Check(sensibleYear(f.Date), "forecast_date", "The forecast date must be between the years 2000 and 2100.")
	}
	checkText(&v, "note", f.Note, 2000, false, "The note must be 2,000 characters or fewer.")
	return v.Err()
}
