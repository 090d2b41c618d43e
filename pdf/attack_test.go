package pdf

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/sohoa/sohoa/pdf/pdfread"
)

// The attacks on signed PDFs of Mladenov et al. ("1 Trillion Dollar
// Refund", 2019) and Mainka et al. ("Shadow Attacks", 2021), each built
// here from a real signed sohoa result. Verify must call every one of them
// not good and say why; pdfsig must agree.

// doc gives an attack what it needs of a file: its bytes, its revisions
// and objects as a reader sees them now.
type doc struct {
	t    testing.TB
	b    []byte
	revs []pdfread.Revision
	v    *pdfread.View
}

func openDoc(t testing.TB, b []byte) *doc {
	t.Helper()
	revs, err := pdfread.Revisions(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("revisions: %v", err)
	}
	return &doc{t: t, b: b, revs: revs, v: pdfread.NewView(bytes.NewReader(b), int64(len(b)), revs, len(revs)-1)}
}

func (d *doc) dict(o types.Object) types.Dict {
	d.t.Helper()
	dd, err := pdfread.DictOf(d.v, o)
	if err != nil {
		d.t.Fatalf("dict %v: %v", o, err)
	}
	return dd
}

// page1 returns the reference and dictionary of the first page.
func (d *doc) page1() (types.IndirectRef, types.Dict) {
	d.t.Helper()
	node := d.dict(d.v.Trailer["Root"])["Pages"]
	for i := 0; i < 10; i++ {
		nd := d.dict(node)
		if pdfread.NameOf(d.v, nd, "Type") == "Page" {
			return node.(types.IndirectRef), nd
		}
		kids, _ := pdfread.ArrayOf(d.v, nd["Kids"])
		node = kids[0]
	}
	d.t.Fatal("no page")
	return types.IndirectRef{}, nil
}

// sigRef returns the reference of the first signature field's widget and
// of its signature dictionary.
func (d *doc) sigRef() (widget, sig types.IndirectRef) {
	d.t.Helper()
	acro := d.dict(d.dict(d.v.Trailer["Root"])["AcroForm"])
	fields, _ := pdfread.ArrayOf(d.v, acro["Fields"])
	w := fields[0].(types.IndirectRef)
	return w, d.dict(w)["V"].(types.IndirectRef)
}

func (d *doc) size() int { return *d.revs[len(d.revs)-1].Trailer.IntEntry("Size") }

// overlay writes an update that gives the first page a second content
// stream, content, drawn over what the page shows; n is its object number.
func (d *doc) overlay(content string) (out []byte, n int) {
	d.t.Helper()
	ref, page := d.page1()
	n = d.size()
	drawn := page.Clone().(types.Dict)
	drawn["Contents"] = types.Array{page["Contents"], *types.NewIndirectRef(n, 0)}
	out, _ = d.appendUpdate("", map[int]string{n: streamObj(content), ref.ObjectNumber.Value(): drawn.PDFString()}, nil)
	return out, n
}

func streamObj(data string) string {
	return fmt.Sprintf("<</Length %d>>\nstream\n%s\nendstream", len(data), data)
}

// appendUpdate writes an incremental update: raw bytes first (objects an
// attacker hides outside the table), then objs, then a table listing objs
// and the extra entries.
func (d *doc) appendUpdate(raw string, objs map[int]string, extra map[int]int64) (out []byte, rawAt int64) {
	last := d.revs[len(d.revs)-1]
	out = append([]byte(nil), d.b...)
	if out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	rawAt = int64(len(out))
	out = append(out, raw...)
	offs := map[int]int64{}
	for n, o := range extra {
		offs[n] = o
	}
	for _, n := range slices.Sorted(maps.Keys(objs)) {
		offs[n] = int64(len(out))
		out = append(out, fmt.Sprintf("%d 0 obj\n%s\nendobj\n", n, objs[n])...)
	}
	size := d.size()
	all := make([]int, 0, len(offs))
	for n := range offs {
		all = append(all, n)
		size = max(size, n+1)
	}
	sort.Ints(all)
	xref := len(out)
	out = append(out, "xref\n"...)
	for _, n := range all {
		out = append(out, fmt.Sprintf("%d 1\n%010d 00000 n \n", n, offs[n])...)
	}
	tr := fmt.Sprintf("/Size %d /Root %s /Prev %d", size, last.Trailer["Root"].PDFString(), last.XRef)
	for _, k := range []string{"Info", "ID"} {
		if o, ok := last.Trailer[k]; ok {
			tr += " /" + k + " " + o.PDFString()
		}
	}
	out = append(out, fmt.Sprintf("trailer\n<<%s>>\nstartxref\n%d\n%%%%EOF\n", tr, xref)...)
	return out, rawAt
}

// signBytes signs a PDF given as bytes with the test signer.
func signBytes(t testing.TB, s *Signer, b []byte) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.pdf")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	signFile(t, s, path)
	out, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// pdfsigGood reads pdfsig's output as a verdict: signatures present, every
