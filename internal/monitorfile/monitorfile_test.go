package monitorfile

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/steward-itsm/steward/internal/itsm"
)

var orgs = []*itsm.Organisation{
	{ID: 2, Name: "Alpha Council", Kind: itsm.OrgCustomer},
	{ID: 5, Name: "Acme Hosting", Kind: itsm.OrgProvider},
}

const goodYAML = `
checks:
  - name: Portal home
    service: Purchasing portal
    component: Web
    kind: http
    url: https://portal.example.org/health
    method: get
    headers:
      - name: Authorization
        value: Bearer s3cret
      - {name: Accept, value: application/json}
    expect_status: 200-299,301
    body_contains: ok
    max_response: 800ms
    interval: 30s
    timeout: 5
    retries: 2
    provider: acme hosting
    incident_priority: P2
    target_percent: 99.5
  - name: Database
    service: Purchasing portal
    kind: tcp
    address: db.example.org:5432
    interval: 1m
    enabled: false
    organisation: Alpha Council
`

func TestParseYAML(t *testing.T) {
	res, err := Parse([]byte(goodYAML), FormatOf("checks.yaml"), orgs)
	if err != nil || len(res.Errors) != 0 || len(res.Checks) != 2 {
		t.Fatalf("parse: %+v %v", res, err)
	}
	a, b := res.Checks[0], res.Checks[1]
	if a.Name != "Portal home" || a.Kind != "http" || a.Interval != 30*time.Second || a.Timeout != 5*time.Second || a.MaxResponse != 800*time.Millisecond ||
		a.Retries != 2 || a.ProviderID == nil || *a.ProviderID != 5 || !a.Enabled || !a.VerifyTLS || !a.FollowRedirects || a.TargetPercent != 99.5 ||
		len(a.Headers) != 2 || a.Headers[0].Value != "Bearer s3cret" || a.OrgID != nil {
		t.Fatalf("first check: %+v", a)
	}
	if b.Enabled || b.Interval != time.Minute || b.OrgID == nil || *b.OrgID != 2 || b.Address != "db.example.org:5432" {
		t.Fatalf("second check: %+v", b)
	}
	// The same checks in JSON, as a bare list, with the API's spellings
	// of durations and headers as pairs.
	js := `[{"name":"Portal home","service":"Purchasing portal","kind":"http","url":"https://portal.example.org/health",
		"headers":{"Authorization":"Bearer s3cret"},"interval_seconds":30,"timeout":"5s","max_response_ms":800}]`
	res, err = Parse([]byte(js), Detect, orgs)
	if err != nil || len(res.Errors) != 0 || res.Checks[0].Interval != 30*time.Second || res.Checks[0].MaxResponse != 800*time.Millisecond ||
		res.Checks[0].Headers[0].Name != "Authorization" {
		t.Fatalf("JSON: %+v %v", res, err)
	}
}

func TestParseRefusesBadFiles(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		format     Format
		want       string
	}{
		{"empty", "  \n", Detect, "The file is empty"},
		{"not YAML", "checks: [unclosed", YAML, "not valid YAML"},
		{"not JSON", `[{"name": }]`, JSON, "not valid JSON"},
		{"a scalar", "just words", YAML, "must hold a list of checks"},
		{"an empty list", "[]", JSON, "holds no checks"},
		{"another top key", `{"checks": [{"name": "x"}], "dry_run": true}`, JSON, `"dry_run" at the top`},
		{"two documents", "- name: a\n---\n- name: b\n", YAML, "one YAML document"},
		{"not UTF-8", "- name: \xff\n", YAML, "UTF-8"},
	} {
		_, err := Parse([]byte(tc.text), tc.format, orgs)
		if itsm.ErrorCode(err) != itsm.EINVALID || !strings.Contains(itsm.ErrorMessage(err), tc.want) || itsm.ErrorFields(err)["file"] == "" {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestParseNamesBadDefinitions(t *testing.T) {
	yamlText := `
- name: Wrong types
  service: Portal
  kind: http
  url: https://example.org/
  retries: two
  enabled: "yes"
  interval: soon
- name: Unknown keys
  service: Portal
  kind: tcp
  address: db.example.org:5432
  Interval: 30s
  colour: blue
- name: Good
  service: Portal
  kind: tcp
  address: db.example.org:5432
- name: Nobody
  service: Portal
  kind: tcp
  address: db.example.org:5432
  provider: Nobody Ltd
  organisation_id: 2
  organisation: Alpha Council
- just a string
`
	res, err := Parse([]byte(yamlText), YAML, orgs)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Checks) != 0 {
		t.Fatalf("checks returned alongside errors: %d", len(res.Checks))
	}
	got := map[int]itsm.CheckImportError{}
	for _, e := range res.Errors {
		got[e.Index] = e
	}
	if e := got[1]; e.Name != "Wrong types" || e.Fields["retries"] != "retries must be a whole number." || e.Fields["enabled"] != "enabled must be true or false." ||
		!strings.Contains(e.Fields["interval"], `"30s"`) || e.Message == "" {
		t.Errorf("wrong types: %+v", e)
	}
	if e := got[2]; !strings.Contains(e.Fields["Interval"], `did you mean "interval"?`) || !strings.Contains(e.Fields["colour"], "not a field") {
		t.Errorf("unknown keys: %+v", e)
	}
	if _, bad := got[3]; bad {
		t.Errorf("a good definition was refused: %+v", got[3])
	}
	if e := got[4]; !strings.Contains(e.Fields["provider"], `no provider called "Nobody Ltd"`) || e.Fields["organisation_id"] == "" {
		t.Errorf("organisations: %+v", e)
	}
	if e := got[5]; e.Fields["definition"] == "" {
		t.Errorf("a string as a definition: %+v", e)
	}

	// JSON is as strict: an unknown field is refused by name.
	res, err = Parse([]byte(`{"checks":[{"name":"x","service":"s","kind":"tcp","address":"a:1","secret_sauce":1}]}`), JSON, orgs)
	if err != nil || len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Fields["secret_sauce"], `"secret_sauce" is not a field`) {
		t.Fatalf("unknown JSON field: %+v %v", res, err)
	}
}

