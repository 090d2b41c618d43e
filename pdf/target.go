package pdf

import (
	"errors"
	"io"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/sohoa/sohoa/pdf/pdfread"
)

// signTarget is what an incremental signature update needs from a file.
type signTarget struct {
	size     int // trailer /Size
	rootRef  types.IndirectRef
	root     types.Dict
	info     *types.IndirectRef
	id       types.Array
	pageRef  types.IndirectRef
	page     types.Dict
	mediaBox *types.Rectangle
	acro     types.Dict // a copy, empty when the file has no form
	fields   types.Array
	annots   types.Array
	doc      *pdfread.Doc // for what only some updates need (attachments)
}

// readTarget reads the signing target lazily where it can (signing needs
// only the trailer, the catalog and page 1, so a 500-page file is never
// loaded whole) and asks pdfcpu for a second reading when the lazy reader
// trips over an object.
func readTarget(r io.ReaderAt, size int64) (*signTarget, error) {
	doc, err := pdfread.Open(r, size)
	if err != nil {
		return nil, err
	}
	t, err := target(doc)
	if err != nil && doc.Lazy {
		if doc, err = pdfread.OpenWhole(r, size); err != nil {
			return nil, err
		}
		t, err = target(doc)
	}
	return t, err
}

func target(d *pdfread.Doc) (*signTarget, error) {
	t := &signTarget{doc: d}
	sz := d.Trailer.IntEntry("Size")
	rr := d.Trailer.IndirectRefEntry("Root")
	if sz == nil || rr == nil {
		return nil, errors.New("pdf: trailer without /Size or /Root")
	}
	t.size, t.rootRef = *sz, *rr
	t.info = d.Trailer.IndirectRefEntry("Info")
	t.id = d.Trailer.ArrayEntry("ID")
	var err error
	if t.root, err = d.Root(); err != nil {
		return nil, err
	}
	page, err := d.Page(1)
	if err != nil {
		return nil, err
	}
	t.pageRef, t.page, t.mediaBox = page.Ref, page.Dict, page.MediaBox
	t.acro = types.Dict{}
	if a, ok := t.root.Find("AcroForm"); ok {
		ad, err := d.Dict(a)
		if err != nil {
			return nil, err
		}
		t.acro = ad.Clone().(types.Dict)
		if f, ok := ad.Find("Fields"); ok {
			if t.fields, err = d.Array(f); err != nil {
				return nil, err
			}
		}
	}
	if a, ok := t.page.Find("Annots"); ok {
		if t.annots, err = d.Array(a); err != nil {
			return nil, err
		}
	}
	return t, nil
}
