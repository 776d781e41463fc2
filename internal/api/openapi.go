package api

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"slices"
)

// openapiJSON is the root of the hand-written OpenAPI 3.1 document: info,
// the shared components, and the paths of accounts, organisations and the
// audit log. It is written by hand, not generated from the Go types, so
// that the conformance tests compare two independent descriptions: every
// route in the table must be in it and every response the tests see must
// match its schemas.
//
//go:embed openapi.json
var openapiJSON []byte

// openapiParts are the rest of the document, one file per area (tickets,
// problems, escalations, SLA), each holding tags, paths and components to
// merge into the root, so that no one file grows past reading.
//
//go:embed openapi/*.json
var openapiParts embed.FS

// openAPISource merges the parts into the root and returns the whole
// document. A part that names a path or component already defined is an
// error, so that no part silently replaces another's.
func openAPISource() ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(openapiJSON, &doc); err != nil {
		return nil, fmt.Errorf("parse embedded openapi.json: %w", err)
	}
	names, err := fs.Glob(openapiParts, "openapi/*.json")
	if err != nil {
		return nil, fmt.Errorf("list openapi parts: %w", err)
	}
	slices.Sort(names)
	for _, name := range names {
		b, err := openapiParts.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		var part map[string]any
		if err := json.Unmarshal(b, &part); err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		if err := mergePart(doc, part); err != nil {
			return nil, fmt.Errorf("merge %s: %w", name, err)
		}
	}
	return json.Marshal(doc)
}

// mergePart adds a part's tags, paths and components to doc.
func mergePart(doc, part map[string]any) error {
	for key, v := range part {
		switch key {
		case "tags":
			tags, _ := doc["tags"].([]any)
			more, ok := v.([]any)
			if !ok {
				return fmt.Errorf("tags is not a list")
			}
			doc["tags"] = append(tags, more...)
		case "paths":
			if err := mergeObject(doc, "paths", v, "paths"); err != nil {
				return err
			}
		case "components":
			sections, ok := v.(map[string]any)
			if !ok {
				return fmt.Errorf("components is not an object")
			}
			components, _ := doc["components"].(map[string]any)
			if components == nil {
				components = map[string]any{}
				doc["components"] = components
			}
			for section, entries := range sections {
				if err := mergeObject(components, section, entries, "components."+section); err != nil {
					return err
				}
			}
		default:
			return fmt.Errorf("a part may hold only tags, paths and components, not %q", key)
		}
	}
	return nil
}

// mergeObject adds the entries of the object v to dst[key], refusing
// duplicates.
func mergeObject(dst map[string]any, key string, v any, where string) error {
	more, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("%s is not an object", where)
	}
	into, _ := dst[key].(map[string]any)
	if into == nil {
		into = map[string]any{}
		dst[key] = into
	}
	for k, entry := range more {
		if _, dup := into[k]; dup {
			return fmt.Errorf("%s.%s is defined twice", where, k)
		}
		into[k] = entry
	}
	return nil
}

// openAPIDocument returns the document to serve, with info.version set to
// Steward's version when one is given.
func openAPIDocument(version string) ([]byte, error) {
	src, err := openAPISource()
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("parse openapi document: %w", err)
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
