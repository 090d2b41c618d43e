package pdf

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/sohoa/sohoa/pdf/pdfread"
)

// Change is one thing a later revision did to the document after a
// signature: an object it replaced or removed, or what it added through
// them (a signature field, validation data).
type Change struct {
	Object  int    `json:"object"`         // object number; 0 for the file or the trailer
	Page    int    `json:"page,omitempty"` // the page it belongs to, when it belongs to one
	Allowed bool   `json:"allowed"`        // what PAdES and ISO 32000 let a later signer add
	What    string `json:"what"`
	WhatVI  string `json:"what_vi"`
}

// The keys a later revision may change, by the role of the object in the
// signed revision. Everything else (page contents, resources, the page
// tree, names, actions, XMP) changes what the signer saw.
var (
	allowedCatalogKeys  = map[string]bool{"AcroForm": true, "DSS": true, "Version": true, "Extensions": true}
	allowedAcroFormKeys = map[string]bool{"Fields": true, "SigFlags": true, "DA": true, "DR": true, "NeedAppearances": true}
	allowedInfoKeys     = map[string]bool{"ModDate": true, "Producer": true}
	allowedSigFieldKeys = map[string]bool{"V": true, "AP": true, "MK": true}
	dssKeys             = map[string]bool{"Type": true, "Certs": true, "OCSPs": true, "CRLs": true, "VRI": true, "TU": true, "TS": true, "Cert": true, "OCSP": true, "CRL": true}
)

// role says what an object was in the signed revision.
type role struct {
	kind string // catalog, info, acroform, fields, page, annots, content, resource, dss, sigfield
	page int
}

// changeAnalysis compares the document as one signature saw it (old) with
// the document as a reader shows it now (cur).
type changeAnalysis struct {
	old, cur *pdfread.View
	roles    map[int]role
	out      []Change
}

// changesAfter lists what the revisions after revs[signed] did.
func changesAfter(r io.ReaderAt, size int64, revs []pdfread.Revision, signed int) []Change {
	last := len(revs) - 1
	a := &changeAnalysis{old: pdfread.NewView(r, size, revs, signed), cur: pdfread.NewView(r, size, revs, last), out: []Change{}}
	if tail := trailingBytes(r, size, revs[last].End); tail > 0 {
		a.add(0, 0, false, fmt.Sprintf("%d bytes after the end of the last revision", tail), fmt.Sprintf("%d byte sau phần kết của phiên bản cuối", tail))
	}
	if signed == last {
		return a.out
	}
	a.mapRoles()
	a.trailer()
	touched := map[int]bool{}
	for _, rev := range revs[signed+1:] {
		for n := range rev.Entries {
			touched[n] = true
		}
	}
	for _, n := range slices.Sorted(maps.Keys(touched)) {
		a.object(n)
	}
	sort.SliceStable(a.out, func(i, j int) bool { return a.out[i].Object < a.out[j].Object })
	return a.out
}

// trailingBytes counts the bytes after end that are not white space.
func trailingBytes(r io.ReaderAt, size, end int64) int64 {
	if end >= size || size-end > 1<<20 {
		return max(0, size-end)
	}
	b := make([]byte, size-end)
	if _, err := r.ReadAt(b, end); err != nil && err != io.EOF {
		return size - end
	}
	if len(bytes.Trim(b, " \r\n\t\f\x00")) == 0 {
		return 0
	}
	return size - end
}

func (a *changeAnalysis) add(obj, page int, allowed bool, en, vi string) {
	for i, c := range a.out {
		if c.Object == obj && c.What == en { // a field is both in the form and on its page
			a.out[i].Page = max(c.Page, page)
			return
		}
	}
	if len(a.out) < 200 {
		a.out = append(a.out, Change{Object: obj, Page: page, Allowed: allowed, What: en, WhatVI: vi})
	}
}

func refNum(o types.Object) int {
	if ir, ok := o.(types.IndirectRef); ok {
		return ir.ObjectNumber.Value()
	}
	return 0
}

