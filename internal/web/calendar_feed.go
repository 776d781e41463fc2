package web

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/steward-itsm/steward/internal/itsm"
	"github.com/steward-itsm/steward/internal/report"
)

// calendarFeedPage lets a person create, regenerate and revoke their
// iCalendar feed. FeedURL is set only on the response that made it.
type calendarFeedPage struct {
	basePage
	Feed    *itsm.CalendarFeedInfo
	FeedURL string
}

// siteURL is the site's address as the browser reached it, for links
// people copy into other programs.
func (s *Server) siteURL(r *http.Request) string {
	scheme := "http"
	if s.secure || r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) calendarFeedPage(w http.ResponseWriter, r *http.Request) (*calendarFeedPage, error) {
	feed, err := s.svc.Calendar.CalendarFeed(r.Context())
	if err != nil && itsm.ErrorCode(err) != itsm.ENOTFOUND {
		return nil, err
	}
	p := &calendarFeedPage{basePage: s.newPage(w, r, "Calendar feed"), Feed: feed}
	p.Caption = "Change calendar"
	p.BackHref = "/calendar"
	return p, nil
}

// calendarFeed shows whether the person has a feed.
func (s *Server) calendarFeed(w http.ResponseWriter, r *http.Request) error {
	p, err := s.calendarFeedPage(w, r)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "calendar_feed", p)
}

// calendarFeedCreate makes or regenerates the person's feed and shows its
// address on this response only: the secret is not stored.
func (s *Server) calendarFeedCreate(w http.ResponseWriter, r *http.Request) error {
	token, err := s.svc.Calendar.CreateCalendarFeed(r.Context())
	if err != nil {
		return err
	}
	p, err := s.calendarFeedPage(w, r)
	if err != nil {
		return err
	}
	p.FeedURL = s.siteURL(r) + "/calendar/feed/" + token + ".ics"
	return s.render(w, http.StatusOK, "calendar_feed", p)
}

// calendarFeedRevoke stops the person's feed.
func (s *Server) calendarFeedRevoke(w http.ResponseWriter, r *http.Request) error {
	if err := s.svc.Calendar.RevokeCalendarFeed(r.Context()); err != nil {
		return err
	}
	return s.redirect(w, r, "/calendar/feed", "Your calendar feed has been turned off. Its address no longer works.")
}

// calendarFeedICS serves a feed: no session, the secret in the address
// names the person, and the calendar is what they may see now. Unknown,
// revoked and disabled people's feeds are not found.
func (s *Server) calendarFeedICS(w http.ResponseWriter, r *http.Request) error {
	token, ok := strings.CutSuffix(r.PathValue("file"), ".ics")
	if !ok || token == "" {
		return errPageNotFound
	}
	cal, owner, err := s.svc.Calendar.CalendarByFeedToken(r.Context(), token)
	if err != nil {
		return err
	}
	site := s.siteURL(r)
	var buf bytes.Buffer
	err = report.WriteICalendar(&buf, report.ICalendar{Name: "Steward change calendar (" + owner + ")", Events: report.CalendarEvents(cal, site, r.Host)}, s.now())
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/calendar; charset=utf-8")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
	return nil
}
