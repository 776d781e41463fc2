package web

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/steward-itsm/steward/internal/itsm"
)

// pageSize is the number of rows on a page of a list.
const pageSize = 25

// listQuery reads a list's filters from the query string. Values that make
// no sense are collected as one EINVALID error (a 400 page) rather than
// silently ignored, and the values that were used are kept for the links
// to other pages, sort orders and the CSV export.
type listQuery struct {
	in   url.Values
	keep url.Values
	v    itsm.Validation
}

func newListQuery(in url.Values) *listQuery {
	return &listQuery{in: in, keep: url.Values{}}
}

// text returns a trimmed search string of at most 200 characters.
func (q *listQuery) text(name string) string {
	s := strings.TrimSpace(q.in.Get(name))
	if utf8.RuneCountInString(s) > 200 || itsm.HasControl(s) {
		q.v.Add(name, "Search for 200 characters or fewer.")
		return ""
	}
	if s != "" {
		q.keep.Set(name, s)
	}
	return s
}

// id returns a positive whole number, or nil when absent.
func (q *listQuery) id(name, what string) *int64 {
	s := strings.TrimSpace(q.in.Get(name))
	if s == "" {
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		q.v.Add(name, "Enter "+what+" as a number, like 12.")
		return nil
	}
	q.keep.Set(name, s)
	return &n
}

// oneOf returns the value when it is one of the options' values, "" when
// absent.
func (q *listQuery) oneOf(name string, options []option, what string) string {
	s := q.in.Get(name)
	if s == "" {
		return ""
	}
	if !hasOption(options, s) {
		q.v.Add(name, "Choose "+what+" from the list.")
		return ""
	}
	q.keep.Set(name, s)
	return s
}

// sort returns the sort order, def when absent.
func (q *listQuery) sort(options []option, def string) string {
	s := q.in.Get("sort")
	if s == "" || s == def {
		return def
	}
	if !hasOption(options, s) {
		q.v.Add("sort", "Choose a sort order from the list.")
		return def
	}
	q.keep.Set("sort", s)
	return s
}

// date returns the start of the given day (YYYY-MM-DD) in loc.
func (q *listQuery) date(name string, loc *time.Location, what string) *time.Time {
	s := strings.TrimSpace(q.in.Get(name))
	if s == "" {
		return nil
	}
	t, err := time.ParseInLocation("2006-01-02", s, loc)
	if err != nil {
		q.v.Add(name, "Enter the "+what+" as a real date, like 2026-03-27.")
		return nil
	}
	q.keep.Set(name, s)
	return &t
}

// page returns the 1-based page number.
func (q *listQuery) page() int {
	s := q.in.Get("page")
	if s == "" {
		return 1
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 1_000_000 {
		q.v.Add("page", "Choose a page number from the list.")
		return 1
	}
	return n
}

func (q *listQuery) err() error { return q.v.Err() }

// href returns base with the kept filters and extra values.
func (q *listQuery) href(base string, extra ...string) string {
	v := url.Values{}
	for k, xs := range q.keep {
		v[k] = xs
	}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	if len(v) == 0 {
		return base
	}
	return base + "?" + v.Encode()
}

// filtered reports whether any filter is in use.
func (q *listQuery) filtered() bool {
	for k := range q.keep {
		if k != "sort" {
			return true
		}
	}
	return false
}

// pager is the pagination of a list and the sentence that says what is
// shown ("Showing 26 to 50 of 120 organisations").
type pager struct {
	Page, Pages, Total, From, To int
	Noun                         string
	Prev, Next                   string
	Links                        []pageLink
}

// pageLink is one link of the DS pagination.
type pageLink struct {
	Number         int
	Href           string
	Current, Ellip bool
}

func newPager(q *listQuery, base string, page, total, shown int, noun string) pager {
	p := pager{Page: page, Total: total, Noun: noun}
	p.Pages = (total + pageSize - 1) / pageSize
	if shown > 0 {
		p.From = (page-1)*pageSize + 1
		p.To = p.From + shown - 1
	}
	link := func(n int) string {
		if n == 1 {
			return q.href(base)
		}
		return q.href(base, "page", strconv.Itoa(n))
	}
	if page > 1 && page <= p.Pages {
		p.Prev = link(page - 1)
	}
	if page < p.Pages {
		p.Next = link(page + 1)
	}
	last := 0
	for n := 1; n <= p.Pages; n++ {
		if n != 1 && n != p.Pages && (n < page-2 || n > page+2) {
			continue
		}
		if last != 0 && n > last+1 {
			p.Links = append(p.Links, pageLink{Ellip: true})
		}
		p.Links = append(p.Links, pageLink{Number: n, Href: link(n), Current: n == page})
		last = n
	}
	return p
}

// setPaged titles a list's page: the heading stays, the title says which
// page of how many it is, so that a screen reader's tab list tells them
// apart.
func (p *basePage) setPaged(title string, pg pager) {
	p.Heading = title
	p.Title = title
	if pg.Page > 1 && pg.Pages > 1 {
		p.Title = title + " (page " + strconv.Itoa(pg.Page) + " of " + strconv.Itoa(pg.Pages) + ")"
	}
}

// offset is the first row of a page.
func offset(page int) int { return (page - 1) * pageSize }

// sortOptions builds options from value/label pairs.
func sortOptions(pairs ...string) []option {
	var out []option
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, option{Value: pairs[i], Label: pairs[i+1]})
	}
	return out
}

// withAll puts an "All" choice first, for filters.
func withAll(label string, opts []option) []option {
	return slices.Concat([]option{{Value: "", Label: label}}, opts)
}