// mapRoles walks the signed revision: catalog, form, pages with their
// contents, resources and annotations.
func (a *changeAnalysis) mapRoles() {
	a.roles = map[int]role{}
	set := func(o types.Object, r role) {
		if n := refNum(o); n != 0 {
			if _, ok := a.roles[n]; !ok {
				a.roles[n] = r
			}
		}
	}
	set(a.old.Trailer["Root"], role{kind: "catalog"})
	set(a.old.Trailer["Info"], role{kind: "info"})
	root, err := pdfread.DictOf(a.old, a.old.Trailer["Root"])
	if err != nil {
		return
	}
	set(root["DSS"], role{kind: "dss"})
	if acro, err := pdfread.DictOf(a.old, root["AcroForm"]); err == nil {
		set(root["AcroForm"], role{kind: "acroform"})
		set(acro["Fields"], role{kind: "fields"})
	}
	page := 0
	var walk func(o types.Object, depth int)
	walk = func(o types.Object, depth int) {
		if depth > 64 || page >= maxPages {
			return
		}
		if n := refNum(o); n != 0 {
			if _, seen := a.roles[n]; seen {
				return
			}
		}
		d, err := pdfread.DictOf(a.old, o)
		if err != nil {
			return
		}
		if kids, err := pdfread.ArrayOf(a.old, d["Kids"]); err == nil && pdfread.NameOf(a.old, d, "Type") != "Page" {
			set(o, role{kind: "pages"})
			for _, k := range kids {
				walk(k, depth+1)
			}
			return
		}
		page++
		set(o, role{kind: "page", page: page})
		switch c := d["Contents"].(type) {
		case types.Array:
			for _, x := range c {
				set(x, role{kind: "content", page: page})
			}
		default:
			set(c, role{kind: "content", page: page})
			if arr, err := pdfread.ArrayOf(a.old, c); err == nil {
				for _, x := range arr {
					set(x, role{kind: "content", page: page})
				}
			}
		}
		set(d["Resources"], role{kind: "resource", page: page})
		if res, err := pdfread.DictOf(a.old, d["Resources"]); err == nil {
			for _, k := range []string{"XObject", "Font", "ExtGState", "ColorSpace", "Pattern", "Shading", "Properties"} {
				set(res[k], role{kind: "resource", page: page})
				if sub, err := pdfread.DictOf(a.old, res[k]); err == nil {
					for _, x := range sub {
						set(x, role{kind: "resource", page: page})
					}
				}
			}
		}
		set(d["Annots"], role{kind: "annots", page: page})
		annots, _ := pdfread.ArrayOf(a.old, d["Annots"])
		for _, x := range annots {
			if isSigField(a.old, x) {
				set(x, role{kind: "sigfield", page: page})
			} else {
				set(x, role{kind: "annot", page: page})
			}
		}
	}
	walk(root["Pages"], 0)
}

// isSigField reports whether o is a signature field (or its widget).
func isSigField(v pdfObjects, o types.Object) bool {
	d, err := pdfread.DictOf(v, o)
	if err != nil {
		return false
	}
	for i := 0; i < 8 && d != nil; i++ {
		if pdfread.NameOf(v, d, "FT") == "Sig" {
			return true
		}
		p, ok := d.Find("Parent")
		if !ok {
			return false
		}
		if d, err = pdfread.DictOf(v, p); err != nil {
			return false
		}
	}
	return false
}

func (a *changeAnalysis) trailer() {
	if o, c := a.old.Trailer["Root"], a.cur.Trailer["Root"]; refNum(o) != refNum(c) {
		a.add(refNum(c), 0, false, "the catalog was replaced by another object", "danh mục gốc (catalog) bị thay bằng đối tượng khác")
		if od, err1 := pdfread.DictOf(a.old, o); err1 == nil {
			if cd, err2 := pdfread.DictOf(a.cur, c); err2 == nil {
				a.catalog(refNum(c), od, cd)
			}
		}
	}
	if o, c := a.old.Trailer["Info"], a.cur.Trailer["Info"]; refNum(o) != refNum(c) && c != nil {
		od, _ := pdfread.DictOf(a.old, o)
		if cd, err := pdfread.DictOf(a.cur, c); err == nil {
			a.keys(refNum(c), 0, od, cd, allowedInfoKeys, "document information (Info)", "thông tin tài liệu (Info)")
		}
	}
	if _, was := a.old.Trailer.Find("Encrypt"); !was {
		if _, now := a.cur.Trailer.Find("Encrypt"); now {
			a.add(0, 0, false, "encryption was added", "tệp bị mã hóa sau khi ký")
		}
	}
}

