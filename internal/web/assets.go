package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"time"
)

// static holds the design system (vendored, MIT) and Steward's own small
// script and style sheet. Nothing is ever loaded from outside the binary.
//
//go:embed static
var staticFS embed.FS

// asset is one embedded file and the hash that names its version.
type asset struct {
	body []byte
	hash string
	kind string
}

// assets serves static files at /static/<hash>/<path>. The hash is of the
// file's content, so a URL names one version for ever and may be cached for
// a year; a release that changes a file changes its URL.
type assets struct {
	files map[string]*asset
}

func newAssets(fsys fs.FS) (*assets, error) {
	a := &assets{files: map[string]*asset{}}
	err := fs.WalkDir(fsys, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		kind := mime.TypeByExtension(path.Ext(p))
		if kind == "" {
			kind = "application/octet-stream"
		}
		rel := p[len("static/"):]
		a.files[rel] = &asset{body: b, hash: hex.EncodeToString(sum[:8]), kind: kind}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("hash static assets: %w", err)
	}
	return a, nil
}

// URL returns the content-hashed URL of a static file; templates call it as
// {{static "app.css"}}. An unknown file is an error, so a typo fails the
// page's render (and its test) instead of shipping a broken link.
func (a *assets) URL(p string) (string, error) {
	f, ok := a.files[p]
	if !ok {
		return "", fmt.Errorf("no static asset %q", p)
	}
	return "/static/" + f.hash + "/" + p, nil
}

// serveAsset serves a static file. A current hash is cached immutably; an
// old one (a page from before a release) still gets the file, uncached.
func (s *Server) serveAsset(w http.ResponseWriter, r *http.Request) {
	f, ok := s.assets.files[r.PathValue("path")]
	if !ok {
		s.serveError(w, r, errPageNotFound)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.kind)
	if r.PathValue("hash") == f.hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	h.Set("ETag", `"`+f.hash+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.body))
}
