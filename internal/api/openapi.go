package api

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
)

// openapiJSON is the hand-written OpenAPI 3.1 document. It is written by
// hand, not generated from the Go types, so that the conformance tests
// compare two independent descriptions: every route in the table must be in
// it and every response the tests see must match its schemas.
//
//go:embed openapi.json
var openapiJSON []byte

// openAPIDocument returns the document to serve, with info.version set to
// Steward's version when one is given.
func openAPIDocument(version string) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(openapiJSON, &doc); err != nil {
		return nil, fmt.Errorf("parse embedded openapi.json: %w", err)
	}
	if version != "" {
		info, ok := doc["info"].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("embedded openapi.json has no info object")
		}
		info["version"] = version
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode openapi.json: %w", err)
	}
	return append(b, '\n'), nil
}

// getOpenAPI serves GET /api/openapi.json to anyone.
func (a *API) getOpenAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(a.openapi)
	return nil
}