// object judges one object number that a later revision listed.
func (a *changeAnalysis) object(n int) {
	oe, had := a.old.Entry(n)
	ne, has := a.cur.Entry(n)
	if had && oe.Free {
		had = false
	}
	if !had {
		return // new: judged where an old object starts to reference it
	}
	r := a.roles[n]
	if !has || ne.Free {
		en, vi := r.names()
		a.add(n, r.page, false, "object deleted ("+en+")", "đối tượng bị xóa ("+vi+")")
		return
	}
	if oe == ne {
		return
	}
	oo, od, err1 := a.old.Raw(n)
	co, cd, err2 := a.cur.Raw(n)
	if err1 != nil || err2 != nil {
		en, vi := r.names()
		a.add(n, r.page, false, "object unreadable ("+en+")", "không đọc được đối tượng ("+vi+")")
		return
	}
	if samePDF(oo, co) && a.old.Same(od, cd) {
		return // written again unchanged
	}
	oldD, ok1 := oo.(types.Dict)
	curD, ok2 := co.(types.Dict)
	switch {
	case od != nil || cd != nil:
		// A stream's data changed: contents, an image, a font, XMP...
	case r.kind == "catalog" && ok1 && ok2:
		a.catalog(n, oldD, curD)
		return
	case r.kind == "acroform" && ok1 && ok2:
		a.acroForm(n, oldD, curD)
		return
	case r.kind == "info" && ok1 && ok2:
		a.keys(n, 0, oldD, curD, allowedInfoKeys, "document information (Info)", "thông tin tài liệu (Info)")
		return
	case r.kind == "page" && ok1 && ok2:
		a.page(n, r.page, oldD, curD)
		return
	case r.kind == "fields" || r.kind == "annots":
		oa, ok1 := oo.(types.Array)
		ca, ok2 := co.(types.Array)
		if ok1 && ok2 {
			a.grown(n, r.page, oa, ca)
			return
		}
	case (r.kind == "sigfield" || isSigField(a.old, *types.NewIndirectRef(n, 0))) && ok1 && ok2:
		if v, ok := oldD.Find("V"); ok && v != nil && !samePDF(v, curD["V"]) {
			a.add(n, r.page, false, "the value of a signature field was replaced or removed", "giá trị của một trường chữ ký bị thay hoặc bị xóa")
			return
		}
		a.keys(n, r.page, oldD, curD, allowedSigFieldKeys, "signature field", "trường chữ ký")
		return
	case ok1 && ok2 && (r.kind == "dss" || onlyKeys(oldD, dssKeys) && onlyKeys(curD, dssKeys)):
		a.add(n, 0, true, "validation data (DSS) updated", "dữ liệu kiểm tra (DSS) được cập nhật")
		return
	}
	en, vi := r.names()
	a.add(n, r.page, false, "changed: "+en, "bị thay đổi: "+vi)
}

func samePDF(a, b types.Object) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.PDFString() == b.PDFString()
}

func onlyKeys(d types.Dict, allowed map[string]bool) bool {
	for k := range d {
		if !allowed[k] {
			return false
		}
	}
	return len(d) > 0
}

// names returns what the object is in English and Vietnamese, side by side
// so that a new kind cannot be named in one language and forgotten in the
// other.
func (r role) names() (en, vi string) {
	p := r.page
	switch r.kind {
	case "catalog":
		return "the document catalog", "danh mục gốc của tài liệu"
	case "pages":
		return "the page tree", "cây trang"
	case "page":
		return fmt.Sprintf("page %d", p), fmt.Sprintf("trang %d", p)
	case "content":
		return fmt.Sprintf("the content of page %d", p), fmt.Sprintf("nội dung trang %d", p)
	case "resource":
		return fmt.Sprintf("an image, font or other resource of page %d", p), fmt.Sprintf("ảnh, phông chữ hoặc tài nguyên khác của trang %d", p)
	case "annot":
		return fmt.Sprintf("an annotation on page %d", p), fmt.Sprintf("một chú thích trên trang %d", p)
	case "annots":
		return fmt.Sprintf("the annotations of page %d", p), fmt.Sprintf("danh sách chú thích của trang %d", p)
	case "sigfield":
		return "a signature field", "một trường chữ ký"
	case "info":
		return "document information (Info)", "thông tin tài liệu (Info)"
	}
	return "an object of the signed document", "một đối tượng của tài liệu đã ký"
}

// diffKeys lists the keys whose values differ between two dictionaries.
func diffKeys(o, c types.Dict) []string {
	var ks []string
	for k, v := range o {
		if !samePDF(v, c[k]) {
			ks = append(ks, k)
		}
	}
	for k := range c {
		if _, ok := o[k]; !ok {
			ks = append(ks, k)
		}
	}
	sort.Strings(ks)
	return ks
}

