package pdfread

import (
	"fmt"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// wholeDoc is a file pdfcpu parsed whole.
type wholeDoc struct{ xt *model.XRefTable }

func (w wholeDoc) resolve(ir types.IndirectRef) (types.Object, error) {
	return w.xt.Dereference(ir)
}

func (w wholeDoc) stream(o types.Object, limit int64) (out []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("pdfread: stream filter failed: %v", p)
		}
	}()
	sd, _, err := w.xt.DereferenceStreamDict(o)
	if err != nil || sd == nil {
		return nil, fmt.Errorf("not a stream: %v", err)
	}
	if err := sd.DecodeWithLimit(limit); err != nil {
		return nil, err
	}
	return sd.Content, nil
}
