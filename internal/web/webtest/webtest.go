// Package webtest drives Steward's HTML surface in tests the way a browser
// would: it keeps cookies, posts forms with the CSRF token of the last page
// it loaded, and does not follow redirects, so tests can check them.
//
// It runs requests in process against an http.Handler (usually
// web.Server.Handler wrapped in the production middleware), so it needs no
// network and imports nothing of Steward's.
package webtest

import (
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// Origin is the site the client believes it is talking to.
const Origin = "http://steward.test"

// Client is a cookie-keeping browser for one person.
type Client struct {
	tb      testing.TB
	handler http.Handler
	jar     *cookiejar.Jar
	base    *url.URL
	token   string
	// RemoteAddr is the address requests come from (the store throttles
	// sign-ins per address).
	RemoteAddr string
	// Header is added to every request, e.g. Sec-Fetch-Site.
	Header http.Header
}

// Response is a finished response with its body read.
type Response struct {
	*http.Response
	Body string
}

// NewClient returns a client of h with an empty cookie jar.
func NewClient(tb testing.TB, h http.Handler) *Client {
	tb.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		tb.Fatal(err)
	}
	base, _ := url.Parse(Origin)
	return &Client{tb: tb, handler: h, jar: jar, base: base, RemoteAddr: "192.0.2.10:41000", Header: http.Header{}}
}

// Do sends a request and returns the response, keeping its cookies and
// remembering any CSRF token in its body.
func (c *Client) Do(req *http.Request) *Response {
	c.tb.Helper()
	req.RemoteAddr = c.RemoteAddr
	for k, vs := range c.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	for _, ck := range c.jar.Cookies(req.URL) {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	c.handler.ServeHTTP(rec, req)
	res := rec.Result()
	c.jar.SetCookies(req.URL, res.Cookies())
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.tb.Fatalf("read %s %s: %v", req.Method, req.URL.Path, err)
	}
	body := string(b)
	if t := CSRFToken(body); t != "" {
		c.token = t
	}
	return &Response{Response: res, Body: body}
}

// Get loads a page.
func (c *Client) Get(path string) *Response {
	c.tb.Helper()
	return c.Do(httptest.NewRequest(http.MethodGet, Origin+path, nil))
}

// Post submits a form. Unless the form sets csrf_token itself (even to ""),
// it carries the token of the last page loaded, as a browser's would.
func (c *Client) Post(path string, form url.Values) *Response {
	c.tb.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf_token"]; !ok {
		form = cloneValues(form)
		form.Set("csrf_token", c.token)
	}
	req := httptest.NewRequest(http.MethodPost, Origin+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.Do(req)
}

// Token returns the CSRF token of the last page that had one.
func (c *Client) Token() string { return c.token }

// Cookie returns the value of a cookie the client holds, or "".
func (c *Client) Cookie(name string) string {
	for _, ck := range c.jar.Cookies(c.base) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// MustSignIn signs in through the sign-in form and loads the home page, so
// that the client holds the session's CSRF token.
func (c *Client) MustSignIn(email, password string) {
	c.tb.Helper()
	c.Get("/sign-in")
	res := c.Post("/sign-in", url.Values{"email": {email}, "password": {password}})
	if res.StatusCode != http.StatusSeeOther {
		c.tb.Fatalf("sign in as %s: status %d, want 303\n%s", email, res.StatusCode, Text(res.Body))
	}
	if home := c.Get("/"); home.StatusCode != http.StatusOK {
		c.tb.Fatalf("sign in as %s: home page status %d", email, home.StatusCode)
	}
}

// Location returns the redirect target.
func (r *Response) Location() string { return r.Header.Get("Location") }

var (
	tokenRE = regexp.MustCompile(`name="csrf_token" value="([^"]*)"`)
	tagRE   = regexp.MustCompile(`(?s)<script.*?</script>|<style.*?</style>|<[^>]*>`)
	spaceRE = regexp.MustCompile(`\s+`)
)

// CSRFToken returns the first csrf_token field's value in an HTML page.
func CSRFToken(body string) string {
	m := tokenRE.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// Text returns a page's text without its markup, with spaces collapsed,
// for assertions about what people read.
func Text(body string) string {
	return strings.TrimSpace(spaceRE.ReplaceAllString(html.UnescapeString(tagRE.ReplaceAllString(body, " ")), " "))
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, xs := range v {
		out[k] = append([]string(nil), xs...)
	}
	return out
}