// keys judges a dictionary whose only allowed changes are in allowed.
func (a *changeAnalysis) keys(n, page int, o, c types.Dict, allowed map[string]bool, en, vi string) {
	var bad, ok []string
	for _, k := range diffKeys(o, c) {
		if allowed[k] {
			ok = append(ok, "/"+k)
		} else {
			bad = append(bad, "/"+k)
		}
	}
	if len(bad) > 0 {
		a.add(n, page, false, en+" changed: "+strings.Join(bad, " "), vi+" bị thay đổi: "+strings.Join(bad, " "))
	}
	if len(ok) > 0 {
		a.add(n, page, true, en+" updated: "+strings.Join(ok, " "), vi+" được cập nhật: "+strings.Join(ok, " "))
	}
}

func (a *changeAnalysis) catalog(n int, o, c types.Dict) {
	var bad []string
	for _, k := range diffKeys(o, c) {
		switch {
		case k == "AcroForm":
			od, _ := pdfread.DictOf(a.old, o[k])
			cd, err := pdfread.DictOf(a.cur, c[k])
			if err != nil {
				bad = append(bad, "/AcroForm")
				continue
			}
			a.acroForm(n, od, cd)
		case k == "DSS":
			if _, was := o.Find("DSS"); was {
				a.add(n, 0, true, "validation data (DSS) replaced", "dữ liệu kiểm tra (DSS) được thay")
			} else {
				a.add(n, 0, true, "validation data (DSS) added", "dữ liệu kiểm tra (DSS) được thêm")
			}
		case allowedCatalogKeys[k]:
		default:
			bad = append(bad, "/"+k)
		}
	}
	if len(bad) > 0 {
		a.add(n, 0, false, "the document catalog changed: "+strings.Join(bad, " "), "danh mục gốc của tài liệu bị thay đổi: "+strings.Join(bad, " "))
	}
}

func (a *changeAnalysis) acroForm(n int, o, c types.Dict) {
	var bad []string
	for _, k := range diffKeys(o, c) {
		switch k {
		case "Fields":
			of, _ := pdfread.ArrayOf(a.old, o[k])
			cf, err := pdfread.ArrayOf(a.cur, c[k])
			if err != nil {
				bad = append(bad, "/Fields")
				continue
			}
			a.grown(n, 0, of, cf)
		case "NeedAppearances":
			// Asking viewers to redraw fields would let new values show.
			if b, ok := c[k].(types.Boolean); ok && bool(b) {
				bad = append(bad, "/NeedAppearances")
			}
		default:
			if !allowedAcroFormKeys[k] {
				bad = append(bad, "/"+k)
			}
		}
	}
	if len(bad) > 0 {
		a.add(n, 0, false, "the form changed: "+strings.Join(bad, " "), "biểu mẫu bị thay đổi: "+strings.Join(bad, " "))
	}
}

// grown judges an array of fields or annotations: it may only gain
// signature fields.
func (a *changeAnalysis) grown(n, page int, o, c types.Array) {
	have := map[string]bool{}
	for _, x := range c {
		have[x.PDFString()] = true
	}
	for _, x := range o {
		if !have[x.PDFString()] {
			if isSigField(a.old, x) {
				a.add(refNum(x), page, false, "a signature field was removed", "một trường chữ ký bị gỡ bỏ")
			} else {
				a.add(refNum(x), page, false, "an annotation or form field was removed", "một chú thích hoặc trường biểu mẫu bị gỡ bỏ")
			}
		}
	}
	was := map[string]bool{}
	for _, x := range o {
		was[x.PDFString()] = true
	}
	for _, x := range c {
		if was[x.PDFString()] {
			continue
		}
		was[x.PDFString()] = true
		if !isSigField(a.cur, x) {
			a.add(refNum(x), page, false, "an annotation or form field was added", "một chú thích hoặc trường biểu mẫu được thêm vào")
			continue
		}
		name := ""
		if d, err := pdfread.DictOf(a.cur, x); err == nil {
			name, _ = pdfread.TextOf(a.cur, d["T"])
		}
		a.add(refNum(x), page, true, "signature field "+name+" added", "trường chữ ký "+name+" được thêm vào")
	}
}

func (a *changeAnalysis) page(n, page int, o, c types.Dict) {
	var bad []string
	for _, k := range diffKeys(o, c) {
		if k != "Annots" {
			bad = append(bad, "/"+k)
			continue
		}
		oa, _ := pdfread.ArrayOf(a.old, o[k])
		ca, err := pdfread.ArrayOf(a.cur, c[k])
		if err != nil {
			bad = append(bad, "/Annots")
			continue
		}
		a.grown(n, page, oa, ca)
	}
	if len(bad) > 0 {
		a.add(n, page, false, fmt.Sprintf("page %d changed: %s", page, strings.Join(bad, " ")), fmt.Sprintf("trang %d bị thay đổi: %s", page, strings.Join(bad, " ")))
	}
}
