package itsm

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Conflict kinds.
const (
	// ConflictOverlap is another change's window on the same service that
	// overlaps. It does not refuse scheduling; people are told.
	ConflictOverlap = "overlap"
	// ConflictFreeze is a freeze period the window falls in or touches. It
	// refuses scheduling unless a programme manager overrides it with a
	// reason.
	ConflictFreeze = "freeze"
)

// Limits of windows, freezes and calendar ranges.
const (
	// MaxChangeWindow is the longest implementation window.
	MaxChangeWindow = 14 * 24 * time.Hour
	// MaxFreezeLength is the longest freeze period: a year (366 days, for
	// leap years).
	MaxFreezeLength = 366 * 24 * time.Hour
	// MaxCalendarRange is the longest range one calendar read covers.
	MaxCalendarRange = 400 * 24 * time.Hour
	// MaxServiceLength is the longest service name, as for tickets.
	MaxServiceLength = 100
)

// ChangeWindow is a change's implementation window: the half-open interval
// [Start, End) in which the change is implemented on Service. The first six
// fields are what a conflict check needs; the rest are filled in when the
// calendar lists windows.
type ChangeWindow struct {
	ChangeID int64     `json:"change_id"`
	Ref      string    `json:"ref"`
	Title    string    `json:"title"`
	Service  string    `json:"service"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	// State is the change's lifecycle state ("scheduled", "in delivery"…).
	State string `json:"state,omitempty"`
	// OrgID and OrgName are the customer organisation the change is for.
	OrgID   int64  `json:"organisation_id,omitempty"`
	OrgName string `json:"organisation_name,omitempty"`
	// ProviderID is the provider the change is assigned to, if any.
	ProviderID *int64 `json:"provider_id,omitempty"`
	// TargetRelease names the release the change goes out in.
	TargetRelease string `json:"target_release,omitempty"`
}

// Validate checks a window before a conflict check or scheduling: both ends
// given, the end after the start, at most MaxChangeWindow long, and a service
// name of at most MaxServiceLength characters.
func (w *ChangeWindow) Validate() error {
	var v Validation
	w.Service = strings.TrimSpace(w.Service)
	v.Check(!w.Start.IsZero(), "window_start", "Enter the date and time the implementation window starts.")
	v.Check(!w.End.IsZero(), "window_end", "Enter the date and time the implementation window ends.")
	if !w.Start.IsZero() && !w.End.IsZero() {
		v.Check(w.End.After(w.Start), "window_end", "The implementation window must end after it starts.")
		v.Check(w.End.Sub(w.Start) <= MaxChangeWindow, "window_end", "The implementation window must be 14 days or shorter.")
		v.Check(sensibleYear(w.Start) && sensibleYear(w.End), "window_start", "The implementation window must be between the years 2000 and 2100.")
	}
	v.Check(utf8.RuneCountInString(w.Service) <= MaxServiceLength && !HasControl(w.Service), "service", "The service name must be 100 characters or fewer.")
	return v.Err()
}

// sensibleYear keeps absurd dates out of the calendar.
func sensibleYear(t time.Time) bool { return t.Year() >= 2000 && t.Year() <= 2100 }

// ScheduleConflict is one reason a window clashes: another change's window
// on the same service (Kind "overlap", ChangeID and Ref set) or a freeze
// period (Kind "freeze", FreezeID set). Message is a whole sentence naming the
// other change or the freeze and its dates.
type ScheduleConflict struct {
	Kind     string `json:"kind"`
	Message  string `json:"message"`
	ChangeID int64  `json:"change_id,omitempty"`
	Ref      string `json:"ref,omitempty"`
	FreezeID int64  `json:"freeze_id,omitempty"`
}

// HasFreezeConflict reports whether any of the conflicts is a freeze.
func HasFreezeConflict(cs []ScheduleConflict) bool {
	return slices.ContainsFunc(cs, func(c ScheduleConflict) bool { return c.Kind == ConflictFreeze })
}

// FreezePeriod is a named period in which changes may not be implemented:
// on one service, or on every service when Service is empty. The period is
// the half-open interval [Start, End).
type FreezePeriod struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Reason      string    `json:"reason"`
	Service     string    `json:"service"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	CreatedByID *int64    `json:"created_by_id"`
	CreatedBy   string    `json:"created_by_name"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Version     int64     `json:"version"`
}

// Global reports whether the freeze applies to every service.
func (f *FreezePeriod) Global() bool { return f.Service == "" }

// AppliesTo reports whether the freeze covers the service.
func (f *FreezePeriod) AppliesTo(service string) bool {
	return f.Global() || strings.EqualFold(strings.TrimSpace(service), f.Service)
}

// ServiceLabel is the service the freeze covers, for sentences.
func (f *FreezePeriod) ServiceLabel() string {
	if f.Global() {
		return "all services"
	}
	return f.Service
}

// Validate checks a freeze period's fields.
func (f *FreezePeriod) Validate() error {
	var v Validation
	f.Name = strings.TrimSpace(f.Name)
	f.Service = strings.TrimSpace(f.Service)
	f.Reason = strings.TrimSpace(f.Reason)
	v.Check(f.Name != "", "name", "Enter a name for the freeze, such as Financial year end.")
	v.Check(utf8.RuneCountInString(f.Name) <= 100 && !HasControl(f.Name), "name", "The name must be 100 characters or fewer, without control characters.")
	v.Check(len(f.Reason) <= 2000, "reason", "The reason must be 2,000 characters or fewer.")
	v.Check(utf8.RuneCountInString(f.Service) <= MaxServiceLength && !HasControl(f.Service), "service", "The service name must be 100 characters or fewer.")
	v.Check(!f.Start.IsZero(), "start", "Enter the date and time the freeze starts.")
	v.Check(!f.End.IsZero(), "end", "Enter the date and time the freeze ends.")
	if !f.Start.IsZero() && !f.End.IsZero() {
		v.Check(sensibleYear(f.Start) && sensibleYear(f.End), "start", "The freeze must be between the years 2000 and 2100.")
		v.Check(f.End.After(f.Start), "end", "The freeze must end after it starts.")
		v.Check(f.End.Sub(f.Start) <= MaxFreezeLength, "end", "A freeze must be a year or shorter.")
	}
	return v.Err()
}

// FreezeFilter selects freeze periods. From and To, when set, keep the
// freezes overlapping [From, To); Service keeps those that apply to it
// (global freezes included).
type FreezeFilter struct {
	From, To *time.Time
	Service  *string
	// Latest lists the latest start first; by default the earliest is.
	Latest bool
	Offset int
	Limit  int
}

// FreezeUpdate is a partial change to a freeze period.
type FreezeUpdate struct {
	Name    *string
	Reason  *string
	Service *string
	Start   *time.Time
	End     *time.Time
	Version int64
}

// Overlaps reports whether the half-open intervals [aStart, aEnd) and
// [bStart, bEnd) share an instant: touching ends do not overlap.
func Overlaps(aStart, aEnd, bStart, bEnd time.Time) bool {
	return aStart.Before(bEnd) && bStart.Before(aEnd)
}

// sameService reports whether two windows are on the same service: names
// compare case-insensitively and an empty service is on no service.
func sameService(a, b string) bool {
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	return a != "" && strings.EqualFold(a, b)
}

// FindScheduleConflicts returns why the window w clashes with the other
// windows and the freezes: each window of another change (w.ChangeID is
// skipped) on the same service that overlaps w, and each freeze that applies
// to w's service and overlaps w. Freezes come first, then overlaps, each in
// order of start. It is pure: the caller chooses which windows count (the
// store passes scheduled and in-delivery changes).
func FindScheduleConflicts(w ChangeWindow, windows []ChangeWindow, freezes []FreezePeriod) []ScheduleConflict {
	fs := make([]FreezePeriod, 0, len(freezes))
	for _, f := range freezes {
		if f.AppliesTo(w.Service) && Overlaps(w.Start, w.End, f.Start, f.End) {
			fs = append(fs, f)
		}
	}
	slices.SortStableFunc(fs, func(a, b FreezePeriod) int { return cmpTimeID(a.Start, b.Start, a.ID, b.ID) })
	ws := make([]ChangeWindow, 0, len(windows))
	for _, o := range windows {
		if (w.ChangeID != 0 && o.ChangeID == w.ChangeID) || !sameService(w.Service, o.Service) || !Overlaps(w.Start, w.End, o.Start, o.End) {
			continue
		}
		ws = append(ws, o)
	}
	slices.SortStableFunc(ws, func(a, b ChangeWindow) int { return cmpTimeID(a.Start, b.Start, a.ChangeID, b.ChangeID) })
	out := make([]ScheduleConflict, 0, len(fs)+len(ws))
	for _, f := range fs {
		out = append(out, ScheduleConflict{Kind: ConflictFreeze, FreezeID: f.ID, Message: FreezeConflictMessage(f)})
	}
	for _, o := range ws {
		out = append(out, ScheduleConflict{Kind: ConflictOverlap, ChangeID: o.ChangeID, Ref: o.Ref, Message: OverlapConflictMessage(o)})
	}
	return out
}

func cmpTimeID(a, b time.Time, ai, bi int64) int {
	if c := a.Compare(b); c != 0 {
		return c
	}
	switch {
	case ai < bi:
		return -1
	case ai > bi:
		return 1
	}
	return 0
}

// FreezeConflictMessage is the sentence for a window that falls in a freeze.
func FreezeConflictMessage(f FreezePeriod) string {
	return fmt.Sprintf("The window falls within the freeze %q on %s, from %s to %s.",
		f.Name, f.ServiceLabel(), CalendarTime(f.Start), CalendarTime(f.End))
}

// OverlapConflictMessage is the sentence for a window that overlaps another
// change's window o on the same service.
func OverlapConflictMessage(o ChangeWindow) string {
	title := ""
	if o.Title != "" {
		title = fmt.Sprintf(" (%s)", o.Title)
	}
	return fmt.Sprintf("The window overlaps %s%s on %s, scheduled from %s to %s.",
		o.Ref, title, o.Service, CalendarTime(o.Start), CalendarTime(o.End))
}

// CalendarTime formats an instant for calendar sentences, in UK time, the
// GOV.UK way: "9:30am on 29 March 2026".
func CalendarTime(t time.Time) string {
	l := t.In(ReportLocation())
	clock := strings.ToLower(l.Format("3:04PM"))
	switch clock {
	case "12:00am":
		clock = "midnight"
	case "12:00pm":
		clock = "midday"
	}
	return clock + " on " + l.Format("2 January 2006")
}

// CanManageFreezes reports whether the actor may create, change and delete
// freeze periods: programme managers and administrators.
func (a *Actor) CanManageFreezes() bool {
	return a.System || (a.OrgKind == OrgProgramme && (a.Role == RoleAdmin || a.Role == RoleManager))
}

// CanOverrideFreeze reports whether the actor may schedule into a freeze
// (with a reason): programme managers and administrators.
func (a *Actor) CanOverrideFreeze() bool { return a.CanManageFreezes() }

// CalendarFilter selects the calendar: windows and freezes overlapping
// [From, To), optionally on one service (case-insensitive; global freezes
// always show). To may be at most MaxCalendarRange after From.
type CalendarFilter struct {
	From, To time.Time
	Service  string
}

// Validate checks a calendar range.
func (f *CalendarFilter) Validate() error {
	var v Validation
	f.Service = strings.TrimSpace(f.Service)
	v.Check(!f.From.IsZero(), "from", "Enter the start of the range.")
	v.Check(!f.To.IsZero(), "to", "Enter the end of the range.")
	if !f.From.IsZero() && !f.To.IsZero() {
		v.Check(f.To.After(f.From), "to", "The end of the range must be after its start.")
		v.Check(f.To.Sub(f.From) <= MaxCalendarRange, "to", "The range must be 400 days or shorter.")
	}
	v.Check(utf8.RuneCountInString(f.Service) <= MaxServiceLength && !HasControl(f.Service), "service", "The service name must be 100 characters or fewer.")
	return v.Err()
}

// CalendarEntry is a window on the calendar with the conflicts the viewer
// may know of (other visible windows and the freezes).
type CalendarEntry struct {
	ChangeWindow
	Conflicts []ScheduleConflict `json:"conflicts"`
}

// Calendar is what one person sees for a range: the windows of the changes
// they may see and every freeze.
type Calendar struct {
	From    time.Time        `json:"from"`
	To      time.Time        `json:"to"`
	Windows []*CalendarEntry `json:"windows"`
	Freezes []*FreezePeriod  `json:"freezes"`
}

// CalendarFeedInfo describes a person's iCalendar feed. The token itself is
// shown only once, when the feed is created or regenerated.
type CalendarFeedInfo struct {
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

// How far around now an iCalendar feed reaches.
const (
	// FeedPast is how far back a feed goes.
	FeedPast = 90 * 24 * time.Hour
	// FeedFuture is how far ahead a feed goes.
	FeedFuture = 366 * 24 * time.Hour
)

// CalendarService is the change calendar: freeze periods, the windows people
// may see, conflict checks and personal iCalendar feeds.
//
// Everyone signed in reads freezes; programme managers and administrators
// change them (EFORBIDDEN otherwise, ENOTFOUND for an unknown freeze,
// ECONFLICT for a stale version, EINVALID for bad fields). Windows are scoped
// like changes: customers see their own organisation's, providers those
// assigned to them, staff and auditors all.
type CalendarService interface {
	// CheckWindow validates w and returns its conflicts with the scheduled
	// and in-delivery windows the caller may see (w.ChangeID excluded) and
	// with the freezes. EINVALID for a bad window, EUNAUTHORIZED when not
	// signed in.
	CheckWindow(ctx context.Context, w ChangeWindow) ([]ScheduleConflict, error)
	// CalendarFor returns the windows and freezes overlapping the range.
	CalendarFor(ctx context.Context, f CalendarFilter) (*Calendar, error)

	// CreateFreeze adds a freeze period.
	CreateFreeze(ctx context.Context, f *FreezePeriod) error
	// FindFreezeByID returns one freeze period.
	FindFreezeByID(ctx context.Context, id int64) (*FreezePeriod, error)
	// FindFreezes lists freezes by start, with the total that match.
	FindFreezes(ctx context.Context, f FreezeFilter) ([]*FreezePeriod, int, error)
	// UpdateFreeze changes a freeze period.
	UpdateFreeze(ctx context.Context, id int64, upd FreezeUpdate) (*FreezePeriod, error)
	// DeleteFreeze removes a freeze period at the given version.
	DeleteFreeze(ctx context.Context, id, version int64) error

	// CalendarFeed describes the caller's feed, ENOTFOUND when there is none.
	CalendarFeed(ctx context.Context) (*CalendarFeedInfo, error)
	// CreateCalendarFeed creates or regenerates the caller's feed and
	// returns its secret token; any previous token stops working.
	CreateCalendarFeed(ctx context.Context) (string, error)
	// RevokeCalendarFeed stops the caller's feed; ENOTFOUND when none.
	RevokeCalendarFeed(ctx context.Context) error
	// CalendarByFeedToken returns the calendar of the feed's owner and the
	// owner's name (for the calendar's title), scoped
	// to what they may see now, from FeedPast before now to FeedFuture
	// after. No session is needed: ENOTFOUND for an unknown or revoked
	// token or a person who is disabled or no longer approved.
	CalendarByFeedToken(ctx context.Context, token string) (*Calendar, string, error)
}