func TestParseEntriesOfTheAPI(t *testing.T) {
	raw := []json.RawMessage{json.RawMessage(`{"name":"a","service":"s","kind":"tcp","address":"a.example.org:1","timeout":"2s","timeout_seconds":2}`)}
	res, err := ParseEntries(raw, nil)
	if err != nil || len(res.Errors) != 1 || res.Errors[0].Fields["timeout_seconds"] == "" {
		t.Fatalf("both spellings: %+v %v", res, err)
	}
	if _, err := ParseEntries(nil, nil); itsm.ErrorCode(err) != itsm.EINVALID {
		t.Fatalf("no entries: %v", err)
	}
}

func TestCSVRowMasksSecrets(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	c := &itsm.Check{ID: 7, Name: "Portal", Service: "Portal", Kind: "http", URL: "https://example.org/", Method: "GET",
		Headers:  []itsm.CheckHeader{{Name: "Authorization", Value: "Bearer s3cret"}, {Name: "Accept", Value: "text/html"}},
		Interval: 30 * time.Second, Timeout: 5 * time.Second, Enabled: true, LastCheckedAt: &now, LastLatency: 120 * time.Millisecond, Version: 3}
	row := CSVRow(c)
	if len(row) != len(CSVColumns) {
		t.Fatalf("%d cells for %d columns", len(row), len(CSVColumns))
	}
	cell := func(col string) string { return row[slices.Index(CSVColumns, col)] }
	if strings.Contains(strings.Join(row, ","), "s3cret") || cell("headers") != "Authorization: ********; Accept: text/html" {
		t.Fatalf("headers: %q", cell("headers"))
	}
	if cell("interval") != "30s" || cell("last_latency_ms") != "120" || cell("last_checked_at") != "2026-03-02T10:00:00Z" {
		t.Fatalf("row: %v", row)
	}
	// Every definition column is a field a file may use.
	for _, col := range CSVColumns[1:27] {
		if col != "organisation" && col != "provider" && !slices.Contains(Fields, col) {
			t.Errorf("column %s is not a file field", col)
		}
	}
}

// pagedOrgs serves organisations three at a time, as a store pages them.
type pagedOrgs struct {
	itsm.OrganisationService
	all []*itsm.Organisation
}

func (p pagedOrgs) FindOrganisations(_ context.Context, f itsm.OrganisationFilter) ([]*itsm.Organisation, int, error) {
	end := min(f.Offset+3, len(p.all))
	return p.all[f.Offset:end], len(p.all), nil
}

func TestOrganisationsReadsEveryPage(t *testing.T) {
	var all []*itsm.Organisation
	for i := range 8 {
		all = append(all, &itsm.Organisation{ID: int64(i + 1), Name: fmt.Sprintf("Org %d", i+1), Kind: itsm.OrgProvider})
	}
	got, err := Organisations(context.Background(), pagedOrgs{all: all})
	if err != nil || len(got) != 8 || got[7].Name != "Org 8" {
		t.Fatalf("read %d organisations: %v", len(got), err)
	}
	res, err := Parse([]byte("- {name: A, service: S, kind: tcp, address: 'a.example.org:1', provider: org 8}\n"), YAML, got)
	if err != nil || len(res.Checks) != 1 || *res.Checks[0].ProviderID != 8 {
		t.Fatalf("the last page's provider: %+v %v", res, err)
	}
}
