package store

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ledongthuc/pdf"

	"github.com/steward-itsm/steward/internal/itsm"
)

// Limits on the archives inside OOXML and OpenDocument files, read from the
// zip's central directory without extracting anything: a file that would
// expand past them is refused as a zip bomb.
const (
	maxZipEntries      = 10000
	maxZipUncompressed = 512 << 20 // in total
	maxZipRatio        = 100       // total uncompressed size ÷ file size
	maxZipEntryRatio   = 1000      // one entry's uncompressed ÷ compressed size
)

// maxSearchText is how much of a file's text is kept for searching.
const maxSearchText = 200 << 10

var (
	magicPDF  = []byte("%PDF-")
	magicZip  = []byte("PK\x03\x04")
	magicOLE2 = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
)

// ooxmlParts names the folder every OOXML file of a type must contain.
var ooxmlParts = map[string]string{
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   "word/",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         "xl/",
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": "ppt/",
}

func lyingType(ct string) error {
	name := strings.TrimSpace(strings.Split(ct, ";")[0])
	msg := "The file's content does not match its name: it is not really a " + typeNoun(name) + ". Check you chose the right file."
	return &itsm.Error{Code: itsm.EINVALID, Message: msg, Fields: map[string]string{"file": msg}}
}

func typeNoun(ct string) string {
	switch {
	case ct == "application/pdf":
		return "PDF"
	case strings.Contains(ct, "wordprocessingml"), ct == "application/msword":
		return "Word document"
	case strings.Contains(ct, "spreadsheetml"), ct == "application/vnd.ms-excel":
		return "Excel workbook"
	case strings.Contains(ct, "presentationml"), ct == "application/vnd.ms-powerpoint":
		return "PowerPoint presentation"
	case strings.Contains(ct, "opendocument"):
		return "OpenDocument file"
	case ct == "text/markdown":
		return "Markdown file"
	case ct == "text/plain":
		return "text file"
	case strings.HasPrefix(ct, "image/"):
		return strings.ToUpper(strings.TrimPrefix(ct, "image/")) + " image"
	}
	return ct + " file"
}

// checkDocumentContent refuses a file whose bytes belie the type its name
// claims (http.DetectContentType plus the magic numbers of PDF, zip and OLE2
// files), and an OOXML or OpenDocument archive that is malformed or would
// expand too far.
func (db *DB) checkDocumentContent(ctx context.Context, ct string, b *blobInfo) error {
	if b.size == 0 {
		msg := "The file is empty."
		return &itsm.Error{Code: itsm.EINVALID, Message: msg, Fields: map[string]string{"file": msg}}
	}
	base := strings.TrimSpace(strings.Split(ct, ";")[0])
	sniffed := http.DetectContentType(b.head)
	switch {
	case base == "application/pdf":
		if !bytes.HasPrefix(b.head, magicPDF) {
			return lyingType(ct)
		}
	case base == "text/markdown", base == "text/plain":
		if b.hasNUL || !strings.HasPrefix(sniffed, "text/plain") || !utf8.Valid(trimPartialRune(b.head)) {
			return lyingType(ct)
		}
	case strings.HasPrefix(base, "image/"):
		if sniffed != base {
			return lyingType(ct)
		}
	case base == "application/msword", base == "application/vnd.ms-excel", base == "application/vnd.ms-powerpoint":
		if !bytes.HasPrefix(b.head, magicOLE2) {
			return lyingType(ct)
		}
	case ooxmlParts[base] != "", strings.Contains(base, "opendocument"):
		if !bytes.HasPrefix(b.head, magicZip) {
			return lyingType(ct)
		}
		return db.checkArchive(ctx, base, b)
	default:
		return lyingType(ct)
	}
	return nil
}

// trimPartialRune drops a multi-byte character cut off at the end of a
// sniffed head, so that a valid file is not called invalid.
func trimPartialRune(p []byte) []byte {
	for i := 0; i < utf8.UTFMax && len(p) > 0; i++ {
		if r, _ := utf8.DecodeLastRune(p); r != utf8.RuneError {
			return p
		}
		p = p[:len(p)-1]
	}
	return p
}