// one valid, and the last covering the whole file.
func pdfsigGood(out string) bool {
	blocks := strings.Split(out, "Signature #")[1:]
	if len(blocks) == 0 {
		return false
	}
	for _, b := range blocks {
		if !strings.Contains(b, "Signature is Valid") {
			return false
		}
	}
	return strings.Contains(blocks[len(blocks)-1], "Total document signed")
}

func TestVerifyAttacks(t *testing.T) {
	dir := t.TempDir()
	pki := newTestPKI(t, nil)
	s := pki.signer(t)
	unsignedPath := assembleFile(t, dir, testPages(t, 1), PDFA2B)
	unsigned, err := os.ReadFile(unsignedPath)
	if err != nil {
		t.Fatal(err)
	}
	signed := signBytes(t, s, unsigned)

	// An attacker's "benign" document for the shadow attacks: a white
	// cover over the scan (hide), a second content stream of the page.
	ud := openDoc(t, unsigned)
	_, page := ud.page1()
	withCover, coverNum := ud.overlay("q 1 1 1 rg 0 0 5000 5000 re f Q")
	coverSigned := signBytes(t, s, withCover)

	// For hide-and-replace: a second body of the page's content object,
	// written in the file but listed by no table, signed with the rest.
	contentNum := refNum(page["Contents"])
	hidden := fmt.Sprintf("%d 0 obj\n%s\nendobj\n", contentNum, streamObj("q 0 0 0 rg 0 0 5000 5000 re f Q BT /F1 40 Tf 50 400 Td (FORGED) Tj ET"))
	withHidden, hiddenAt := ud.appendUpdate(hidden, map[int]string{ud.size(): "<</Note (harmless)>>"}, nil)
	hiddenSigned := signBytes(t, s, withHidden)

	sd := openDoc(t, signed)
	_, sPage := sd.page1()
	widget, sig := sd.sigRef()
	sigDict := sd.dict(sig)
	image := sd.dict(sd.dict(sPage["Resources"])["XObject"])
	var imageNum int
	for _, x := range image {
		imageNum = refNum(x)
	}
	withVNull := sd.dict(widget).Clone().(types.Dict)
	withVNull["V"] = nil
	noFields := sd.dict(sd.v.Trailer["Root"]).Clone().(types.Dict)
	acro := sd.dict(noFields["AcroForm"]).Clone().(types.Dict)
	acro["Fields"] = types.Array{}
	noFields["AcroForm"] = acro
	sigWith := func(k string, v types.Object) string {
		d := sigDict.Clone().(types.Dict)
		if v == nil {
			delete(d, k)
		} else {
			d[k] = v
		}
		return d.PDFString()
	}

	// ISA: a black box over the page in an update after the signature.
	isa, _ := sd.overlay("q 0 0 0 rg 20 20 300 120 re f Q")

	// SWA: the same update, plus a copy of the second signed range inside
	// it and the signature dictionary rewritten to point /ByteRange at the
	// copy: the digest still matches.
	br := sd.dict(sig)["ByteRange"].(types.Array)
	a, b, c := int64(br[1].(types.Integer)), int64(br[2].(types.Integer)), int64(br[3].(types.Integer))
	swaBase := openDoc(t, isa)
	raw := "\n% " + string(signed[b:b+c]) + "\n"
	_, rawAt := swaBase.appendUpdate(raw, nil, nil)
	wrapped := sigWith("ByteRange", types.Array{types.Integer(0), types.Integer(a), types.Integer(rawAt + 3), types.Integer(c)})
	swa, _ := swaBase.appendUpdate(raw, map[int]string{sig.ObjectNumber.Value(): wrapped}, nil)

	// SWA in the gap: a second string after the signature value inside the
	// /ByteRange gap, room where an attacker can carry bytes.
	gapped := append([]byte(nil), signed...)
	gap := gapped[a:b]
	hexEnd := bytes.LastIndexFunc(gap[:len(gap)-1], func(r rune) bool { return r != '0' }) + 1
	hexEnd += (hexEnd - 1) % 2 // whole bytes of the signature value
	copy(gap[hexEnd+4:], "> /X <")

	hideSD := openDoc(t, coverSigned)
	hide, _ := hideSD.appendUpdate("", map[int]string{coverNum: streamObj("")}, nil)

	replace, _ := sd.appendUpdate("", map[int]string{imageNum: replacedStream(t, sd, imageNum)}, nil)

	hrSD := openDoc(t, hiddenSigned)
	hideReplace, _ := hrSD.appendUpdate("", nil, map[int]int64{contentNum: hiddenAt})

	for _, tc := range []struct {
		name string
		data []byte
		want string // in the signatures verdict's reason
	}{
		{"ISA: content added after signing", isa, "page 1 changed: /Contents"},
		{"SWA: /ByteRange pointed at a copy", swa, "signature wrapping"},
		{"SWA: objects room in the gap", gapped, "signature wrapping"},
		{"USF: /Contents missing", must(sd.appendUpdate("", map[int]string{sig.ObjectNumber.Value(): sigWith("Contents", nil)}, nil)), "/Contents"},
		{"USF: /Contents empty", must(sd.appendUpdate("", map[int]string{sig.ObjectNumber.Value(): sigWith("Contents", types.HexLiteral(""))}, nil)), "/Contents"},
		{"USF: /ByteRange missing", must(sd.appendUpdate("", map[int]string{sig.ObjectNumber.Value(): sigWith("ByteRange", nil)}, nil)), "/ByteRange"},
		{"USF: /ByteRange zero", must(sd.appendUpdate("", map[int]string{sig.ObjectNumber.Value(): sigWith("ByteRange", types.Array{types.Integer(0), types.Integer(0), types.Integer(0), types.Integer(0)})}, nil)), "/ByteRange"},
		{"USF: signature value null", must(sd.appendUpdate("", map[int]string{widget.ObjectNumber.Value(): withVNull.PDFString()}, nil)), "no digital signature"},
		{"USF: signature field removed", must(sd.appendUpdate("", map[int]string{refNum(sd.v.Trailer["Root"]): noFields.PDFString()}, nil)), "no digital signature"},
		{"shadow hide: cover removed", hide, "the content of page 1"},
		{"shadow replace: image replaced", replace, "resource of page 1"},
		{"shadow hide-and-replace: table points at a hidden body", hideReplace, "the content of page 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.NewReplacer(" ", "-", ":", "", "/", "").Replace(tc.name)+".pdf")
			if err := os.WriteFile(path, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			r := verifyFile(t, path, pki.caPEM)
			v := r.Verdicts.Signatures
			if r.OK() || v.OK {
				t.Errorf("Verify calls it good: %+v", r.Verdicts)
			}
			if !strings.Contains(v.Reason, tc.want) {
				t.Errorf("reason %q, want it to mention %q", v.Reason, tc.want)
			}
			if v.ReasonVI == "" || v.ReasonVI == v.Reason {
				t.Errorf("no Vietnamese reason: %q", v.ReasonVI)
			}
			t.Logf("%s\n  %s", v.Reason, v.ReasonVI)
			if out := pdfsig(t, "", path); pdfsigGood(out) {
				t.Errorf("pdfsig disagrees: it calls the file good:\n%s", out)
			}
		})
	}

	// The untouched result and an honest second signature stay good, and
	// pdfsig agrees.
	second := signBytes(t, s, signed)
	for name, data := range map[string][]byte{"signed": signed, "signed twice": second, "cover signed": coverSigned} {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".pdf")
		os.WriteFile(path, data, 0o644)
		r := verifyFile(t, path, pki.caPEM)
		if !r.OK() {
			t.Errorf("%s: not good: %+v", name, r.Verdicts)
		}
		if out := pdfsig(t, "", path); !pdfsigGood(out) {
			t.Errorf("%s: pdfsig calls it not good:\n%s", name, out)
		}
		for i, sg := range r.Signatures {
			if sg.ModifiedAfter || sg.Changes == nil {
				t.Errorf("%s: signature %d: changes %+v", name, i+1, sg.Changes)
			}
		}
	}
}

