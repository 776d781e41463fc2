package web

import (
	"bytes"
	"html/template"
	"regexp"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// markdownRenderer turns what people write on tickets (descriptions,
// replies, notes) into HTML that is safe to put on a page. Two layers keep
// it inert: goldmark renders without raw HTML (it is dropped) and without
// dangerous link targets (javascript: and the like lose their href), then
// bluemonday's user-generated-content policy removes anything a parser
// quirk let through. Headings move down under the page's own, images
// become links (nothing is loaded from outside the binary) and every link
// gets rel="nofollow noopener".
type markdownRenderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

func newMarkdownRenderer() *markdownRenderer {
	md := goldmark.New(
		goldmark.WithExtensions(extension.Linkify, extension.Strikethrough),
		goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(ticketTextTransformer{}, 100))),
		// No html.WithUnsafe: dangerous URLs are dropped, and HTML is
		// shown as the text it is rather than rendered.
		goldmark.WithRendererOptions(renderer.WithNodeRenderers(util.Prioritized(htmlAsText{}, 100))),
	)
	p := bluemonday.UGCPolicy()
	p.AllowAttrs("rel").Matching(regexp.MustCompile(`^noopener$`)).OnElements("a")
	p.RequireNoFollowOnLinks(true)
	p.AllowURLSchemes("http", "https", "mailto")
	return &markdownRenderer{md: md, policy: p}
}

// markdown is the renderer every page uses; it holds no per-request state
// and is safe for concurrent use.
var markdown = newMarkdownRenderer()

// Render returns src as sanitised HTML. A failure to render (which
// goldmark does not do for any input) falls back to the escaped text.
func (m *markdownRenderer) Render(src string) template.HTML {
	var buf bytes.Buffer
	if err := m.md.Convert([]byte(src), &buf); err != nil {
		return template.HTML("<p>" + template.HTMLEscapeString(src) + "</p>")
	}
	return template.HTML(m.policy.SanitizeBytes(buf.Bytes()))
}

// htmlAsText renders the HTML people type (an error page, an XML
// message from a finance system) as escaped text, inline or as a block of
// preformatted text, rather than dropping it as goldmark does by default:
// it is often the most useful part of a ticket.
type htmlAsText struct{}

func (htmlAsText) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindRawHTML, func(w util.BufWriter, source []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			segs := n.(*ast.RawHTML).Segments
			for i := 0; i < segs.Len(); i++ {
				seg := segs.At(i)
				_, _ = w.Write(util.EscapeHTML(seg.Value(source)))
			}
		}
		return ast.WalkSkipChildren, nil
	})
	reg.Register(ast.KindHTMLBlock, func(w util.BufWriter, source []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		b := n.(*ast.HTMLBlock)
		if entering {
			_, _ = w.WriteString("<pre><code>")
			for i := 0; i < b.Lines().Len(); i++ {
				line := b.Lines().At(i)
				_, _ = w.Write(util.EscapeHTML(line.Value(source)))
			}
			return ast.WalkContinue, nil
		}
		if b.HasClosure() {
			closure := b.ClosureLine
			_, _ = w.Write(util.EscapeHTML(closure.Value(source)))
		}
		_, _ = w.WriteString("</code></pre>\n")
		return ast.WalkContinue, nil
	})
}

// ticketTextTransformer fits a person's Markdown into a ticket page: its
// headings start at level 3 (under the page's h1 and the section's h2),
// images are turned into links to them, and links are marked noopener.
type ticketTextTransformer struct{}

func (ticketTextTransformer) Transform(doc *ast.Document, reader text.Reader, _ parser.Context) {
	var images []*ast.Image
	var unsafe []ast.Node
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch x := n.(type) {
		case *ast.Heading:
			x.Level = min(x.Level+2, 6)
		case *ast.Image:
			images = append(images, x)
		case *ast.Link:
			if html.IsDangerousURL(x.Destination) {
				unsafe = append(unsafe, x)
			}
			x.SetAttributeString("rel", []byte("noopener"))
		case *ast.AutoLink:
			if html.IsDangerousURL(x.URL(reader.Source())) {
				unsafe = append(unsafe, x)
			}
			x.SetAttributeString("rel", []byte("noopener"))
		}
		return ast.WalkContinue, nil
	})
	// An image becomes a link to it (or, at a dangerous address or inside
	// a link already, just its description); a javascript: (or data:, vbscript:) link keeps its
	// words but is no longer a link.
	for _, img := range images {
		if html.IsDangerousURL(img.Destination) || insideLink(img) {
			unsafe = append(unsafe, img)
			continue
		}
		link := ast.NewLink()
		link.Destination, link.Title = img.Destination, img.Title
		link.SetAttributeString("rel", []byte("noopener"))
		for c := img.FirstChild(); c != nil; {
			next := c.NextSibling()
			link.AppendChild(link, c)
			c = next
		}
		if !link.HasChildren() {
			link.AppendChild(link, ast.NewString(img.Destination))
		}
		img.Parent().ReplaceChild(img.Parent(), img, link)
	}
	for _, n := range unsafe {
		parent := n.Parent()
		if a, ok := n.(*ast.AutoLink); ok {
			parent.ReplaceChild(parent, n, ast.NewString(a.Label(reader.Source())))
			continue
		}
		for c := n.FirstChild(); c != nil; {
			next := c.NextSibling()
			parent.InsertBefore(parent, n, c)
			c = next
		}
		parent.RemoveChild(parent, n)
	}
}

// insideLink reports whether n is within a link.
func insideLink(n ast.Node) bool {
	for p := n.Parent(); p != nil; p = p.Parent() {
		if _, ok := p.(*ast.Link); ok {
			return true
		}
	}
	return false
}