// checkArchive reads the zip's central directory (from the end of the
// stored file, a chunk at a time) and checks its declared sizes and its
// parts, extracting nothing but an OpenDocument's few-byte mimetype.
func (db *DB) checkArchive(ctx context.Context, ct string, b *blobInfo) error {
	zr, err := zip.NewReader(&blobReaderAt{db: db, ctx: ctx, id: b.id, size: b.size}, b.size)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return lyingType(ct)
	}
	bomb := func() error {
		msg := "The file would expand to far more than its size when opened, like a zip bomb, so it has been refused."
		return &itsm.Error{Code: itsm.EINVALID, Message: msg, Fields: map[string]string{"file": msg}}
	}
	if len(zr.File) > maxZipEntries {
		return bomb()
	}
	var total uint64
	hasTypes, hasPart := false, false
	var mimetype *zip.File
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if total > maxZipUncompressed || f.UncompressedSize64 > maxZipUncompressed {
			return bomb()
		}
		if f.UncompressedSize64 > 1<<20 && (f.CompressedSize64 == 0 || f.UncompressedSize64/f.CompressedSize64 > maxZipEntryRatio) {
			return bomb()
		}
		if strings.Contains(f.Name, "..") || strings.HasPrefix(f.Name, "/") {
			return lyingType(ct)
		}
		switch {
		case f.Name == "[Content_Types].xml":
			hasTypes = true
		case f.Name == "mimetype":
			mimetype = f
		}
		if p := ooxmlParts[ct]; p != "" && strings.HasPrefix(f.Name, p) {
			hasPart = true
		}
	}
	if total > 1<<20 && total/uint64(b.size) > maxZipRatio {
		return bomb()
	}
	if ooxmlParts[ct] != "" {
		if !hasTypes || !hasPart {
			return lyingType(ct)
		}
		return nil
	}
	if mimetype == nil || mimetype.UncompressedSize64 > 100 {
		return lyingType(ct)
	}
	rc, err := mimetype.Open()
	if err != nil {
		return lyingType(ct)
	}
	defer rc.Close()
	got, err := io.ReadAll(io.LimitReader(rc, 100))
	if err != nil || strings.TrimSpace(string(got)) != ct {
		return lyingType(ct)
	}
	return nil
}

// extractText returns a file's searchable text: Markdown and plain text as
// they are, a PDF's text where it can be extracted in pure Go, nothing for
// other types. It never fails: a PDF whose text cannot be extracted is
// logged and stays searchable by its title, summary and tags.
func (db *DB) extractText(ctx context.Context, ct string, b *blobInfo) string {
	base := strings.TrimSpace(strings.Split(ct, ";")[0])
	switch base {
	case "text/markdown", "text/plain":
		data, err := io.ReadAll(io.LimitReader(db.openBlob(ctx, b.id, b.size, b.sha256), maxSearchText))
		if err != nil && err != io.EOF {
			slog.WarnContext(ctx, "read document text", "blob", b.id, "error", err)
		}
		return strings.ToValidUTF8(string(data), "")
	case "application/pdf":
		return db.pdfText(ctx, b)
	}
	return ""
}

// pdfText extracts a PDF's text within a time limit, recovering from the
// parser's panics on malformed files.
func (db *DB) pdfText(ctx context.Context, b *blobInfo) (text string) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			slog.WarnContext(ctx, "extract PDF text: the parser failed", "blob", b.id, "panic", fmt.Sprint(p))
			text = ""
		}
	}()
	r, err := pdf.NewReader(&blobReaderAt{db: db, ctx: ctx, id: b.id, size: b.size}, b.size)
	if err != nil {
		slog.WarnContext(ctx, "extract PDF text: cannot open the PDF", "blob", b.id, "error", err)
		return ""
	}
	tr, err := r.GetPlainText()
	if err != nil {
		slog.WarnContext(ctx, "extract PDF text", "blob", b.id, "error", err)
		return ""
	}
	data, err := io.ReadAll(io.LimitReader(tr, maxSearchText))
	if err != nil {
		slog.WarnContext(ctx, "extract PDF text", "blob", b.id, "error", err)
	}
	return strings.ToValidUTF8(strings.Join(strings.Fields(string(data)), " "), "")
}
