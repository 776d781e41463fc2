package api

// The OpenAPI document is hand-written, so these tests hold it to the code:
//
//   - TestOpenAPIMatchesRouteTable: every route in the table is documented
//     and every documented operation is served, with the security, path
//     parameters and error responses its access and method imply.
//   - conform, run on every request every test sends through MustDo: the
//     server routed it to the documented operation, the answer's status is
//     documented for it, and its headers and body match the schemas
//     (kin-openapi, JSON Schema 2020-12, since the document is 3.1); a
//     request the server accepted (2xx) must also satisfy the document.
//   - TestMain: after a full run, every documented (operation, status) pair
//     except 500 was seen at least once, so the document lists no answer the
//     API never gives.

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

var (
	docOnce   sync.Once
	theDoc    *openapi3.T
	docRouter routers.Router
	docErr    error

	// seen records, per documented operation ("GET /api/v1/users/{id}"),
	// the statuses the tests observed.
	seenMu sync.Mutex
	seen   = map[string]map[int]bool{}
)

// MustOpenAPI loads and validates the embedded document once.
func MustOpenAPI(tb testing.TB) (*openapi3.T, routers.Router) {
	tb.Helper()
	docOnce.Do(func() {
		var src []byte
		if src, docErr = openAPISource(); docErr != nil {
			return
		}
		loader := openapi3.NewLoader()
		if theDoc, docErr = loader.LoadFromData(src); docErr != nil {
			return
		}
		if docErr = theDoc.Validate(context.Background()); docErr != nil {
			return
		}
		docRouter, docErr = legacy.NewRouter(theDoc)
	})
	if docErr != nil {
		tb.Fatalf("openapi.json: %v", docErr)
	}
	return theDoc, docRouter
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	filtered := flag.Lookup("test.run").Value.String() != "" || flag.Lookup("test.skip").Value.String() != ""
	if code == 0 && !filtered && !testing.Short() {
		if missing := unexercised(); len(missing) > 0 {
			fmt.Fprintf(os.Stderr, "FAIL: the OpenAPI document lists answers no test saw; exercise them or remove them:\n\t%s\n", strings.Join(missing, "\n\t"))
			code = 1
		}
	}
	os.Exit(code)
}

// unexercised lists the documented (operation, status) pairs never seen.
func unexercised() []string {
	var missing []string
	for p, item := range theDoc.Paths.Map() {
		for method, op := range item.Operations() {
			for status := range op.Responses.Map() {
				n, err := strconv.Atoi(status)
				if err != nil || n == http.StatusInternalServerError {
					continue
				}
				if !seen[method+" "+p][n] {
					missing = append(missing, fmt.Sprintf("%s %s → %d", method, p, n))
				}
			}
		}
	}
	sort.Strings(missing)
	return missing
}

// conform checks one exchange against the document.
func conform(tb testing.TB, a *API, r *http.Request, reqBody []byte, rep *reply) {
	tb.Helper()
	doc, router := MustOpenAPI(tb)
	ctx := context.Background()
	probe := httptest.NewRequest(r.Method, r.URL.String(), bytes.NewReader(reqBody))
	probe.Header = r.Header.Clone()
	_, pattern := a.mux.Handler(probe)
	route, params, err := router.FindRoute(probe)
	// Every answer is JSON but a download, whose documented content is
	// not.
	jsonOnly := true
	lookup := probe
	if r.Method == http.MethodHead {
		lookup = probe.Clone(ctx)
		lookup.Method = http.MethodGet
	}
	if rt, _, err := router.FindRoute(lookup); err == nil {
		if resp := rt.Operation.Responses.Status(rep.status); resp != nil && resp.Value != nil && resp.Value.Content["application/json"] == nil {
			jsonOnly = len(resp.Value.Content) == 0
		}
	}
	ct := rep.header.Get("Content-Type")
	switch {
	case rep.status == http.StatusNoContent && len(rep.body) != 0:
		tb.Errorf("%s %s: 204 with a body %q", r.Method, r.URL, rep.body)
	case rep.status != http.StatusNoContent && jsonOnly && ct != "application/json":
		tb.Errorf("%s %s: Content-Type %q, want application/json", r.Method, r.URL, ct)
	}
	if pattern == "" || err != nil {
		conformUnrouted(tb, doc, r, rep)
		return
	}
	// The server's route table sent the request to the same operation.
	if _, p, _ := strings.Cut(pattern, " "); p != route.Path {
		tb.Errorf("%s %s: served by %q but documented as %q", r.Method, r.URL, pattern, route.Path)
	}
	in := &openapi3filter.RequestValidationInput{Request: probe, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: rep.status, Header: rep.header,
		Body: io.NopCloser(bytes.NewReader(rep.body)), Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		tb.Errorf("%s %s → %d does not match the OpenAPI document: %v\nbody: %s", r.Method, r.URL, rep.status, err, rep.body)
	}
	if rep.status >= 200 && rep.status < 300 {
		probe.Body = io.NopCloser(bytes.NewReader(reqBody))
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			tb.Errorf("%s %s: the API accepted a request the OpenAPI document refuses: %v\nbody: %s", r.Method, r.URL, err, reqBody)
		}
	}
	seenMu.Lock()
	key := route.Method + " " + route.Path
	if seen[key] == nil {
		seen[key] = map[int]bool{}
	}
	seen[key][rep.status] = true
	seenMu.Unlock()
}

