package store_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"image"
	"image/png"
	"testing"
)

// Test files, made in code so that each is exactly what its test needs.

// mustZip builds a zip archive of the named entries, deflated unless
// stored is set for a name.
func mustZip(tb testing.TB, entries [][2]string, stored ...string) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		method := zip.Deflate
		for _, s := range stored {
			if s == e[0] {
				method = zip.Store
			}
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e[0], Method: method})
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := w.Write([]byte(e[1])); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// docx is a minimal Word document with the parts a sniffer looks for,
// padded with a stored (incompressible-looking) part of extra bytes.
func docx(tb testing.TB, extra int) []byte {
	pad := make([]byte, extra)
	for i := range pad {
		pad[i] = byte(i*7919 + i/251)
	}
	return mustZip(tb, [][2]string{
		{"[Content_Types].xml", `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`},
		{"word/document.xml", `<?xml version="1.0"?><w:document/>`},
		{"word/media/padding.bin", string(pad)},
	}, "word/media/padding.bin")
}

// odt is a minimal OpenDocument text file: its first entry is the stored
// mimetype.
func odt(tb testing.TB, mimetype string) []byte {
	return mustZip(tb, [][2]string{{"mimetype", mimetype}, {"content.xml", "<office:document-content/>"}}, "mimetype")
}

// zipBomb is a "Word document" whose one part expands from a few hundred
// kilobytes to 600 MB of zeros: it passes every check but its sizes.
func zipBomb(tb testing.TB) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"[Content_Types].xml", "word/document.xml"} {
		w, _ := zw.Create(name)
		_, _ = w.Write([]byte("<x/>"))
	}
	w, err := zw.Create("word/media/zeros.bin")
	if err != nil {
		tb.Fatal(err)
	}
	zeros := make([]byte, 1<<20)
	for range 600 {
		if _, err := w.Write(zeros); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// pngImage is a real 2×2 PNG.
func pngImage(tb testing.TB) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 2, 2))); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// pdfWithText is a minimal, valid one-page PDF showing text in Helvetica,
// with a correct cross-reference table.
func pdfWithText(text string) []byte {
	stream := fmt.Sprintf("BT /F1 12 Tf 72 720 Td (%s) Tj ET", text)
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(stream), stream),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}