func must(b []byte, _ int64) []byte { return b }

// replacedStream returns a stream object with the same dictionary and
// other data (here: some bytes of the scan inverted).
func replacedStream(t testing.TB, d *doc, num int) string {
	t.Helper()
	o, sp, err := d.v.Raw(num)
	if err != nil || sp == nil {
		t.Fatalf("object %d: %v", num, err)
	}
	data, err := d.v.Read(sp, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(data) / 2; i < len(data)/2+64; i++ {
		data[i] ^= 0xff
	}
	return o.PDFString() + "\nstream\n" + string(data) + "\nendstream"
}

// A certification signature with DocMDP P=1 permits nothing after it, not
// even another signature (ISO 32000-1 12.8.2.2); P absent or 2 permits one.
func TestVerifyDocMDP(t *testing.T) {
	dir := t.TempDir()
	pki := newTestPKI(t, nil)
	s := pki.signer(t)
	cert := pki.signer(t)
	cert.certify = true
	path := assembleFile(t, dir, testPages(t, 1), PDFA2B)
	signFile(t, cert, path)
	r := verifyFile(t, path, pki.caPEM)
	if !r.OK() || r.Signatures[0].DocMDP != 1 {
		t.Fatalf("certified file: OK %v, DocMDP %d, %+v", r.OK(), r.Signatures[0].DocMDP, r.Verdicts)
	}
	signFile(t, s, path)
	r = verifyFile(t, path, pki.caPEM)
	if r.OK() || !r.Signatures[0].ModifiedAfter || !strings.Contains(r.Verdicts.Signatures.Reason, "DocMDP P=1") {
		t.Errorf("signed after a P=1 certification: OK %v, %+v", r.OK(), r.Verdicts.Signatures)
	}
	if !r.Signatures[1].Intact || r.Signatures[1].ModifiedAfter {
		t.Errorf("the second signature itself: %+v", r.Signatures[1])
	}
}
