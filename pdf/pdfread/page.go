package pdfread

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// Page is one page of a Doc with the attributes it inherits from the
// page tree already applied.
type Page struct {
	Number int               // 1-based
	Ref    types.IndirectRef // the page object
	Dict   types.Dict        // the page object itself (no inherited keys added)
	// MediaBox and CropBox are the page's own or the nearest ancestor's;
	// nil when neither has one.
	MediaBox, CropBox *types.Rectangle
	Rotate            int        // /Rotate, own or inherited; 0 when none
	Resources         types.Dict // own or inherited (resolved); nil when none
}

// maxTreeDepth bounds the page tree walk against crafted files.
const maxTreeDepth = 32

// Page finds page n (1-based) by walking the page tree from the catalog,
// using each intermediate node's /Count to skip whole subtrees.
func (d *Doc) Page(n int) (*Page, error) {
	if n < 1 {
		return nil, fmt.Errorf("pdfread: page %d", n)
	}
	root, err := d.Root()
	if err != nil {
		return nil, err
	}
	node, ok := root.Find("Pages")
	if !ok {
		return nil, errors.New("pdfread: catalog without /Pages")
	}
	p := &Page{Number: n}
	left := n // pages still to skip, counting the one wanted
	for depth := 0; ; depth++ {
		ir, ok := node.(types.IndirectRef)
		if !ok || depth > maxTreeDepth {
			return nil, errors.New("pdfread: malformed page tree")
		}
		nd, err := d.Dict(ir)
		if err != nil {
			return nil, err
		}
		if err := d.inherit(p, nd); err != nil {
			return nil, err
		}
		if isPage(nd) {
			if left != 1 {
				return nil, fmt.Errorf("pdfread: no page %d", n)
			}
			p.Ref, p.Dict = ir, nd
			return p, nil
		}
		kids, err := d.Array(nd["Kids"])
		if err != nil || len(kids) == 0 {
			return nil, errors.New("pdfread: empty page tree")
		}
		next := types.Object(nil)
		for _, k := range kids {
			kd, err := d.Dict(k)
			if err != nil {
				return nil, err
			}
			count := 1
			if !isPage(kd) {
				c := kd.IntEntry("Count")
				if c == nil || *c < 0 {
					return nil, errors.New("pdfread: page tree node without /Count")
				}
				count = *c
			}
			if left <= count {
				next = k
				break
			}
			left -= count
		}
		if next == nil {
			return nil, fmt.Errorf("pdfread: no page %d", n)
		}
		node = next
	}
}

// isPage tells a leaf of the page tree from an intermediate node.
func isPage(d types.Dict) bool {
	if t := d.Type(); t != nil {
		return *t == "Page"
	}
	_, kids := d.Find("Kids")
	return !kids
}

// inherit takes node's inheritable attributes: the deeper node wins.
func (d *Doc) inherit(p *Page, node types.Dict) error {
	box := func(key string) (*types.Rectangle, error) {
		o, ok := node.Find(key)
		if !ok {
			return nil, nil
		}
		a, err := d.Array(o)
		if err != nil || len(a) != 4 {
			return nil, nil // ignored, as readers do
		}
		r := make(types.Array, 4)
		for i, v := range a {
			if r[i], err = d.Resolve(v); err != nil {
				return nil, err
			}
		}
		return types.RectForArray(r), nil
	}
	if r, err := box("MediaBox"); err != nil {
		return err
	} else if r != nil {
		p.MediaBox = r
	}
	if r, err := box("CropBox"); err != nil {
		return err
	} else if r != nil {
		p.CropBox = r
	}
	if o, ok := node.Find("Rotate"); ok {
		if v, err := d.Number(o); err == nil {
			p.Rotate = int(v)
		}
	}
	if o, ok := node.Find("Resources"); ok {
		if r, err := d.Dict(o); err == nil {
			p.Resources = r
		}
	}
	return nil
}

// Content returns the page's content: its content streams decoded and
// joined by newlines, at most limit bytes each. A page without /Contents
// has empty content.
func (d *Doc) Content(p *Page, limit int64) ([]byte, error) {
	o, ok := p.Dict.Find("Contents")
	if !ok {
		return nil, nil
	}
	refs := types.Array{o}
	if _, isRef := o.(types.IndirectRef); isRef {
		if r, err := d.Resolve(o); err == nil {
			if a, ok := r.(types.Array); ok { // a reference to an array of streams
				refs = a
			}
		}
	} else if a, ok := o.(types.Array); ok {
		refs = a
	}
	var out bytes.Buffer
	for _, r := range refs {
		s, err := d.Stream(r, limit)
		if err != nil {
			return nil, fmt.Errorf("page %d content: %w", p.Number, err)
		}
		out.Write(s)
		out.WriteByte('\n')
	}
	return out.Bytes(), nil
}
