package pdf

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/sohoa/sohoa/pdf/pdfread"
)

// ErrNotPDF is returned for input that is not a PDF at all.
var ErrNotPDF = errors.New("not a PDF file")

// maxVerifyRange bounds how many bytes one signature's ranges may cover, so
// that a crafted /ByteRange cannot make Verify read forever.
const maxVerifyRange = 4 << 30

// maxAnalysed bounds how many signatures get their later revisions compared
// object by object; a file with more gets no good signature verdict.
const maxAnalysed = 100

// pdfObjects is the little Verify needs from a parsed PDF: a *pdfread.Doc,
// or a revView (the file as it stood at the end of one revision).
type pdfObjects interface {
	Resolve(o types.Object) (types.Object, error)
	// Stream returns the decoded content of a stream object, at most limit bytes.
	Stream(o types.Object, limit int64) ([]byte, error)
}

// docParts is the trailer-level view of a file.
type docParts struct {
	src       pdfObjects
	root      types.Dict
	info      types.Dict
	idOK      bool
	encrypted bool
}

func verify(ctx context.Context, r io.ReaderAt, size int64, opts VerifyOptions) (rep *Report, err error) {
	defer func() {
		if p := recover(); p != nil {
			rep, err = nil, fmt.Errorf("pdf: verify: malformed PDF (%v)", p)
		}
	}()
	head := make([]byte, min(size, 1024))
	if _, err := r.ReadAt(head, 0); err != nil && err != io.EOF {
		return nil, fmt.Errorf("pdf: verify: %w", err)
	}
	hi := bytes.Index(head, []byte("%PDF-"))
	if hi < 0 {
		return nil, fmt.Errorf("pdf: verify: %w", ErrNotPDF)
	}
	var roots *x509.CertPool
	if len(opts.TrustPEM) > 0 {
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(opts.TrustPEM) {
			return nil, errors.New("pdf: verify: no certificate in the trust PEM")
		}
	}
	rep = &Report{}
	rep.Size = size
	if m := reHeader.FindSubmatch(head[hi:]); m != nil {
		rep.Version = string(m[1])
	}

	var d docParts
	doc, err := pdfread.Open(r, size)
	if err != nil {
		return nil, fmt.Errorf("pdf: verify: %w", err)
	}
	d.src = doc
	if d.root, err = doc.Root(); err != nil {
		return nil, fmt.Errorf("pdf: verify: malformed PDF: %w", err)
	}
	if inf, ok := doc.Trailer.Find("Info"); ok {
		d.info, _ = pdfread.DictOf(doc, inf)
	}
	id, _ := pdfread.ArrayOf(doc, doc.Trailer["ID"])
	d.idOK = len(id) == 2
	_, d.encrypted = doc.Trailer.Find("Encrypt")
	if !doc.Lazy && doc.Version != "" {
		rep.Version = doc.Version
	}
	rep.Encrypted = d.encrypted
	eofs, err := pdfread.EOFMarkers(r, size)
	if err != nil {
		return nil, fmt.Errorf("pdf: verify: %w", err)
	}
	rep.Revisions = len(eofs)
	// The revisions one by one, for what each signature covers and what
	// came after it. A file whose chain of cross-reference sections cannot
	// be followed gets no signature verdict better than "cannot tell".
	revs, revErr := pdfread.Revisions(r, size)
	if revErr == nil {
		rep.Revisions = len(revs)
	}

	if dss, err := pdfread.DictOf(d.src, d.root["DSS"]); err == nil {
		for key, kind := range map[string]string{"OCSPs": "ocsp", "CRLs": "crl"} {
			if a, err := pdfread.ArrayOf(d.src, dss[key]); err == nil && len(a) > 0 {
				if rep.ValidationData == nil {
					rep.ValidationData = map[string]int{}
				}
				rep.ValidationData[kind] = len(a)
			}
		}
	}
	fonts := checkPages(ctx, d.src, d.root, rep)
	checkPDFA(d, rep, fonts)

	for _, f := range sigFields(d.src, d.root) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s := checkSignature(d.src, f, r, size, revs, roots)
		if revErr == nil && s.Revision > 0 && len(rep.Signatures) < maxAnalysed {
			s.Changes = changesAfter(r, size, revs, s.Revision-1)
			if s.DocMDP = docMDP(d.src, f.v); s.DocMDP == 1 {
				// A certification that permits nothing: every later
				// revision, even a further signature, breaks it.
				for i := range s.Changes {
					s.Changes[i].Allowed = false
				}
				if len(s.Changes) > 0 {
					s.Changes = append([]Change{{What: "the certifying signature permits no change after it (DocMDP P=1)",
						WhatVI: "chữ ký chứng nhận không cho phép thay đổi nào sau nó (DocMDP P=1)"}}, s.Changes...)
				}
			}
			for _, c := range s.Changes {
				if !c.Allowed {
					s.ModifiedAfter = true
				}
			}
		}
		rep.Signatures = append(rep.Signatures, s)
	}
	rep.judge(opts, revErr)
	return rep, nil
}