// conformUnrouted checks an answer to a request no operation matches: 404,
// or 405 with Allow naming exactly the documented methods, in the error
// shape.
func conformUnrouted(tb testing.TB, doc *openapi3.T, r *http.Request, rep *reply) {
	tb.Helper()
	var documented []string
	for p, item := range doc.Paths.Map() {
		if matchTemplate(p, r.URL.Path) {
			for m := range item.Operations() {
				documented = append(documented, m)
				if m == http.MethodGet {
					documented = append(documented, http.MethodHead)
				}
			}
		}
	}
	switch {
	case len(documented) == 0 && rep.status != http.StatusNotFound:
		tb.Errorf("%s %s: undocumented path answered %d, want 404", r.Method, r.URL, rep.status)
	case len(documented) > 0 && slices.Contains(documented, r.Method):
		// A documented method that the router could not match (HEAD).
		return
	case len(documented) > 0:
		allow := strings.Split(rep.header.Get("Allow"), ", ")
		slices.Sort(allow)
		slices.Sort(documented)
		if rep.status != http.StatusMethodNotAllowed || !slices.Equal(allow, documented) {
			tb.Errorf("%s %s: answered %d with Allow %v; want 405 with Allow %v", r.Method, r.URL, rep.status, allow, documented)
		}
	}
	var v any
	if err := json.Unmarshal(rep.body, &v); err != nil {
		tb.Errorf("%s %s: body is not JSON: %s", r.Method, r.URL, rep.body)
		return
	}
	if err := doc.Components.Schemas["Error"].Value.VisitJSON(v, openapi3.EnableJSONSchema2020()); err != nil {
		tb.Errorf("%s %s: body is not the error shape: %v", r.Method, r.URL, err)
	}
}

// matchTemplate reports whether path fits an OpenAPI path template.
func matchTemplate(template, path string) bool {
	ts, ps := strings.Split(template, "/"), strings.Split(path, "/")
	if len(ts) != len(ps) {
		return false
	}
	for i := range ts {
		if strings.HasPrefix(ts[i], "{") && ps[i] == "" || !strings.HasPrefix(ts[i], "{") && ts[i] != ps[i] {
			return false
		}
	}
	return true
}

func TestOpenAPIMatchesRouteTable(t *testing.T) {
	doc, _ := MustOpenAPI(t)
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q, want 3.1.0", doc.OpenAPI)
	}
	documented := map[string]*openapi3.Operation{}
	for p, item := range doc.Paths.Map() {
		for m, op := range item.Operations() {
			documented[m+" "+p] = op
		}
	}
	served := map[string]bool{}
	for _, rt := range (&API{}).routeTable() {
		served[rt.pattern] = true
		op := documented[rt.pattern]
		if op == nil {
			t.Errorf("route %q is served but not in openapi.json", rt.pattern)
			continue
		}
		method, p, _ := strings.Cut(rt.pattern, " ")
		anonymous := op.Security != nil && len(*op.Security) == 0
		if anonymous != (rt.access == public || rt.access == anonymousOnly) {
			t.Errorf("%s: documented security does not match its access", rt.pattern)
		}
		want := []string{}
		if rt.access != public {
			want = append(want, "401")
		}
		if rt.access == changes || rt.access == anonymousOnly {
			want = append(want, "403")
		}
		if method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch {
			want = append(want, "400", "413", "415")
		}
		if strings.Contains(p, "{id}") {
			want = append(want, "404")
			if op.Parameters.GetByInAndName("path", "id") == nil && doc.Paths.Value(p).Parameters.GetByInAndName("path", "id") == nil {
				t.Errorf("%s: the id path parameter is not documented", rt.pattern)
			}
		}
		for _, status := range want {
			if op.Responses.Value(status) == nil {
				t.Errorf("%s: response %s is not documented", rt.pattern, status)
			}
		}
	}
	for k := range documented {
		if !served[k] {
			t.Errorf("openapi.json documents %q, which the route table does not serve", k)
		}
	}
}

func TestOpenAPIServed(t *testing.T) {
	a, err := New(Config{Services: stubServices(), Version: "9.9.9"})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/api/openapi.json", nil)
	r.Header.Set("Authorization", "Bearer not-even-a-token") // ignored: the document is public
	w := httptest.NewRecorder()
	a.Handler().ServeHTTP(w, r)
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("GET /api/openapi.json: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	served, err := openapi3.NewLoader().LoadFromData(w.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if err := served.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if served.Info.Version != "9.9.9" || served.OpenAPI != "3.1.0" || len(served.Paths.Map()) == 0 {
		t.Fatalf("served document: openapi %s, version %s, %d paths", served.OpenAPI, served.Info.Version, len(served.Paths.Map()))
	}
}
